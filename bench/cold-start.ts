import { spawn } from 'node:child_process';
import { ENV } from '../functions/poller/config.ts';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../functions/poller/telemetry.ts';

/**
 * Runs in a fresh `node` per sample: imports the bundle, then invokes the handler with a context whose
 * getRemainingTimeInMillis() throws. The handler parses its config and wires its adapters before it asks for the
 * time left, so the sample covers exactly import + cold-start initialisation, and nothing reaches the network.
 */
const SAMPLE_SCRIPT = `
import { pathToFileURL } from 'node:url';
const started = performance.now();
const { handler } = await import(pathToFileURL(process.argv[1]).href);
const imported = performance.now();
let initialised;
const stop = new Error('benchmark: stop before the first request');
try {
  await handler({}, { awsRequestId: 'bench-cold-start', getRemainingTimeInMillis() { initialised = performance.now(); throw stop; } });
} catch (error) {
  // The handler rethrows a redacted copy of what failed, so compare by message.
  if (!(error instanceof Error) || error.message !== stop.message) throw error;
}
if (initialised === undefined) throw new Error('the handler never asked for the time left, so initialisation was not measured');
process.send({ bootMs: started, importMs: imported - started, initMs: initialised - imported }, () => process.exit(0));
`;

interface Sample {
  bootMs: number;
  importMs: number;
  initMs: number;
}

export interface ColdStart {
  runs: number;
  /** `process.version` of the Node that ran the samples. */
  node: string;
  nodeOptions: string;
  /** Medians, ms. `bootMs` is Node's own start before the first line of the sample runs. */
  median: { bootMs: number; importMs: number; initMs: number; importAndInitMs: number };
  samples: Sample[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function sample(nodePath: string, bundlePath: string, nodeOptions: string): Promise<Sample> {
  // The environment the stack gives the function; a secret ARN, as in AWS, so no key is read at cold start.
  const env = {
    [ENV.tableName]: 'portout-watch-state',
    [ENV.topicArn]: 'arn:aws:sns:us-east-1:123456789012:portout-watch-alerts',
    [ENV.apiKeySecretArn]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:portout-watch/telnyx-api-key-AbCdEf',
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    AWS_REGION: 'us-east-1',
    NODE_OPTIONS: nodeOptions,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(nodePath, ['--input-type=module', '-e', SAMPLE_SCRIPT, bundlePath], {
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let result: Sample | undefined;
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('message', (message) => (result = message as Sample));
    child.on('error', reject);
    child.on('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`cold-start sample failed (exit ${code}): ${stderr}`))));
  });
}

export interface ColdStartVariant {
  label: string;
  bundlePath: string;
  nodeOptions: string;
  /** The Node binary and its version: Lambda's Node 24 (tools/node24), or the one running the benchmark. */
  node: { path: string; version: string };
}

function summarise(samples: Sample[], variant: ColdStartVariant): ColdStart {
  return {
    runs: samples.length,
    node: variant.node.version,
    nodeOptions: variant.nodeOptions,
    median: {
      bootMs: median(samples.map((s) => s.bootMs)),
      importMs: median(samples.map((s) => s.importMs)),
      initMs: median(samples.map((s) => s.initMs)),
      importAndInitMs: median(samples.map((s) => s.importMs + s.initMs)),
    },
    samples,
  };
}

/**
 * Samples one at a time (never two processes competing for the cores), taking the variants in turn, so that load
 * from anything else on the machine falls on all of them alike.
 */
export async function measureColdStarts(variants: ColdStartVariant[], runs: number): Promise<Array<ColdStart & { label: string }>> {
  const samples = variants.map((): Sample[] => []);
  for (let run = 0; run < runs; run++) {
    for (const [index, variant] of variants.entries()) samples[index]?.push(await sample(variant.node.path, variant.bundlePath, variant.nodeOptions));
  }
  return variants.map((variant, index) => ({ label: variant.label, ...summarise(samples[index] ?? [], variant) }));
}
