import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { PortoutWatchStack } from '../../lib/portout-watch-stack.ts';
import { resolveStages } from '../../lib/stages.ts';
import { DEFAULT_ACCOUNT_NAME } from '../../functions/poller/core/accounts.ts';
import type { CfnTemplate } from './estimate.ts';

const CDK_JSON = fileURLToPath(new URL('../../cdk.json', import.meta.url));
const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

/**
 * The deployment the cost target is set for: one email and one SMS subscription, the alarm email, the
 * 5-minute schedule, and every other setting at its default.
 */
export const DEFAULT_DEPLOYMENT = {
  alerts: { email: ['alerts@example.com'], sms: ['+14155550100'] },
  operations: { alarmEmail: 'oncall@example.com' },
};

/**
 * The default deployment watching `accounts` configured Telnyx accounts (`default` and `account-2`... each with a
 * secret the stack creates) and, if asked, a manager account's managed accounts.
 */
export function fleetDeployment(accounts: number, managed: boolean): Record<string, unknown> {
  const names = Array.from({ length: accounts }, (_, i) => (i === 0 ? DEFAULT_ACCOUNT_NAME : `account-${i + 1}`));
  return { ...DEFAULT_DEPLOYMENT, telnyxAccounts: names.map((name) => ({ name })), ...(managed ? { managedAccounts: {} } : {}) };
}

/**
 * The template(s) `cdk synth` would build, offline and without credentials: cdk.json's context with `portoutWatch`
 * replaced by `config` (or, with `stage`, config/<stage>.json merged over cdk.json's). Bundling is skipped; the
 * template is the same without the asset's contents.
 */
export function synthesizeTemplates(options: { config?: unknown; stage?: string }): Array<{ stackId: string; template: CfnTemplate }> {
  const context = (JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> }).context;
  const merged: Record<string, unknown> = {
    ...context,
    ...(options.config === undefined ? {} : { portoutWatch: options.config }),
    ...(options.stage === undefined ? {} : { stages: options.stage }),
  };
  const app = new App({ context: { ...merged, 'aws:cdk:bundling-stacks': [] } });
  const stages = resolveStages({ tryGetContext: (key) => merged[key] }, CONFIG_DIR);
  for (const { stackId, settings } of stages) new PortoutWatchStack(app, stackId, { settings });
  const assembly = app.synth();
  return stages.map(({ stackId }) => ({ stackId, template: assembly.getStackByName(stackId).template as CfnTemplate }));
}

