import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { TelnyxAuthError } from './adapters/telnyx-source.ts';
import { redactText } from './core/redact.ts';
import type { PollReport } from './core/run-poll.ts';
import { failedQueries, queriesWithInvalidItems, QUERY_DESCRIPTION, WATCH_OF_QUERY, WATCHES, type Watch } from './core/watch-health.ts';
import { METRIC, POLL_FINISHED, type MetricName } from './telemetry.ts';

/**
 * A run counts toward the heartbeat when nothing was left for the next run and every part of the watch worked, so
 * a fraud-gap query or comment feed that fails every run can't keep the watch looking healthy (a `degraded` run
 * is not healthy; the watch-down alarm then names the part). A listed port-out that failed validation is left
 * over too: nothing can be said about it until the schema drift is fixed.
 */
export function isHealthyRun(report: PollReport): boolean {
  // A run that stood back for the lease holder is healthy only if its own queries worked: with webhooks, lease-busy
  // runs are common, and one must not cover for failing runs in the heartbeat's interval.
  const standingBackCleanly = report.outcome === 'lease-busy' && report.listingComplete && failedQueries(report.queries).length === 0;
  return (report.outcome === 'ok' || standingBackCleanly) && report.invalid.length === 0;
}

/**
 * Telnyx sent fields or statuses this version can't read. The alerts went out (showing them as unreadable), so no
 * part of the watch is down; the run counts a ListingAnomaly for the dashboard and warns, as the code needs a look.
 */
export function hasOddData(report: PollReport): boolean {
  return Object.keys(report.oddData.unreadableFields).length > 0 || Object.keys(report.oddData.unknownStatuses).length > 0;
}

/** The listing looked wrong: sharply shrunken, unfiltered, or items the schema no longer describes. */
export function isListingAnomaly(report: PollReport): boolean {
  const unreadable = (report.queries.listing.invalid ?? 0) + (report.queries.lookups.invalid ?? 0);
  return report.shrinkAnomaly || report.unwatchedDropped > 0 || unreadable > 0;
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

/** Counts that are usually zero go out only when they are not: CloudWatch bills a metric for each hour it is sent in. */
function countIfAny(metrics: Metrics, name: MetricName, value: number): void {
  if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
}

function countBy(metrics: Metrics, name: MetricName, dimension: string, values: readonly string[]): void {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  for (const [value, count] of counts) {
    const single = metrics.singleMetric();
    single.addDimension(dimension, value);
    single.addMetric(name, MetricUnit.Count, count);
  }
}

/**
 * The parts of the watch that were down this run: a query they stand on failed, or (status) the listing looked
 * wrong. A failed lookup counts as well as a failed listing page: either leaves requests unjudged.
 */
export function watchesDown(report: PollReport): Watch[] {
  // Unusable items count against the watch their query serves: a bad comment-feed entry is not the status watch's.
  const down = new Set([...failedQueries(report.queries), ...queriesWithInvalidItems(report.queries)].map((query) => WATCH_OF_QUERY[query]));
  if (isListingAnomaly(report)) down.add('status');
  return WATCHES.filter((watch) => down.has(watch));
}

/** Turns a run's report into metrics and log lines. The report holds ids and counts, never personal data. */
export function recordPollReport(report: PollReport, logger: Logger, metrics: Metrics): void {
  const healthy = isHealthyRun(report);
  metrics.addMetric(METRIC.pollSucceeded, MetricUnit.Count, healthy ? 1 : 0);
  countIfAny(metrics, METRIC.pollFailed, healthy ? 0 : 1);
  countIfAny(metrics, METRIC.alertsPublished, report.published);
  countIfAny(metrics, METRIC.alertsFailed, report.publishFailures.length);
  countIfAny(metrics, METRIC.alertsPossiblyDuplicated, report.possiblyDuplicated);
  countIfAny(metrics, METRIC.invalidPortouts, report.invalid.length);
  countIfAny(metrics, METRIC.leaseBusy, report.outcome === 'lease-busy' ? 1 : 0);
  countIfAny(metrics, METRIC.listingAnomaly, isListingAnomaly(report) || hasOddData(report) ? 1 : 0);
  const down = watchesDown(report);
  countBy(metrics, METRIC.watchDown, 'watch', down);
  countBy(metrics, METRIC.events, 'eventType', report.events.map((event) => event.type));
  const failed = failedQueries(report.queries);
  countBy(metrics, METRIC.telnyxErrors, 'kind', failed.flatMap((query) => report.queries[query].failures.map((failure) => failure.kind)));

  for (const query of failed) {
    logger.warn('a Telnyx query failed; the part of the watch it serves is blind this run', {
      query,
      watch: WATCH_OF_QUERY[query],
      what: QUERY_DESCRIPTION[query],
      failures: report.queries[query].failures.map((failure) => ({ ...failure, detail: redactText(failure.detail) })),
    });
  }
  if (report.invalid.length > 0) {
    logger.error('Telnyx returned port-outs that failed validation; their state was left untouched', {
      invalid: report.invalid,
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
  if (hasOddData(report)) {
    logger.warn("Telnyx sent fields or statuses portout-watch can't read; the alerts went out showing them as unreadable", {
      unreadableFields: report.oddData.unreadableFields,
      unknownStatuses: report.oddData.unknownStatuses,
    });
  }
  if (report.unwatchedDropped > 0) {
    logger.warn('Telnyx returned port-outs outside the status filter; they were ignored', {
      dropped: report.unwatchedDropped,
    });
  }

  // One line that tells a person how the run went; the dashboard graphs `watched` and `telnyxRequests` from it.
  const summary = {
    outcome: report.outcome,
    watchesDown: down,
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
  if (healthy) logger.info(POLL_FINISHED, summary);
  else if (report.outcome === 'degraded') logger.warn(`${POLL_FINISHED} degraded: a part of the watch was down`, summary);
  else logger.warn(`${POLL_FINISHED} with work left for the next run`, summary);
}
