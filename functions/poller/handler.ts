import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { parsePollerConfig, type PollerConfig } from './config.ts';
import { runPoll, type PollReport } from './core/run-poll.ts';
import { observePoll } from './observe.ts';
import { METRIC_NAMESPACE, SERVICE_NAME } from './telemetry.ts';
import { wireAdapters, type PollerAdapters } from './wiring.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

// Built on the first invocation and kept for the container's life: clients, connections and the cached key.
let wired: { config: PollerConfig; adapters: PollerAdapters } | undefined;

export async function handler(_event: unknown, context: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>): Promise<PollReport> {
  return observePoll(logger, metrics, async () => {
    wired ??= (() => {
      // Lambda does not publish which 24.x minor nodejs24.x runs; a cold start records it.
      logger.info('cold start', { nodeVersion: process.version });
      const config = parsePollerConfig(process.env);
      return { config, adapters: wireAdapters(config) };
    })();
    const { config, adapters } = wired;
    const hardStop = Date.now() + context.getRemainingTimeInMillis();
    const deadline = hardStop - config.deadlineMarginMs;
    return runPoll(
      { ...adapters, policy: config.alertPolicy, runId: context.awsRequestId || randomUUID() },
      { now: new Date(), deadline, hardStop },
    );
  });
}
