import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseConfig, type PortoutWatchConfig, type PortoutWatchSettings } from './config.ts';

/** cdk.json context key holding the settings every deployment shares (or the only deployment's settings). */
export const CONFIG_CONTEXT_KEY = 'portoutWatch';
/** Context key naming the stages to synthesize, e.g. `-c stages=prod-us,prod-eu`; each reads config/<stage>.json. */
export const STAGES_CONTEXT_KEY = 'stages';
export const DEFAULT_STACK_ID = 'PortoutWatch';

const STAGE_NAME = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;

export interface StageDefinition {
  /** Also the CloudFormation stack name. */
  stackId: string;
  /** As written, what PortoutWatchStack takes. */
  settings: PortoutWatchSettings;
  /** The same settings, validated, with the defaults filled in. */
  config: PortoutWatchConfig;
}

/** parseConfig rejects anything that is not a PortoutWatchSettings, so settings it accepted are one. */
function validated(raw: unknown, source: string): Pick<StageDefinition, 'settings' | 'config'> {
  return { config: parseConfig(raw, source), settings: (raw ?? {}) as PortoutWatchSettings };
}

export interface ContextReader {
  tryGetContext(key: string): unknown;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Objects merge key by key; lists and values from the stage replace the shared ones. */
function merge(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override === undefined ? base : override;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = merge(base[key], value);
  return merged;
}

/** Context from `-c key=value` arrives as a string; from cdk.json it is already JSON. */
function jsonContext(context: ContextReader, key: string): unknown {
  const value = context.tryGetContext(key);
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new ConfigError(`context ${key} is not valid JSON: pass it as -c ${key}='{"schedule":"rate(5 minutes)"}' or set it in cdk.json`);
  }
}

function stageNames(context: ContextReader): string[] {
  const value = context.tryGetContext(STAGES_CONTEXT_KEY);
  if (value === undefined || value === '') return [];
  const names = Array.isArray(value) ? value : String(value).split(',');
  return names.map((name) => String(name).trim()).filter((name) => name.length > 0);
}

/**
 * Which stacks to synthesize, each with its validated config. No stages: one stack, `PortoutWatch`, from the
 * cdk.json context alone. With stages: one stack per stage, `PortoutWatch-<stage>`, from config/<stage>.json
 * merged over that context.
 */
export function resolveStages(context: ContextReader, configDir: string): StageDefinition[] {
  const shared = jsonContext(context, CONFIG_CONTEXT_KEY) ?? {};
  const stages = stageNames(context);
  if (stages.length === 0) {
    return [{ stackId: DEFAULT_STACK_ID, ...validated(shared, `cdk.json context "${CONFIG_CONTEXT_KEY}"`) }];
  }
  return stages.map((stage) => {
    if (!STAGE_NAME.test(stage)) {
      throw new ConfigError(
        `stage ${JSON.stringify(stage)} in context ${STAGES_CONTEXT_KEY} must start with a letter and hold only letters, digits and - (it becomes part of the stack name)`,
      );
    }
    const file = join(configDir, `${stage}.json`);
    if (!existsSync(file)) {
      throw new ConfigError(`stage ${stage}: ${file} does not exist: create it (config/example.json shows every setting) or drop ${stage} from -c ${STAGES_CONTEXT_KEY}`);
    }
    let own: unknown;
    try {
      own = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`stage ${stage}: ${file} is not valid JSON: ${(error as Error).message}`);
    }
    return { stackId: `${DEFAULT_STACK_ID}-${stage}`, ...validated(merge(shared, own), file) };
  });
}
