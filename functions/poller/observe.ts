import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { RequestFailed } from './adapters/telnyx-requests.ts';
import { TelnyxAuthError } from './adapters/telnyx-source.ts';
import { redactText } from './core/redact.ts';
import type { AccountResult, FleetReport } from './core/poll-fleet.ts';
import type { PollReport } from './core/run-poll.ts';
import { failedQueries, queriesWithInvalidItems, QUERY_DESCRIPTION, WATCH_OF_QUERY, WATCHES, type Watch } from './core/watch-health.ts';
import { FLEET_FINISHED, METRIC, POLL_FINISHED, type MetricName } from './telemetry.ts';

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
  const tally = new MetricTally(false);
  tallyPollFailure(error, tally);
  tally.emit(metrics);
  logPollFailure(error, logger);
}

/** `managed`: a managed account's own faults feed ManagedAccountsDown, not the alarms a person's key or watch fixes. */
function tallyPollFailure(error: unknown, tally: MetricTally, managed = false): void {
  tally.add(METRIC.pollFailed, 1);
  if (error instanceof TelnyxAuthError && !managed) tally.add(METRIC.telnyxAuthFailures, 1);
}

function logPollFailure(error: unknown, logger: Logger): void {
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

/**
 * Runs one poll, of one account or of several, and turns whatever it ends in, report or error, into logs and
 * metrics; both are flushed. An error here failed the whole run (config, wiring): one account's is in its report.
 */
export async function observePoll<R extends PollReport | FleetReport>(logger: Logger, metrics: Metrics, run: () => Promise<R>): Promise<R> {
  try {
    const report = await run();
    if ('accounts' in report) recordFleetReport(report, logger, metrics);
    else recordPollReport(report, logger, metrics);
    return report;
  } catch (error) {
    recordPollFailure(error, logger, metrics);
    // The Lambda runtime logs what the handler throws, so it gets the redacted message too.
    throw redactedError(error);
  } finally {
    metrics.publishStoredMetrics();
  }
}

/**
 * What a run adds to the metrics, summed over its accounts before anything is sent. The heartbeat goes out every
 * run; counts that are usually zero go out only when they are not: CloudWatch bills a metric for each hour it is
 * sent in.
 */
class MetricTally {
  private readonly plain = new Map<MetricName, number>();
  private readonly split = new Map<MetricName, { dimension: string; counts: Map<string, number> }>();

  constructor(private heartbeat: boolean) {}

  healthy(healthy: boolean): void {
    this.heartbeat = healthy;
  }

  add(name: MetricName, value: number): void {
    this.plain.set(name, (this.plain.get(name) ?? 0) + value);
  }

  addBy(name: MetricName, dimension: string, values: readonly string[]): void {
    const entry = this.split.get(name) ?? { dimension, counts: new Map<string, number>() };
    this.split.set(name, entry);
    for (const value of values) entry.counts.set(value, (entry.counts.get(value) ?? 0) + 1);
  }

  emit(metrics: Metrics): void {
    metrics.addMetric(METRIC.pollSucceeded, MetricUnit.Count, this.heartbeat ? 1 : 0);
    for (const [name, value] of this.plain) if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
    for (const [name, { dimension, counts }] of this.split) {
      for (const [value, count] of counts) {
        const single = metrics.singleMetric();
        single.addDimension(dimension, value);
        single.addMetric(name, MetricUnit.Count, count);
      }
    }
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
  const tally = new MetricTally(isHealthyRun(report));
  tallyPollReport(report, tally);
  tally.emit(metrics);
  logPollReport(report, logger);
}

function tallyPollReport(report: PollReport, tally: MetricTally, managed = false): void {
  tally.add(METRIC.pollFailed, isHealthyRun(report) ? 0 : 1);
  tally.add(METRIC.alertsPublished, report.published);
  tally.add(METRIC.alertsFailed, report.publishFailures.length);
  tally.add(METRIC.alertsPossiblyDuplicated, report.possiblyDuplicated);
  tally.add(METRIC.invalidPortouts, report.invalid.length);
  tally.add(METRIC.leaseBusy, report.outcome === 'lease-busy' ? 1 : 0);
  tally.add(METRIC.listingAnomaly, isListingAnomaly(report) || hasOddData(report) ? 1 : 0);
  if (!managed) tally.addBy(METRIC.watchDown, 'watch', watchesDown(report));
  tally.addBy(METRIC.events, 'eventType', report.events.map((event) => event.type));
  const failed = failedQueries(report.queries);
  tally.addBy(METRIC.telnyxErrors, 'kind', failed.flatMap((query) => report.queries[query].failures.map((failure) => failure.kind)));
}

function logPollReport(report: PollReport, logger: Logger): void {
  const healthy = isHealthyRun(report);
  const down = watchesDown(report);
  const failed = failedQueries(report.queries);
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

/** Whether the account's part of the run counts as healthy, as a single-account run would. */
function accountHealthy(result: AccountResult): boolean {
  return result.kind === 'polled' && isHealthyRun(result.report);
}

/**
 * A fault of the deployment, not of the account's Telnyx side: SNS refused alerts, state writes failed, no time was
 * left to publish, or the poll threw something other than a Telnyx refusal or failed request (the state table, KMS,
 * a bug). Alerts may be going unsent for every account, so it fails the heartbeat whichever account's poll shows it.
 */
function deploymentFault(result: AccountResult): boolean {
  if (result.kind === 'polled') {
    const { report } = result;
    return report.publishFailures.length > 0 || report.writeFailures.length > 0 || report.outcome === 'deadline';
  }
  return result.kind === 'threw' && !(result.error instanceof TelnyxAuthError || result.error instanceof RequestFailed);
}

/** The managed-account listing failed, or the manager key was refused: new accounts can't be found this run. */
function discoveryFailed(fleet: FleetReport): boolean {
  const { discovery } = fleet;
  return discovery !== null && (!discovery.complete || discovery.failures.length > 0 || discovery.managerKeyRefused);
}

/**
 * A run over several accounts: each account's lines as a single-account run writes them, with its `account`; the
 * metrics summed over the accounts; per unhealthy configured account `AccountDown`; and one fleet summary line.
 *
 * The heartbeat (PollSucceeded) is 1 when the run reached every account (none skipped), the managed-account
 * discovery worked, every configured account's poll was healthy, and no managed account's poll showed a fault of
 * the deployment (deploymentFault: its alerts or state writes failing wherever they show up). A managed account's
 * own Telnyx-side faults (its key refused, its queries failing, its data) are reported by ManagedAccountsDown alone
 * and feed neither WatchDown nor TelnyxAuthFailures: one managed account that is always down (one without the
 * comment feed, say) would otherwise hold the heartbeat and the watch-down alarms in ALARM for good, hiding any
 * later outage; it is named in the WARN line each run. A configured account's faults count as in a single-account
 * deployment, and its AccountDown alarm names it. Disabled managed accounts don't count: Telnyx says they are off.
 */
export function recordFleetReport(fleet: FleetReport, logger: Logger, metrics: Metrics): void {
  const tally = new MetricTally(false);
  for (const result of fleet.accounts) {
    const accountLogger = logger.createChild();
    accountLogger.appendKeys({ account: result.account.name });
    if (result.kind === 'polled') {
      tallyPollReport(result.report, tally, result.managed);
      logPollReport(result.report, accountLogger);
    } else if (result.kind === 'threw') {
      tallyPollFailure(result.error, tally, result.managed);
      logPollFailure(result.error, accountLogger);
    } else if (result.kind === 'skipped') {
      tally.add(METRIC.pollFailed, 1);
      accountLogger.warn('account not polled: the run reached its deadline before its turn; the next run polls it');
    } else {
      tally.add(METRIC.pollFailed, 1);
      tally.addBy(METRIC.telnyxErrors, 'kind', [result.failure.kind]);
      accountLogger.warn("the managed account's key could not be retrieved; it was not polled this run", {
        failure: { ...result.failure, detail: redactText(result.failure.detail) },
      });
    }
  }
  const down = fleet.accounts.filter((result) => !accountHealthy(result));
  const configuredDown = down.filter((result) => !result.managed);
  const managedDown = down.filter((result) => result.managed);
  const skipped = fleet.accounts.filter((result) => result.kind === 'skipped');
  // One metric per configured account, which its alarm reads; managed accounts (maybe hundreds) are counted.
  tally.addBy(METRIC.accountDown, 'account', configuredDown.map((result) => result.account.name));
  tally.add(METRIC.managedAccountsDown, managedDown.length);
  tally.add(METRIC.managedAccountsDisabled, fleet.disabled.length);
  if (fleet.disabled.length > 0) {
    // Names only: an organization's name is for alerts, not logs.
    logger.warn('managed accounts Telnyx lists as disabled are not watched', { accounts: fleet.disabled.map((ref) => ref.name) });
  }
  if (fleet.discovery && fleet.discovery.removed.length > 0) {
    // Said once, in the run that drops them; names only, as for disabled ones.
    logger.warn('managed accounts Telnyx no longer lists (deleted) are no longer watched', { accounts: fleet.discovery.removed.map((ref) => ref.name) });
  }
  const discoveryDown = discoveryFailed(fleet);
  if (fleet.discovery && discoveryDown) {
    tally.add(METRIC.managedDiscoveryFailed, 1);
    tally.add(METRIC.telnyxAuthFailures, fleet.discovery.managerKeyRefused ? 1 : 0);
    tally.addBy(METRIC.telnyxErrors, 'kind', fleet.discovery.failures.map((failure) => failure.kind));
    logger.warn("managed-account discovery failed: new managed accounts can't be found this run; those already known are still polled", {
      managerKeyRefused: fleet.discovery.managerKeyRefused,
      failures: fleet.discovery.failures.map((failure) => ({ ...failure, detail: redactText(failure.detail) })),
    });
  }
  for (const { managed, configured } of fleet.discovery?.alsoConfigured ?? []) {
    logger.info('a managed account is also configured (the same API key): it is polled once, as the configured account', { managed, configured });
  }
  const healthy = configuredDown.length === 0 && !managedDown.some(deploymentFault) && skipped.length === 0 && !discoveryDown;
  // A webhook's run of one account must not stand in for the scheduled run of them all.
  tally.healthy(healthy && fleet.only === undefined);
  tally.emit(metrics);

  const reports = fleet.accounts.flatMap((result) => (result.kind === 'polled' ? [result.report] : []));
  const summary = {
    accounts: fleet.accounts.length,
    down: down.map((result) => result.account.name),
    disabled: fleet.disabled.map((ref) => ref.name),
    skipped: skipped.map((result) => result.account.name),
    ...(fleet.only ? { only: fleet.only } : {}),
    discovery: fleet.discovery === null ? 'none' : discoveryDown ? 'failed' : 'ok',
    watched: reports.reduce((sum, report) => sum + report.watched, 0),
    telnyxRequests: reports.reduce((sum, report) => sum + report.telnyxRequests, 0) + (fleet.discovery?.requests ?? 0),
    published: reports.reduce((sum, report) => sum + report.published, 0),
  };
  if (!healthy) logger.warn(`${FLEET_FINISHED}: some accounts, or the discovery of managed ones, were down`, summary);
  else if (managedDown.length > 0) logger.warn(`${FLEET_FINISHED}: some managed accounts were down`, summary);
  else logger.info(FLEET_FINISHED, summary);
}
