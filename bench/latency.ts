/**
 * Detection latency: from a request filed in the simulator to its alert published. On the schedule alone, the
 * arrival times are simulated (uniform over one interval) and the poll's own time is measured; with webhooks,
 * every request goes through the real path: signed webhook → receiver core and SDK verification over loopback
 * HTTP → doorbell in DynamoDB Local → runPoll against the simulator → publish.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parsePollerConfig, ENV } from '../functions/poller/config.ts';
import type { Notifier } from '../functions/poller/core/ports.ts';
import { runPoll } from '../functions/poller/core/run-poll.ts';
import { wireAdapters } from '../functions/poller/wiring.ts';
import { CONFIG_DEFAULTS, parseSchedule } from '../lib/config.ts';
import { ensureStateTable, LOCAL_AWS } from '../local/dynamodb-local.ts';
import { sendSimulatorWebhooks } from '../local/simulator-webhooks.ts';
import { startTelnyxSimulator } from '../local/telnyx-simulator.ts';
import { localDoorbellAnswerer, startLocalWebhookReceiver } from '../local/webhook-path.ts';
import { createWebhookSigner } from '../local/webhook-signer.ts';
import { benchPortout, portoutId } from './fixtures.ts';

export interface LatencyRow {
  mode: string;
  /** Requests measured (simulated arrivals for the schedule-only row). */
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Polls the run made, where real (webhook rows). */
  polls?: number;
}

export interface LatencyResults {
  intervalMinutes: number;
  watched: number;
  /** The target on the webhook rows. */
  targetP95Ms: number;
  rows: LatencyRow[];
}

export const LATENCY_TARGET_P95_MS = 10_000;
const WATCHED = 100;
const FIRST_NEW_INDEX = 1_000_000;
const SCHEDULE_ARRIVALS = 1_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const row = (mode: string, latencies: number[], polls?: number): LatencyRow => ({
  mode,
  samples: latencies.length,
  p50Ms: Math.round(percentile(latencies, 50)),
  p95Ms: Math.round(percentile(latencies, 95)),
  maxMs: Math.round(Math.max(...latencies)),
  ...(polls === undefined ? {} : { polls }),
});

