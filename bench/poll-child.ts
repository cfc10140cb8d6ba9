/**
 * One measured run in a fresh process (bundled by bench/bundle.ts, run with plain `node`), so its peak RSS is the
 * poller's own. The poller's settings come from the environment exactly as in Lambda; BENCH_JOB says what to run.
 * DynamoDB is real (DynamoDB Local); SNS answers from a fake (counters.ts); Telnyx is the parent's simulator.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { parsePollerConfig, type PollerConfig } from '../functions/poller/config.ts';
import type { PortoutSource } from '../functions/poller/core/ports.ts';
import { runPoll, type PollReport } from '../functions/poller/core/run-poll.ts';
import { wireAdapters, type PollerAdapters } from '../functions/poller/wiring.ts';
import { createSdkAutoPagerSource, runPerItemPoll } from './alternatives.ts';
import { countDynamoDb, countTelnyx, fakeSns, type DynamoCounter } from './counters.ts';
import type { ChildResult, PollJob, PollMeasurement } from './jobs.ts';

type Phases = NonNullable<PollMeasurement['phases']>;
type Outcome = Omit<PollMeasurement, 'wallMs' | 'cpuMs' | 'dynamo' | 'sns' | 'phases' | 'telnyx'>;

const job = JSON.parse(process.env.BENCH_JOB ?? '{}') as PollJob;
const remainingMs = Number(process.env.BENCH_REMAINING_MS);
const sns = fakeSns();
const telnyx = countTelnyx();
const config = parsePollerConfig(process.env);

function summarise(report: PollReport): Outcome {
  return {
    outcome: report.outcome,
    watched: report.watched,
    events: report.events.length,
    messages: report.messages,
    published: report.published,
    recorded: report.recorded,
    telnyxRequests: report.telnyxRequests,
  };
}

function timed<A extends unknown[], R>(fn: (...args: A) => Promise<R>, add: (ms: number) => void) {
  return async (...args: A): Promise<R> => {
    const started = performance.now();
    try {
      return await fn(...args);
    } finally {
      add(performance.now() - started);
    }
  };
}

/** The poller's adapters with the DynamoDB client counted and each port call timed. */
function wiredAdapters(cfg: PollerConfig, dynamoClient: DynamoDBClient, phases: Phases): PollerAdapters {
  const { source, store, notifier } = wireAdapters(cfg, { dynamoClient, snsClient: new SNSClient({}), telnyxFetch: telnyx.fetch });
  return {
    source: { ...source, listWatchedPortouts: timed(source.listWatchedPortouts, (ms) => (phases.listMs += ms)) },
    store: {
      ...store,
      loadOpen: timed(store.loadOpen, (ms) => (phases.loadOpenMs += ms)),
      apply: timed(store.apply, (ms) => (phases.applyMs += ms)),
    },
    notifier: { publish: timed(notifier.publish, (ms) => (phases.publishMs += ms)) },
  };
}

