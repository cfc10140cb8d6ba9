/**
 * `npm run bench`: the poller against the Telnyx simulator (with latency) and DynamoDB Local, beside the least work
 * possible and beside what a user could write instead; then the bundle's size and cold start. See bench/README.md.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DynamoDBClient, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DEFAULTS, ENV } from '../functions/poller/config.ts';
import { PAGE_SIZE } from '../functions/poller/adapters/telnyx-source.ts';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../functions/poller/telemetry.ts';
import { STATE_TABLE } from '../functions/poller/state-table.ts';
import { CONFIG_DEFAULTS } from '../lib/config.ts';
import { ensureStateTable, LOCAL_AWS, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { startTelnyxSimulator, type TelnyxSimulator } from '../local/telnyx-simulator.ts';
import { itemBytes, lowerBounds } from './bounds.ts';
import { runChild } from './child.ts';
import { measureFleet, renderFleetMarkdown } from './fleet.ts';
import { BUNDLE_VARIANTS, buildPollChild, buildPollerBundle, TMP_DIR, type BuiltBundle, type BundleVariant } from './bundle.ts';
import { measureColdStarts } from './cold-start.ts';
import { measureDetectionLatency, type LatencyResults } from './latency.ts';
import { benchPortout, flippedStatus, portoutId } from './fixtures.ts';
import { lambdaNode } from '../tools/node24/lambda-node.ts';
import type { ChildResult, Implementation, PollJob } from './jobs.ts';
import { renderMarkdown, type BenchResults, type RunRecord } from './report.ts';

const USAGE = `Usage: npm run bench [-- options]

  --latency MS             simulated Telnyx latency per request (default 100)
  --sizes LIST             watched port-outs per size, comma-separated (default 0,100,1000,10000)
  --concurrency-sweep LIST LIST_CONCURRENCY values for extra listing runs at the largest size (default 1,8,16; the
                           default ${DEFAULTS.listConcurrency} always runs; empty to skip)
  --per-item-max N         largest size for alternative (b), one GetItem per port-out (default 1000)
  --cold-runs N            fresh processes per cold-start figure (default 10)
  --latency-requests N     requests filed per webhook latency row (default 20; 0 skips the latency table)
  --fleet-accounts N       Telnyx accounts in the fleet run (default 200; 0 skips it)
  --fleet-max-size N       port-outs of the fleet's largest account; the others spread evenly from 1 (default 1000)
  --fleet-sweep LIST       TELNYX_CONCURRENCY values for extra quiet fleet runs (default 64; empty to skip)
  --fleet-only             only the fleet run (writes bench/fleet-results.md and .json, nothing else)
  -h, --help               show this help
`;

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:portout-watch-alerts';
const REMAINING_MS = CONFIG_DEFAULTS.timeoutSeconds * 1_000;
/** The busy run flips every port-out whose index is this set number modulo 100: 1% of them, disjoint per run. */
const FLIP_SETS = { ours: 0, 'sdk-autopager': 1, 'per-item': 2 } as const;

