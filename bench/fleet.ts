/**
 * The fleet benchmark: many Telnyx accounts, from 1 to `maxSize` port-outs each, polled in one run as a
 * multi-account deployment polls them, against the simulator (one server, an account per key) and DynamoDB Local.
 * Each run's requests and reads are set beside the least work possible, account by account.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULTS, ENV } from '../functions/poller/config.ts';
import { PAGE_SIZE } from '../functions/poller/adapters/telnyx-source.ts';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../functions/poller/telemetry.ts';
import { CONFIG_DEFAULTS } from '../lib/config.ts';
import { ensureStateTable, LOCAL_AWS } from '../local/dynamodb-local.ts';
import { startTelnyxSimulator, type TelnyxAccount } from '../local/telnyx-simulator.ts';
import { buildPollChild } from './bundle.ts';
import { runChild } from './child.ts';
import { benchPortout, flippedStatus, portoutId } from './fixtures.ts';
import type { FleetChildResult, FleetJob, FleetPoll } from './fleet-jobs.ts';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:portout-watch-alerts';
// A deployment watching several accounts gets the longer default timeout (lib/config.ts).
const TIMEOUT_MS = CONFIG_DEFAULTS.severalAccountsTimeoutSeconds * 1_000;
/** The first run records every port-out of every account: it is given as long as it needs, and timed. */
const SEED_REMAINING_MS = 30 * 60_000;

export interface FleetOptions {
  dynamoEndpoint: string;
  latencyMs: number;
  accounts: number;
  maxSize: number;
  /** TELNYX_CONCURRENCY values for extra quiet runs besides the default. */
  telnyxConcurrencySweep: number[];
  log: (message: string) => void;
}

export type FleetRunKind = 'seed' | 'quiet' | 'busy';

export interface FleetRun {
  kind: FleetRunKind;
  telnyxConcurrency: number;
  accountConcurrency: number;
  polls: FleetPoll[];
  peakRssMb: number;
  /** Telnyx requests the simulator received during the run (all polls). */
  simulatorRequests: number;
}

export interface FleetResults {
  accounts: number;
  sizes: number[];
  portouts: number;
  latencyMs: number;
  timeoutMs: number;
  deadlineMarginMs: number;
  runs: FleetRun[];
}

/** Account i of n watches from 1 to maxSize port-outs, evenly spread. */
export function fleetSizes(accounts: number, maxSize: number): number[] {
  return Array.from({ length: accounts }, (_, index) => (accounts === 1 ? maxSize : 1 + Math.round((index * (maxSize - 1)) / (accounts - 1))));
}

/**
 * The least a quiet run can do for one account: every page of its watched listing, one page of born-rejected
 * requests and one of comments (the look-back holds none here), and one Query of its open records; no writes.
 */
export function quietBound(size: number): { telnyx: number; queries: number } {
  return { telnyx: Math.max(1, Math.ceil(size / PAGE_SIZE)) + 2, queries: 1 };
}

const accountName = (index: number) => `acct-${String(index + 1).padStart(3, '0')}`;

export async function measureFleet(options: FleetOptions): Promise<FleetResults> {
  const { log } = options;
  const sizes = fleetSizes(options.accounts, options.maxSize);
  const sim = await startTelnyxSimulator({ latencyMs: options.latencyMs });
  const admin = new DynamoDBClient({ ...LOCAL_AWS, endpoint: options.dynamoEndpoint });
  const childPath = await buildPollChild('fleet-child');
  const runs: FleetRun[] = [];
  try {
    const accounts: TelnyxAccount[] = sizes.map((size, index) => {
      const account = sim.addAccount(`KEY_FLEET_${index + 1}`);
      account.upsert(...Array.from({ length: size }, (_, item) => benchPortout(item)));
      return account;
    });
    const tableName = `bench-fleet-${Date.now()}`;
    await ensureStateTable(admin, tableName);
    const telnyxAccounts = JSON.stringify(accounts.map((account, index) => ({ name: accountName(index), apiKey: account.apiKey })));
    log(`Fleet: ${options.accounts} accounts, ${sizes.reduce((a, b) => a + b, 0)} port-outs, ${options.latencyMs} ms latency`);

    const measure = async (kind: FleetRunKind, polls: number, telnyxConcurrency: number = DEFAULTS.telnyxConcurrency): Promise<FleetRun> => {
      for (const account of accounts) account.resetRequests();
      const job: FleetJob = { polls, dynamoEndpoint: options.dynamoEndpoint, remainingMs: kind === 'seed' ? SEED_REMAINING_MS : TIMEOUT_MS };
      const result = await runChild<FleetChildResult>(childPath, {
        PATH: process.env.PATH ?? '',
        [ENV.tableName]: tableName,
        [ENV.topicArn]: TOPIC_ARN,
        [ENV.telnyxAccounts]: telnyxAccounts,
        [ENV.telnyxBaseUrl]: sim.baseUrl,
        [ENV.telnyxConcurrency]: String(telnyxConcurrency),
        AWS_REGION: LOCAL_AWS.region,
        AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'WARN',
        BENCH_FLEET_JOB: JSON.stringify(job),
      });
      const run: FleetRun = {
        kind,
        telnyxConcurrency,
        accountConcurrency: DEFAULTS.accountConcurrency,
        ...result,
        simulatorRequests: accounts.reduce((sum, account) => sum + account.requests.length, 0),
      };
      runs.push(run);
      const walls = result.polls.map((poll) => `${(poll.wallMs / 1000).toFixed(1)} s`).join(' then ');
      log(`  ${kind} TELNYX_CONCURRENCY=${telnyxConcurrency}: ${walls}, ${run.simulatorRequests} Telnyx requests, peak in flight ${Math.max(...result.polls.map((p) => p.peakInFlight))}`);
      return run;
    };

    await measure('seed', 1);
    await measure('quiet', 2);
    for (const concurrency of options.telnyxConcurrencySweep) await measure('quiet', 2, concurrency);
    // 1% of each account's port-outs change status (at least one each): every account has something to alert.
    sizes.forEach((size, index) => {
      for (let item = 0; item < size; item += 100) {
        const account = accounts[index] as TelnyxAccount;
        account.setStatus(portoutId(item), flippedStatus(benchPortout(item).status));
      }
    });
    await measure('busy', 1);
    return {
      accounts: options.accounts,
      sizes,
      portouts: sizes.reduce((a, b) => a + b, 0),
      latencyMs: options.latencyMs,
      timeoutMs: TIMEOUT_MS,
      deadlineMarginMs: DEFAULTS.deadlineMarginMs,
      runs,
    };
  } finally {
    admin.destroy();
    await sim.close();
  }
}