/** A small deterministic generator, so runs are comparable. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function measureDetectionLatency({
  dynamoEndpoint,
  latencyMs,
  requests,
  log,
}: {
  dynamoEndpoint: string;
  latencyMs: number;
  requests: number;
  log: (line: string) => void;
}): Promise<LatencyResults> {
  const schedule = parseSchedule(CONFIG_DEFAULTS.schedule);
  const intervalMs = (typeof schedule === 'string' ? 5 : schedule.intervalMinutes) * 60_000;
  const dynamoClient = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamoEndpoint });
  const sim = await startTelnyxSimulator({ latencyMs });
  const publishedAt = new Map<string, number>();
  const notifier: Notifier = {
    async publish(alerts) {
      const now = Date.now();
      for (const alert of alerts) if (alert.portoutId && !publishedAt.has(alert.portoutId)) publishedAt.set(alert.portoutId, now);
      return { delivered: alerts.map((alert) => alert.alertId), failed: [] };
    },
  };
  let nextIndex = FIRST_NEW_INDEX;
  const newRequest = () => ({ ...benchPortout(nextIndex), id: portoutId(nextIndex++), status: 'pending' });

  try {
    const setUp = async () => {
      const tableName = `bench-latency-${randomUUID()}`;
      await ensureStateTable(dynamoClient, tableName);
      const config = parsePollerConfig({ [ENV.tableName]: tableName, [ENV.topicArn]: 'arn:aws:sns:us-east-1:123456789012:bench', [ENV.apiKey]: sim.apiKey, [ENV.telnyxBaseUrl]: sim.baseUrl });
      const adapters = wireAdapters(config, { dynamoClient, notifier });
      const poll = () => runPoll({ ...adapters, policy: config.alertPolicy, runId: randomUUID() }, { now: new Date(), deadline: Date.now() + 60_000 });
      // The first run summarises what is already waiting; every later change is alerted on its own.
      await poll();
      return { tableName, config, adapters, poll };
    };
    sim.upsert(...Array.from({ length: WATCHED }, (_, index) => benchPortout(index)));

    // Schedule only: the time a poll takes from its start to the alert's publication, measured; arrivals simulated.
    const scheduled = await setUp();
    const pollToPublish: number[] = [];
    for (let n = 0; n < 5; n++) {
      const request = newRequest();
      sim.upsert(request);
      const started = Date.now();
      await scheduled.poll();
      pollToPublish.push((publishedAt.get(request.id) ?? Date.now()) - started);
    }
    const random = seeded(42);
    const scheduleOnly = Array.from({ length: SCHEDULE_ARRIVALS }, (_, n) => intervalMs * (1 - random()) + (pollToPublish[n % pollToPublish.length] ?? 0));
    const rows = [row(`schedule only (every ${intervalMs / 60_000} min)`, scheduleOnly)];
    log(`  schedule only: poll start → publish ${pollToPublish.map((ms) => `${ms} ms`).join(', ')}`);

    for (const { mode, listingLagMs } of [
      { mode: 'webhooks, listing in step with the webhook', listingLagMs: 0 },
      { mode: 'webhooks, listing 1.5 s behind the webhook', listingLagMs: 1_500 },
    ]) {
      const { tableName, config, adapters } = await setUp();
      let polls = 0;
      const signer = createWebhookSigner();
      const receiver = await startLocalWebhookReceiver({
        publicKey: signer.publicKey,
        invokePoller: localDoorbellAnswerer({
          adapters,
          policy: config.alertPolicy,
          doc: DynamoDBDocumentClient.from(dynamoClient),
          tableName,
          onPoll: () => {
            polls += 1;
          },
        }),
      });
      const webhooks = sendSimulatorWebhooks(sim, { url: receiver.url, signer });
      const filed = new Map<string, number>();
      const gaps = seeded(7);
      try {
        for (let n = 0; n < requests; n++) {
          const request = newRequest();
          filed.set(request.id, webhooks.file(request, { listingLagMs }));
          // 0.2 to 3 s apart: some land while a poll or a follow-up is running.
          await new Promise((resolve) => setTimeout(resolve, 200 + gaps() * 2_800));
        }
        await webhooks.settled();
        await receiver.settled();
      } finally {
        webhooks.stop();
        await receiver.close();
      }
      const latencies = [...filed].map(([id, at]) => (publishedAt.get(id) ?? Number.POSITIVE_INFINITY) - at);
      const missed = latencies.filter((ms) => !Number.isFinite(ms)).length;
      if (missed > 0) log(`  ${mode}: ${missed} request(s) not alerted through the webhook path (the schedule would catch them)`);
      rows.push(row(mode, latencies.map((ms) => (Number.isFinite(ms) ? ms : intervalMs)), polls));
      log(`  ${mode}: ${rows.at(-1)?.p95Ms} ms p95 over ${requests} requests, ${polls} polls`);
    }
    return { intervalMinutes: intervalMs / 60_000, watched: WATCHED, targetP95Ms: LATENCY_TARGET_P95_MS, rows };
  } finally {
    await sim.close();
    dynamoClient.destroy();
  }
}

const seconds = (ms: number) => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1_000).toFixed(2)} s`);

export function renderLatency(results: LatencyResults): string[] {
  const lines = [
    '## Detection latency: request filed → alert published',
    '',
    `${results.watched} port-outs watched. Schedule only: arrivals spread evenly over one ${results.intervalMinutes}-minute interval, plus the measured time from a poll's start to its publish. With webhooks: each request really goes through the signed webhook, the receiver, the doorbell and a poll; a listing that lags needs a follow-up poll. Target: p95 ≤ ${seconds(results.targetP95Ms)} with webhooks.`,
    '',
    '| mode | requests | p50 | p95 | max | polls | target met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of results.rows) {
    const webhook = r.polls !== undefined;
    lines.push(
      `| ${r.mode} | ${r.samples} | ${seconds(r.p50Ms)} | ${seconds(r.p95Ms)} | ${seconds(r.maxMs)} | ${r.polls ?? '–'} | ${webhook ? (r.p95Ms <= results.targetP95Ms ? 'yes' : '**no**') : '–'} |`,
    );
  }
  lines.push('');
  return lines;
}
