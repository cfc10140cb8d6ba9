/**
 * One measured fleet run in a fresh process (bundled like poll-child.ts): every account of TELNYX_ACCOUNTS polled
 * through `fleetInvocation`, as the handler polls a multi-account deployment. DynamoDB is real (DynamoDB Local),
 * SNS answers from a fake, Telnyx is the parent's simulator. BENCH_FLEET_JOB says how many polls to run back to back.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { parsePollerConfig } from '../functions/poller/config.ts';
import { fleetInvocation } from '../functions/poller/handler.ts';
import { wireFleet } from '../functions/poller/wiring.ts';
import { countDynamoDb, fakeSns } from './counters.ts';
import type { FleetChildResult, FleetJob, FleetPoll } from './fleet-jobs.ts';

const job = JSON.parse(process.env.BENCH_FLEET_JOB ?? '{}') as FleetJob;
const sns = fakeSns();
const config = parsePollerConfig(process.env);

/** The SDK's fetch, counting requests in flight at once: the fleet's limit must hold it at TELNYX_CONCURRENCY. */
function inFlightCounter() {
  let now = 0;
  let peak = 0;
  const counted: typeof fetch = async (input, init) => {
    now += 1;
    peak = Math.max(peak, now);
    try {
      return await fetch(input, init);
    } finally {
      now -= 1;
    }
  };
  return { fetch: counted, peak: () => peak, reset: () => (peak = 0) };
}

async function main(): Promise<FleetChildResult> {
  const dynamoClient = new DynamoDBClient({ endpoint: job.dynamoEndpoint });
  const dynamo = countDynamoDb(dynamoClient);
  const inFlight = inFlightCounter();
  const fleet = wireFleet(config, { dynamoClient, snsClient: new SNSClient({}), telnyxFetch: inFlight.fetch });
  const polls: FleetPoll[] = [];
  for (let index = 0; index < job.polls; index++) {
    dynamo.reset();
    sns.reset();
    inFlight.reset();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const report = await fleetInvocation(config, fleet, {
      awsRequestId: `bench-fleet-${index}`,
      getRemainingTimeInMillis: () => job.remainingMs,
    });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    polls.push({
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      accounts: report.accounts.map((result) => ({
        name: result.account.name,
        outcome: result.kind === 'polled' ? result.report.outcome : result.kind,
        watched: result.kind === 'polled' ? result.report.watched : 0,
        events: result.kind === 'polled' ? result.report.events.length : 0,
        telnyxRequests: result.kind === 'polled' ? result.report.telnyxRequests : 0,
      })),
      peakInFlight: inFlight.peak(),
      dynamo: dynamo.counts(),
      sns: sns.counts(),
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