const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);

/** How many accounts of this mix one run can poll before its deadline, if time grows with accounts as measured. */
export function largestFleet(results: FleetResults, poll: FleetPoll): number {
  const budget = results.timeoutMs - results.deadlineMarginMs;
  return Math.floor((results.accounts * budget) / poll.wallMs);
}

export function renderFleetMarkdown(results: FleetResults): string {
  const out: string[] = [];
  out.push('## A fleet of accounts in one run', '');
  out.push(
    `${results.accounts} Telnyx accounts watching 1 to ${Math.max(...results.sizes)} port-outs each (${results.portouts} in all), ` +
      `${results.latencyMs} ms per Telnyx request, polled by \`fleetInvocation\` as a multi-account deployment polls them: ` +
      `ACCOUNT_CONCURRENCY ${DEFAULTS.accountConcurrency} accounts at once, at most TELNYX_CONCURRENCY requests in flight over all of them. ` +
      'Lower bound per quiet account: every listing page (ceil(N/250)), one born-rejected page, one comment page, one Query, no writes.',
    '',
  );
  out.push(
    '| run | TELNYX_CONCURRENCY | wall (first / warm) | floor | CPU | peak RSS | Telnyx requests | accounts at the bound | peak in flight | DynamoDB reads / writes | SNS calls | outcomes | largest fleet in one run |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const run of results.runs) {
    const [first, warm] = run.polls;
    if (!first) continue;
    const measured = warm ?? first;
    const atBound =
      run.kind === 'quiet'
        ? `${measured.accounts.filter((account) => account.telnyxRequests === quietBound(sizeOf(results, account.name)).telnyx).length} / ${results.accounts}`
        : '–';
    const bound = results.sizes.reduce((sum, size) => sum + quietBound(size).telnyx, 0);
    const outcomes = Object.entries(
      measured.accounts.reduce<Record<string, number>>((counts, account) => ({ ...counts, [account.outcome]: (counts[account.outcome] ?? 0) + 1 }), {}),
    )
      .map(([outcome, count]) => `${outcome} ${count}`)
      .join(', ');
    const requests = measured.accounts.reduce((sum, account) => sum + account.telnyxRequests, 0);
    out.push(
      [
        run.kind === 'busy' ? `busy (${measured.accounts.reduce((sum, account) => sum + account.events, 0)} events)` : run.kind,
        String(run.telnyxConcurrency),
        `${seconds(first.wallMs)} / ${seconds(warm?.wallMs)}`,
        seconds(floorMs(results, requests, run.telnyxConcurrency)),
        seconds(measured.cpuMs),
        `${Math.round(run.peakRssMb)} MB`,
        run.kind === 'quiet' ? `${requests} / ${bound}` : String(requests),
        atBound,
        String(measured.peakInFlight),
        `${measured.dynamo.reads} / ${measured.dynamo.writes}${run.kind === 'quiet' ? ` (bound ${results.accounts} / 0)` : ''}`,
        String(measured.sns.PublishBatch + measured.sns.Publish),
        outcomes,
        run.kind === 'seed' ? '–' : String(largestFleet(results, measured)),
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .concat(' |'),
    );
  }
  out.push(
    '',
    'Floor: the run\'s Telnyx requests × latency ÷ TELNYX_CONCURRENCY, the least time they can take with that many in flight.',
    `"Largest fleet" scales the measured wall time to the ${seconds(results.timeoutMs)} timeout less the ${seconds(results.deadlineMarginMs)} margin, ` +
      'accounts of the same mix; the seed run (every account\'s first run, recording everything) is given as long as it needs.',
    '',
  );
  return out.join('\n');
}

function floorMs(results: FleetResults, requests: number, inFlight: number): number {
  return (requests * results.latencyMs) / inFlight;
}

function sizeOf(results: FleetResults, name: string): number {
  const index = Number(name.replace(/^acct-/, '')) - 1;
  return results.sizes[index] ?? 0;
}
