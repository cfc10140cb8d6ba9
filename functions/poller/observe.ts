import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { TelnyxAuthError } from './adapters/telnyx-source.ts';
import { redactText } from './core/redact.ts';
import type { PollReport } from './core/run-poll.ts';
import { METRIC } from './telemetry.ts';

/**
 * A run counts toward the heartbeat when nothing was left for the next run. A listed port-out that failed
 * validation is left over too: nothing can be said about it until the schema drift is fixed.
 */
export function isHealthyRun(report: PollReport): boolean {
  return (report.outcome === 'ok' || report.outcome === 'lease-busy') && report.invalid.length === 0;
}

/** The listing looked wrong: sharply shrunken, unfiltered, or items the schema no longer describes. */
export function isListingAnomaly(report: PollReport): boolean {
  return report.shrinkAnomaly || report.unwatchedDropped > 0 || report.invalid.length > 0;
}

/** A run that threw: one metric the heartbeat misses, one more for an auth failure, one error log. */
export function recordPollFailure(error: unknown, logger: Logger, metrics: Metrics): void {
  metrics.addMetric(METRIC.pollSucceeded, MetricUnit.Count, 0);
  metrics.addMetric(METRIC.pollFailed, MetricUnit.Count, 1);
  if (error instanceof TelnyxAuthError) metrics.addMetric(METRIC.telnyxAuthFailures, MetricUnit.Count, 1);
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  logger.error('poll failed; nothing was recorded that could hide an event', {
    error: { name, message: redactText(message) },
  });
}

/** The same error with its message masked, keeping where it was thrown; no cause, which would carry the original. */
export function redactedError(error: unknown): Error {
  const { name, message, stack } = error instanceof Error ? error : { name: 'Error', message: String(error), stack: undefined };
  const safe = new Error(redactText(message));
  safe.name = name;
  const frames = (stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  safe.stack = [`${name}: ${safe.message}`, ...frames].join('\n');
  return safe;
}

/** Runs one poll and turns whatever it ends in, report or error, into logs and metrics; both are flushed. */
export async function observePoll(logger: Logger, metrics: Metrics, run: () => Promise<PollReport>): Promise<PollReport> {
  try {
    const report = await run();
    recordPollReport(report, logger, metrics);
    return report;
  } catch (error) {
    recordPollFailure(error, logger, metrics);
    // The Lambda runtime logs what the handler throws, so it gets the redacted message too.
    throw redactedError(error);
  } finally {
    metrics.publishStoredMetrics();
  }
}

/** Turns a run's report into metrics and one log line. The report holds ids and counts, never personal data. */
export function recordPollReport(report: PollReport, logger: Logger, metrics: Metrics): void {
  const healthy = isHealthyRun(report);
  metrics.addMetric(METRIC.pollSucceeded, MetricUnit.Count, healthy ? 1 : 0);
  metrics.addMetric(METRIC.pollFailed, MetricUnit.Count, healthy ? 0 : 1);
  metrics.addMetric(METRIC.portoutsWatched, MetricUnit.Count, report.watched);
  metrics.addMetric(METRIC.alertsPublished, MetricUnit.Count, report.published);
  metrics.addMetric(METRIC.alertsFailed, MetricUnit.Count, report.publishFailures.length);
  metrics.addMetric(METRIC.alertsPossiblyDuplicated, MetricUnit.Count, report.possiblyDuplicated);
  metrics.addMetric(METRIC.telnyxRequests, MetricUnit.Count, report.telnyxRequests);
  metrics.addMetric(METRIC.telnyxErrors, MetricUnit.Count, report.failures.length);
  metrics.addMetric(METRIC.invalidPortouts, MetricUnit.Count, report.invalid.length);
  metrics.addMetric(METRIC.leaseBusy, MetricUnit.Count, report.outcome === 'lease-busy' ? 1 : 0);
  metrics.addMetric(METRIC.listingAnomaly, MetricUnit.Count, isListingAnomaly(report) ? 1 : 0);
  const byType = new Map<string, number>();
  for (const event of report.events) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
  for (const [eventType, count] of byType) {
    const single = metrics.singleMetric();
    single.addDimension('eventType', eventType);
    single.addMetric(METRIC.events, MetricUnit.Count, count);
  }
  for (const failure of report.failures) {
    const single = metrics.singleMetric();
    single.addDimension('kind', failure.kind);
    single.addMetric(METRIC.telnyxErrors, MetricUnit.Count, 1);
  }

  const summary = {
    outcome: report.outcome,
    watched: report.watched,
    tracked: report.tracked,
    listingComplete: report.listingComplete,
    pages: report.pagesFetched,
    telnyxRequests: report.telnyxRequests,
    events: report.events,
    published: report.published,
    recorded: report.recorded,
    superseded: report.superseded,
    missingLookedUp: report.missingLookedUp,
    missingDeferred: report.missingDeferred,
    possiblyDuplicated: report.possiblyDuplicated,
  };
  if (report.invalid.length > 0) {
    logger.error('Telnyx returned port-outs that failed validation; their state was left untouched', {
      invalid: report.invalid,
    });
  }
  if (report.failures.length > 0) {
    logger.error('some Telnyx requests failed; nothing was concluded from the missing data', {
      failures: report.failures.map((failure) => ({ ...failure, detail: redactText(failure.detail) })),
    });
  }
  if (report.publishFailures.length > 0) {
    logger.error('SNS did not accept some alerts; the next run sends them again', {
      failed: report.publishFailures.map((failure) => ({ ...failure, reason: redactText(failure.reason) })),
    });
  }
  if (report.writeFailures.length > 0) {
    logger.error('alerts were delivered but not recorded; the next run may repeat them', {
      failed: report.writeFailures.map((failure) => ({ ...failure, reason: redactText(failure.reason) })),
    });
  }
  if (report.shrinkAnomaly) {
    logger.warn('the listing lost more than half of the tracked port-outs; each was looked up before any alert', {
      tracked: report.tracked,
      watched: report.watched,
      // A 404 proves nothing while the listing looks this wrong (a key for another account?): those stay open.
      notFoundHeld: report.vanishedHeld,
    });
  }
  if (report.unwatchedDropped > 0) {
    logger.warn('Telnyx returned port-outs outside the status filter; they were ignored', {
      dropped: report.unwatchedDropped,
    });
  }
  if (healthy) logger.info('poll finished', summary);
  else logger.warn('poll finished with work left for the next run', summary);
}
