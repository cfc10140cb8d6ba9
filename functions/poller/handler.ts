import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { parsePollerConfig, type PollerConfig } from './config.ts';
import { runPoll, type PollReport } from './core/run-poll.ts';
import { isTestAlertRequest, sendTestAlert, type TEST_ALERT_REQUEST, type TestAlertReport } from './core/test-alert.ts';
import { observePoll } from './observe.ts';
import { METRIC_NAMESPACE, SERVICE_NAME } from './telemetry.ts';
import { parseWebhookTrigger, type DoorbellReport, type WebhookTrigger } from './core/doorbell.ts';
import { answerWebhookTrigger } from './webhook-trigger.ts';
import { wireAdapters, type PollerAdapters } from './wiring.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

// Built on the first invocation and kept for the container's life: clients, connections and the cached key.
let wired: { config: PollerConfig; adapters: PollerAdapters } | undefined;

const wire = () =>
  (wired ??= (() => {
    // Lambda does not publish which 24.x minor nodejs24.x runs; a cold start records it.
    logger.info('cold start', { nodeVersion: process.version });
    const config = parsePollerConfig(process.env);
    return { config, adapters: wireAdapters(config) };
  })());

export type InvocationContext = Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>;

/**
 * One invocation's poll, as Lambda runs it: the configured alert policy, a deadline the margin before Lambda's
 * timeout, and a lease that lasts to that timeout (the hard stop). The fault lab calls this too, so the lease and
 * policy it tests are the ones Lambda gets.
 */
export function pollInvocation(
  config: PollerConfig,
  adapters: PollerAdapters,
  context: InvocationContext,
  clock: () => number = Date.now,
): Promise<PollReport> {
  const started = clock();
  const hardStop = started + context.getRemainingTimeInMillis();
  return runPoll(
    { ...adapters, policy: config.alertPolicy, runId: context.awsRequestId || randomUUID(), clock },
    { now: new Date(started), deadline: hardStop - config.deadlineMarginMs, hardStop },
  );
}

export async function handler(event: typeof TEST_ALERT_REQUEST, context: InvocationContext): Promise<TestAlertReport>;
export async function handler(event: WebhookTrigger, context: InvocationContext): Promise<DoorbellReport>;
/** The schedule's event (or any other that is not a test alert or a webhook trigger): one poll. */
export async function handler(event: unknown, context: InvocationContext): Promise<PollReport>;
export async function handler(event: unknown, context: InvocationContext): Promise<PollReport | TestAlertReport | DoorbellReport> {
  // `npm run test-alert`: one marked alert through every channel, outside the poll (no heartbeat, no state).
  if (isTestAlertRequest(event)) {
    const { config, adapters } = wire();
    const report = await sendTestAlert(adapters.notifier, {
      now: new Date(),
      deadline: Date.now() + context.getRemainingTimeInMillis() - config.deadlineMarginMs,
      runId: context.awsRequestId || randomUUID(),
      render: config.alertPolicy.render,
    });
    logger.info('test alert', { ...report });
    return report;
  }
  // The webhook receiver's doorbell: poll now, and again shortly if the listing lags the webhook.
  const trigger = parseWebhookTrigger(event);
  if (trigger) {
    const { config, adapters } = wire();
    return answerWebhookTrigger(trigger, context, { tableName: config.tableName, store: adapters.store, logger, poll: () => poll(context) });
  }
  return poll(context);
}

async function poll(context: InvocationContext): Promise<PollReport> {
  return observePoll(logger, metrics, async () => {
    const { config, adapters } = wire();
    return pollInvocation(config, adapters, context);
  });
}
