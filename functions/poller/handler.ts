import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { parsePollerConfig, type PollerConfig } from './config.ts';
import { runPoll, type PollReport } from './core/run-poll.ts';
import { recordPollReport } from './observe.ts';
import { TelnyxAuthError } from './adapters/telnyx-source.ts';
import { METRIC, METRIC_NAMESPACE, SERVICE_NAME } from './telemetry.ts';
import { wireAdapters, type PollerAdapters } from './wiring.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

// Built on the first invocation and kept for the container's life: clients, connections and the cached key.
let wired: { config: PollerConfig; adapters: PollerAdapters } | undefined;

export async function handler(_event: unknown, context: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>): Promise<PollReport> {
  try {
    wired ??= (() => {
      const config = parsePollerConfig(process.env);
      return { config, adapters: wireAdapters(config) };
    })();
    const { config, adapters } = wired;
    const deadline = Date.now() + context.getRemainingTimeInMillis() - config.deadlineMarginMs;
    const report = await runPoll({ ...adapters, runId: context.awsRequestId || randomUUID() }, { now: new Date(), deadline });
    recordPollReport(report, logger, metrics);
    return report;
  } catch (error) {
    metrics.addMetric(METRIC.pollSucceeded, MetricUnit.Count, 0);
    metrics.addMetric(METRIC.pollFailed, MetricUnit.Count, 1);
    if (error instanceof TelnyxAuthError) metrics.addMetric(METRIC.telnyxAuthFailures, MetricUnit.Count, 1);
    // Error messages here are ours or the AWS SDK's: they name settings, never the key or port-out data.
    logger.error('poll failed; nothing was recorded that could hide an event', {
      error: { name: (error as Error).name, message: (error as Error).message },
    });
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
}