/** Builds the clients once, as a Lambda container does, and returns one poll. */
async function preparePoll(): Promise<{
  dynamo: () => DynamoCounter;
  countsTelnyx: boolean;
  phases?: Phases;
  poll: () => Promise<Outcome>;
}> {
  const deadline = () => Date.now() + remainingMs - config.deadlineMarginMs;
  const dynamoClient = new DynamoDBClient({ endpoint: job.dynamoEndpoint });
  const runOurs = (adapters: PollerAdapters) => async () =>
    summarise(await runPoll({ ...adapters, policy: config.alertPolicy, runId: randomUUID() }, { now: new Date(), deadline: deadline() }));
  const sdkAutoPager = (ours: PortoutSource) =>
    createSdkAutoPagerSource({
      baseURL: config.telnyxBaseUrl,
      apiKey: config.accounts[0]?.apiKey.kind === 'env' ? config.accounts[0].apiKey.apiKey : '',
      fetch: telnyx.fetch,
      ours,
    });

  if (job.listingOnly) {
    const counter = countDynamoDb(dynamoClient);
    const ours = wireAdapters(config, { dynamoClient, telnyxFetch: telnyx.fetch }).source;
    const source = job.implementation === 'sdk-autopager' ? sdkAutoPager(ours) : ours;
    return {
      dynamo: () => counter,
      countsTelnyx: true,
      poll: async () => {
        const before = source.requestCount();
        const listing = await source.listWatchedPortouts(deadline());
        const telnyxRequests = source.requestCount() - before;
        return { outcome: listing.complete ? 'ok' : 'partial', watched: listing.portouts.length, events: 0, messages: 0, published: 0, recorded: 0, telnyxRequests };
      },
    };
  }
  switch (job.implementation) {
    case 'handler': {
      // The handler builds its own DynamoDBClient; its DocumentClient shares that client's middleware stack.
      let counter: DynamoCounter | undefined;
      const from = DynamoDBDocumentClient.from.bind(DynamoDBDocumentClient);
      DynamoDBDocumentClient.from = (client, translateConfig) => {
        counter = countDynamoDb(client);
        return from(client, translateConfig);
      };
      const { handler } = await import('../functions/poller/handler.ts');
      let invocation = 0;
      return {
        countsTelnyx: false,
        dynamo: () => {
          if (!counter) throw new Error('the handler built no DynamoDBDocumentClient through DynamoDBDocumentClient.from: update the counting hook');
          return counter;
        },
        poll: async () =>
          // This job configures one account, so the handler answers with a single-account PollReport.
          summarise((await handler({}, { awsRequestId: `bench-${++invocation}`, getRemainingTimeInMillis: () => remainingMs })) as PollReport),
      };
    }
    case 'wired': {
      const counter = countDynamoDb(dynamoClient);
      const phases: Phases = { listMs: 0, loadOpenMs: 0, publishMs: 0, applyMs: 0 };
      return { dynamo: () => counter, countsTelnyx: true, phases, poll: runOurs(wiredAdapters(config, dynamoClient, phases)) };
    }
    case 'sdk-autopager': {
      const counter = countDynamoDb(dynamoClient);
      const adapters = wireAdapters(config, { dynamoClient, snsClient: new SNSClient({}), telnyxFetch: telnyx.fetch });
      return { dynamo: () => counter, countsTelnyx: true, poll: runOurs({ ...adapters, source: sdkAutoPager(adapters.source) }) };
    }
    case 'per-item': {
      const counter = countDynamoDb(dynamoClient);
      const { source } = wireAdapters(config, { dynamoClient, telnyxFetch: telnyx.fetch });
      const doc = DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } });
      const snsClient = new SNSClient({});
      return {
        dynamo: () => counter,
        countsTelnyx: true,
        poll: async () => {
          const report = await runPerItemPoll({
            source,
            doc,
            tableName: config.tableName,
            sns: snsClient,
            topicArn: config.topicArn,
            policy: config.alertPolicy,
            now: new Date(),
            deadline: deadline(),
          });
          return { outcome: 'ok', ...report };
        },
      };
    }
  }
}

async function main(): Promise<ChildResult> {
  const prepared = await preparePoll();
  const polls: PollMeasurement[] = [];
  for (let index = 0; index < job.polls; index++) {
    if (index > 0) prepared.dynamo().reset();
    sns.reset();
    telnyx.reset();
    if (prepared.phases) Object.assign(prepared.phases, { listMs: 0, loadOpenMs: 0, publishMs: 0, applyMs: 0 });
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const outcome = await prepared.poll();
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    polls.push({
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      ...(prepared.phases ? { phases: { ...prepared.phases } } : {}),
      ...outcome,
      dynamo: prepared.dynamo().counts(),
      sns: sns.counts(),
      ...(prepared.countsTelnyx ? { telnyx: telnyx.counts() } : {}),
    });
  }
  return { polls, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

main().then(
  (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
  (error: unknown) => {
    process.send?.({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1));
  },
);
