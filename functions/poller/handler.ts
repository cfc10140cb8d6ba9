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

export async function handler(_event: unknown, context: InvocationContext): Promise<PollReport> {
  return observePoll(logger, metrics, async () => {
    wired ??= (() => {
      const config = parsePollerConfig(process.env);
      return { config, adapters: wireAdapters(config) };
    })();
    return pollInvocation(wired.config, wired.adapters, context);
  });
}
