import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { parsePollerConfig, type PollerConfig } from './config.ts';
import { runPoll, type PollReport } from './core/run-poll.ts';
import { observePoll } from './observe.ts';
import { METRIC_NAMESPACE, SERVICE_NAME } from './telemetry.ts';
import { parseWebhookTrigger, type DoorbellReport, type WebhookTrigger } from './core/doorbell.ts';
import { answerWebhookTrigger } from './webhook-trigger.ts';
import { wireAdapters, type PollerAdapters } from './wiring.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

// Built on the first invocation and kept for the container's life: clients, connections and the cached key.
let wired: { config: PollerConfig; adapters: PollerAdapters } | undefined;

type InvocationContext = Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>;

const wire = () =>
  (wired ??= (() => {
    const config = parsePollerConfig(process.env);
    return { config, adapters: wireAdapters(config) };
  })());

export async function handler(event: WebhookTrigger, context: InvocationContext): Promise<DoorbellReport>;
/** The schedule's event (or any other that is not a webhook trigger): one poll. */
export async function handler(event: unknown, context: InvocationContext): Promise<PollReport>;
export async function handler(event: unknown, context: InvocationContext): Promise<PollReport | DoorbellReport> {
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
    const hardStop = Date.now() + context.getRemainingTimeInMillis();
    const deadline = hardStop - config.deadlineMarginMs;
    return runPoll(
      { ...adapters, policy: config.alertPolicy, runId: context.awsRequestId || randomUUID() },
      { now: new Date(), deadline, hardStop },
    );
  });
}