function numberList(value: string, flag: string): number[] {
  if (value.trim() === '') return [];
  return value.split(',').map((item) => {
    const parsed = Number(item.trim());
    if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${flag}: ${item} is not a whole number`);
    return parsed;
  });
}

function options() {
  const { values } = parseArgs({
    options: {
      latency: { type: 'string', default: '100' },
      sizes: { type: 'string', default: '0,100,1000,10000' },
      'concurrency-sweep': { type: 'string', default: '1,8,16' },
      'per-item-max': { type: 'string', default: '1000' },
      'cold-runs': { type: 'string', default: '10' },
      'latency-requests': { type: 'string', default: '20' },
      'fleet-accounts': { type: 'string', default: '200' },
      'fleet-max-size': { type: 'string', default: '1000' },
      'fleet-sweep': { type: 'string', default: '64' },
      'fleet-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const [latencyMs = 100] = numberList(values.latency, '--latency');
  const [perItemMax = 1_000] = numberList(values['per-item-max'], '--per-item-max');
  const [coldRuns = 10] = numberList(values['cold-runs'], '--cold-runs');
  const [latencyRequests = 20] = numberList(values['latency-requests'], '--latency-requests');
  const [fleetAccounts = 200] = numberList(values['fleet-accounts'], '--fleet-accounts');
  const [fleetMaxSize = 1_000] = numberList(values['fleet-max-size'], '--fleet-max-size');
  return {
    fleetAccounts,
    fleetMaxSize: Math.max(1, fleetMaxSize),
    fleetSweep: numberList(values['fleet-sweep'], '--fleet-sweep').filter((c) => c !== DEFAULTS.telnyxConcurrency),
    fleetOnly: values['fleet-only'],
    latencyMs,
    sizes: numberList(values.sizes, '--sizes'),
    sweep: numberList(values['concurrency-sweep'], '--concurrency-sweep').filter((c) => c !== DEFAULTS.listConcurrency),
    perItemMax,
    coldRuns: Math.max(1, coldRuns),
    latencyRequests,
  };
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

async function openSet(client: DynamoDBClient, tableName: string): Promise<{ items: number; bytes: number; maxItemBytes: number }> {
  let items = 0;
  let bytes = 0;
  let maxItemBytes = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :open',
        ExpressionAttributeNames: { '#pk': STATE_TABLE.partitionKey },
        ExpressionAttributeValues: { ':open': { S: 'OPEN' } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const size = itemBytes(item);
      items += 1;
      bytes += size;
      maxItemBytes = Math.max(maxItemBytes, size);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { items, bytes, maxItemBytes };
}

type Options = ReturnType<typeof options>;

/** The fleet run, written to its own files: it takes minutes of its own, and `--fleet-only` runs just it. */
async function fleetBench(opts: Options, dynamoEndpoint: string): Promise<void> {
  const loadAtStart = loadavg().map((load) => Math.round(load * 100) / 100);
  const startedAt = Date.now();
  const fleet = await measureFleet({
    dynamoEndpoint,
    latencyMs: opts.latencyMs,
    accounts: opts.fleetAccounts,
    maxSize: opts.fleetMaxSize,
    telnyxConcurrencySweep: opts.fleetSweep,
    log,
  });
  const loadAtEnd = loadavg().map((load) => Math.round(load * 100) / 100);
  const environment = {
    date: new Date(startedAt).toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadAtEnd,
    durationS: Math.round((Date.now() - startedAt) / 1000),
  };
  const outDir = new URL('./', import.meta.url);
  writeFileSync(new URL('fleet-results.json', outDir), `${JSON.stringify({ environment, fleet }, null, 2)}\n`);
  const markdown = [
    '# Fleet benchmark results',
    '',
    `${environment.date}, Node ${environment.node} on ${environment.platform}, ${environment.cpus} × ${environment.cpuModel}. ` +
      `DynamoDB Local; SNS faked. Load average ${loadAtStart.join('/')} at the start, ${loadAtEnd.join('/')} at the end. ` +
      `Whole run: ${environment.durationS} s. How to read this: bench/README.md.`,
    '',
    renderFleetMarkdown(fleet),
  ].join('\n');
  writeFileSync(new URL('fleet-results.md', outDir), markdown);
  log(`\n${markdown}`);
}

async function main(): Promise<void> {
  const opts = options();
  const startedAt = Date.now();
  // Other work on the machine slows every figure here: the load averages go into the results.
  const loadAtStart = loadavg().map((load) => Math.round(load * 100) / 100);
  mkdirSync(TMP_DIR, { recursive: true });
  if (opts.fleetOnly) {
    log('Starting DynamoDB Local…');
    const dynamo = await startDynamoDbLocal();
    process.once('SIGINT', () => void dynamo.stop().then(() => process.exit(130)));
    try {
      await fleetBench(opts, dynamo.endpoint);
    } finally {
      await dynamo.stop();
    }
    return;
  }

  // Cold starts are measured on the Node that Lambda runs; without it the benchmark stops here, saying how to get it.
  const node24 = lambdaNode();
  log('Bundling the handler as the stack does, and the measured-run child…');
  const bundles: BuiltBundle[] = [];
  for (const variant of Object.keys(BUNDLE_VARIANTS) as BundleVariant[]) bundles.push(await buildPollerBundle(variant));
  const childPath = await buildPollChild();

  log('Starting DynamoDB Local…');
  const dynamo = await startDynamoDbLocal();
  // Ctrl-C must not leave the DynamoDB Local JVM running.
  process.once('SIGINT', () => void dynamo.stop().then(() => process.exit(130)));
  const admin = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
  const runs: RunRecord[] = [];
  let latency: LatencyResults | undefined;
  try {
    for (const size of opts.sizes) {
      const sim: TelnyxSimulator = await startTelnyxSimulator({ latencyMs: opts.latencyMs });
      try {
        const statuses = Array.from({ length: size }, (_, index) => benchPortout(index).status);
        sim.upsert(...Array.from({ length: size }, (_, index) => benchPortout(index)));
        const tableName = `bench-${size}-${startedAt}`;
        await ensureStateTable(admin, tableName);

        const measure = async (
          kind: RunRecord['kind'],
          implementation: Implementation,
          opt: { polls?: number; listConcurrency?: number; changes?: number } = {},
        ): Promise<RunRecord> => {
          const listConcurrency = opt.listConcurrency ?? DEFAULTS.listConcurrency;
          const job: PollJob = {
            implementation,
            polls: opt.polls ?? 1,
            dynamoEndpoint: dynamo.endpoint,
            listingOnly: kind === 'listing',
          };
          const open = await openSet(admin, tableName);
          sim.resetRequests();
          const parentCpu = process.cpuUsage();
          const result = await runChild<ChildResult>(childPath, {
            PATH: process.env.PATH ?? '',
            [ENV.tableName]: tableName,
            [ENV.topicArn]: TOPIC_ARN,
            [ENV.apiKey]: sim.apiKey,
            [ENV.telnyxBaseUrl]: sim.baseUrl,
            [ENV.listConcurrency]: String(listConcurrency),
            AWS_REGION: LOCAL_AWS.region,
            AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
            AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
            POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
            POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
            POWERTOOLS_LOG_LEVEL: 'INFO',
            BENCH_JOB: JSON.stringify(job),
            BENCH_REMAINING_MS: String(REMAINING_MS),
          });
          const simulatorCpu = process.cpuUsage(parentCpu);
          const first = result.polls[0];
          const record: RunRecord = {
            size,
            kind,
            implementation,
            listConcurrency,
            changes: opt.changes ?? 0,
            openItems: open.items,
            openBytes: open.bytes,
            openMaxItemBytes: open.maxItemBytes,
            simulatorRequests: sim.requests.length,
            simulatorCpuMs: (simulatorCpu.user + simulatorCpu.system) / 1000,
            ...result,
            ...(kind === 'seed' || kind === 'listing' || !first
              ? {}
              : { bounds: lowerBounds(kind, { watched: size, events: first.events, messages: first.messages, openBytes: open.bytes }) }),
          };
          runs.push(record);
          const polls = result.polls.map((p) => `${Math.round(p.wallMs)} ms`).join(' then ');
          log(`  N=${size} ${kind} ${implementation} c=${listConcurrency}: ${polls}, ${first?.events ?? 0} event(s), ${record.simulatorRequests} Telnyx request(s), peak RSS ${Math.round(result.peakRssMb)} MB`);
          return record;
        };
        const flip = (set: number): number => {
          let changed = 0;
          for (let index = set; index < size; index += 100) {
            statuses[index] = flippedStatus(statuses[index]);
            sim.setStatus(portoutId(index), statuses[index] as string);
            changed += 1;
          }
          return changed;
        };

        log(`N = ${size}`);
        await measure('seed', 'wired');
        await measure('quiet', 'wired', { polls: 2 });
        await measure('quiet', 'handler', { polls: 2 });
        await measure('listing', 'wired', { polls: 4 });
        await measure('listing', 'sdk-autopager', { polls: 2 });
        await measure('quiet', 'sdk-autopager');
        if (size <= opts.perItemMax) await measure('quiet', 'per-item');
        await measure('busy', 'wired', { changes: flip(FLIP_SETS.ours) });
        await measure('busy', 'sdk-autopager', { changes: flip(FLIP_SETS['sdk-autopager']) });
        if (size <= opts.perItemMax) await measure('busy', 'per-item', { changes: flip(FLIP_SETS['per-item']) });
        if (size === Math.max(...opts.sizes)) {
          for (const listConcurrency of opts.sweep) await measure('listing', 'wired', { polls: 4, listConcurrency });
        }
      } finally {
        await sim.close();
      }
    }
    if (opts.latencyRequests > 0) {
      log('Detection latency: schedule only, and through the webhook path…');
      latency = await measureDetectionLatency({ dynamoEndpoint: dynamo.endpoint, latencyMs: opts.latencyMs, requests: opts.latencyRequests, log });
    }
    if (opts.fleetAccounts > 0) {
      log(`A fleet of ${opts.fleetAccounts} accounts…`);
      await fleetBench(opts, dynamo.endpoint);
    }
  } finally {
    admin.destroy();
    await dynamo.stop();
  }

  log('Cold start: import and initialise the bundled handler in fresh processes…');
  const bundleOf = (variant: BundleVariant) => bundles.find((bundle) => bundle.variant === variant)?.path ?? '';
  const thisNode = { path: process.execPath, version: process.version };
  // The stack sets NODE_OPTIONS=--enable-source-maps; the deployed bundle and the floor are also measured without it.
  const coldStart = await measureColdStarts(
    [
      { label: 'as-deployed', bundlePath: bundleOf('as-deployed'), nodeOptions: '--enable-source-maps', node: node24 },
      { label: 'as-deployed', bundlePath: bundleOf('as-deployed'), nodeOptions: '', node: node24 },
      { label: 'sdk-floor', bundlePath: bundleOf('sdk-floor'), nodeOptions: '--enable-source-maps', node: node24 },
      { label: 'sdk-floor', bundlePath: bundleOf('sdk-floor'), nodeOptions: '', node: node24 },
      { label: 'sdk-external', bundlePath: bundleOf('sdk-external'), nodeOptions: '--enable-source-maps', node: node24 },
      // For comparison with earlier runs, and with CI's Node.
      { label: 'as-deployed', bundlePath: bundleOf('as-deployed'), nodeOptions: '--enable-source-maps', node: thisNode },
    ],
    opts.coldRuns,
  );

  const results: BenchResults = {
    environment: {
      date: new Date(startedAt).toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryMb: Math.round(totalmem() / 1024 / 1024),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg().map((load) => Math.round(load * 100) / 100),
      latencyMs: opts.latencyMs,
      pageSize: PAGE_SIZE,
      defaultListConcurrency: DEFAULTS.listConcurrency,
      perItemMax: opts.perItemMax,
      lambdaTimeoutMs: REMAINING_MS,
      durationS: Math.round((Date.now() - startedAt) / 1000),
    },
    bundles,
    coldStart,
    runs,
    ...(latency ? { latency } : {}),
  };
  const outDir = new URL('./', import.meta.url);
  writeFileSync(new URL('results.json', outDir), `${JSON.stringify(results, null, 2)}\n`);
  const markdown = renderMarkdown(results);
  writeFileSync(new URL('results.md', outDir), markdown);
  log(`\n${markdown}`);
  log(`Wrote bench/results.json and bench/results.md in ${results.environment.durationS} s.`);
}

await main();
