import { mapConcurrent } from './concurrency.ts';
import { diffPortouts, findPossibleFraud, resolveMissing, stateChangeFor, type DiffOptions } from './diff.ts';
import { eventBasisVersion, eventPortoutId, type PortoutEvent } from './events.ts';
import { planAlerts } from './plan-alerts.ts';
import { DEFAULT_ALERT_POLICY, type AlertPolicy } from './policy.ts';
import { isKnownStatus, type PortoutStatus, type UnreadableField } from './portout.ts';
import type {
  InvalidPortout,
  Notifier,
  OpenState,
  PortoutComment,
  PortoutSource,
  SourceFailure,
  StateChange,
  StateStore,
} from './ports.ts';
import { type QueriesHealth } from './watch-health.ts';

export interface PollDeps {
  source: PortoutSource;
  store: StateStore;
  notifier: Notifier;
  /** Identifies this run as the lease holder. */
  runId: string;
  policy?: AlertPolicy;
  clock?: () => number;
  /** Missing port-outs looked up per run; the rest wait for the next run, so a glitch can't cost thousands of requests. */
  maxMissingLookups?: number;
}

export interface PollContext {
  now: Date;
  /** Epoch ms by which the run must have finished, margin already taken off. */
  deadline: number;
  /** Epoch ms at which the platform kills the run (Lambda's timeout); the lease must outlive it. */
  hardStop?: number;
}

export type PollOutcome =
  /** Complete listing, every due alert delivered and recorded (or nothing was due). */
  | 'ok'
  /** Something was left for the next run: a failed page or lookup, a failed publish or write. */
  | 'partial'
  /**
   * The status watch was whole and every due alert went out, but the fraud-gap query or the comment feed failed:
   * the alerts they would have found wait for a later run within the look-back. Not a healthy run.
   */
  | 'degraded'
  /** Another run held the lease; it owns this run's events. */
  | 'lease-busy'
  /** Not enough time left to publish and record safely; nothing was published. */
  | 'deadline';

export interface PollReport {
  outcome: PollOutcome;
  firstRun: boolean;
  watched: number;
  tracked: number;
  listingComplete: boolean;
  pagesFetched: number;
  /** Failures of the watched listing and of lookups: they leave work for the next run. */
  failures: SourceFailure[];
  /** Each Telnyx query the run depends on: whether it was asked, and why it failed. */
  queries: QueriesHealth;
  invalid: InvalidPortout[];
  unwatchedDropped: number;
  /**
   * Fields Telnyx sent in a shape that can't be read, by Telnyx name, with how many listed or rejected port-outs and
   * comments had each, and statuses this version does not know, with their counts. Alerts still went out, showing
   * them as unreadable; names and counts only, safe to log.
   */
  oddData: { unreadableFields: Record<string, number>; unknownStatuses: Record<string, number> };
  /** The listing lost more than half of what we track: worth an ops signal even though lookups decide. */
  shrinkAnomaly: boolean;
  missingLookedUp: number;
  missingDeferred: number;
  /** Lookups that answered 404 while the listing had lost most of what we track: not taken as "vanished". */
  vanishedHeld: number;
  events: Array<{ type: PortoutEvent['type']; portoutId: string; alertId: string }>;
  /** Messages sent: one per event, or a summary/digest plus one JSON document per event. */
  messages: number;
  /** Events another run recorded between our read and our lease. */
  superseded: number;
  published: number;
  publishFailures: Array<{ alertId: string; reason: string }>;
  recorded: number;
  /** Delivered alerts whose state write failed or conflicted: the next run may send them again. */
  possiblyDuplicated: number;
  writeFailures: Array<{ id: string; reason: string }>;
  telnyxRequests: number;
}

const DEFAULT_MAX_MISSING_LOOKUPS = 25;
const LOOKUP_CONCURRENCY = 4;
/** Time kept in hand to publish and record once the lease is taken. */
export const PUBLISH_RESERVE_MS = 3_000;
const SHRINK_ANOMALY_MIN_TRACKED = 5;
const HOUR_MS = 3_600_000;

function stillCurrent(event: PortoutEvent, open: OpenState): boolean {
  const record = open.records.get(eventPortoutId(event));
  const basis = eventBasisVersion(event);
  return basis === null ? record === undefined : record?.version === basis;
}

type OddDataItem = { unreadable: readonly UnreadableField[]; status?: PortoutStatus };

/** Adds these items' unreadable fields and unknown statuses to the run's counts. */
function countOddData(odd: PollReport['oddData'], items: readonly OddDataItem[]): PollReport['oddData'] {
  for (const item of items) {
    for (const { field } of item.unreadable) odd.unreadableFields[field] = (odd.unreadableFields[field] ?? 0) + 1;
    if (item.status !== undefined && !isKnownStatus(item.status)) {
      odd.unknownStatuses[item.status] = (odd.unknownStatuses[item.status] ?? 0) + 1;
    }
  }
  return odd;
}

/** `{ invalid: n }` for a query that returned unusable items, nothing otherwise. */
const invalidCount = (items: readonly unknown[] | undefined): { invalid?: number } => (items?.length ? { invalid: items.length } : {});

function byPortout(comments: readonly PortoutComment[]): Map<string, PortoutComment[]> {
  const grouped = new Map<string, PortoutComment[]>();
  for (const comment of comments) grouped.set(comment.portoutId, [...(grouped.get(comment.portoutId) ?? []), comment]);
  return grouped;
}

/**
 * One poll: list, diff, confirm what went missing, then publish each alert and record it only once SNS took it.
 * A run with nothing to say writes nothing, not even the lease.
 */
export async function runPoll(deps: PollDeps, ctx: PollContext): Promise<PollReport> {
  const clock = deps.clock ?? Date.now;
  const policy = deps.policy ?? DEFAULT_ALERT_POLICY;
  const requestsBefore = deps.source.requestCount();
  const since = new Date(ctx.now.getTime() - policy.lookbackHours * HOUR_MS).toISOString();
  const [listing, open, rejected, commentFeed] = await Promise.all([
    deps.source.listWatchedPortouts(ctx.deadline),
    deps.store.loadOpen(),
    policy.watchRejected ? deps.source.listRejectedSince(since, ctx.deadline) : null,
    policy.watchComments ? deps.source.listCommentsSince(since, ctx.deadline) : null,
  ]);
  const diffOptions: DiffOptions = {
    now: ctx.now,
    reminderHours: policy.reminderHours,
    // A partial feed could skip a comment for good once a newer one is recorded: use it whole or not at all.
    comments: commentFeed?.complete ? byPortout(commentFeed.comments) : null,
  };
  const unreadableIds = new Set(listing.invalid.flatMap((item) => (item.id ? [item.id] : [])));
  const diff = diffPortouts(listing.portouts, open.records, { complete: listing.complete, unreadableIds }, diffOptions);

  const report: PollReport = {
    outcome: 'ok',
    firstRun: !open.initialized,
    watched: listing.portouts.length + unreadableIds.size,
    tracked: open.records.size,
    listingComplete: listing.complete,
    pagesFetched: listing.pagesFetched,
    failures: [...listing.failures],
    queries: {
      listing: { asked: true, failures: [...listing.failures], ...invalidCount(listing.invalid) },
      lookups: { asked: false, failures: [] },
      'fraud-gap': { asked: rejected !== null, failures: [...(rejected?.failures ?? [])], ...invalidCount(rejected?.invalid) },
      comments: { asked: commentFeed !== null, failures: [...(commentFeed?.failures ?? [])], ...invalidCount(commentFeed?.invalid) },
    },
    invalid: [...listing.invalid, ...(rejected?.invalid ?? []), ...(commentFeed?.invalid ?? [])],
    unwatchedDropped: listing.unwatchedDropped,
    oddData: countOddData({ unreadableFields: {}, unknownStatuses: {} }, [
      ...listing.portouts,
      ...(rejected?.portouts ?? []),
      ...(commentFeed?.comments ?? []),
    ]),
    shrinkAnomaly: open.records.size >= SHRINK_ANOMALY_MIN_TRACKED && diff.missing.length * 2 > open.records.size,
    missingLookedUp: 0,
    missingDeferred: 0,
    vanishedHeld: 0,
    events: [],
    messages: 0,
    superseded: 0,
    published: 0,
    publishFailures: [],
    recorded: 0,
    possiblyDuplicated: 0,
    writeFailures: [],
    telnyxRequests: 0,
  };

  const maxLookups = deps.maxMissingLookups ?? DEFAULT_MAX_MISSING_LOOKUPS;
  // Start where the clock says, so lookups that keep failing can't starve the others beyond the cap.
  const start = diff.missing.length === 0 ? 0 : Math.floor(ctx.now.getTime() / 60_000) % diff.missing.length;
  const toLookUp = [...diff.missing.slice(start), ...diff.missing.slice(0, start)].slice(0, maxLookups);
  report.missingDeferred = diff.missing.length - toLookUp.length;
  const newIds = diff.events.flatMap((event) => (event.type === 'new' ? [event.portout.id] : []));
  const untrackedRejected = (rejected?.portouts ?? []).filter((portout) => !open.records.has(portout.id));
  const [resolved, closedVersions] = await Promise.all([
    mapConcurrent(toLookUp, LOOKUP_CONCURRENCY, async (record) => {
      const retrieval = await deps.source.retrievePortout(record.id, ctx.deadline);
      if (retrieval.kind === 'failed') {
        report.failures.push(retrieval.failure);
        report.queries.lookups.failures.push(retrieval.failure);
      }
      if (retrieval.kind === 'invalid') {
        report.invalid.push({ id: record.id, problem: retrieval.problem });
        report.queries.lookups.invalid = (report.queries.lookups.invalid ?? 0) + 1;
      }
      if (retrieval.kind === 'found') countOddData(report.oddData, [retrieval.portout]);
      // While the listing has lost most of what we track, a 404 proves nothing (a key for another account, a
      // Telnyx outage): no burst of "left" alerts. The record stays open and a normal listing decides later.
      if (retrieval.kind === 'not-found' && report.shrinkAnomaly) {
        report.vanishedHeld += 1;
        return null;
      }
      return resolveMissing(record, retrieval, diffOptions);
    }),
    // Closed records are read only for ids that appear with no open record: new requests (one that vanished and
    // came back keeps counting versions) and rejected ones we never tracked. A quiet run reads none.
    (async () => {
      const ids = [...new Set([...newIds, ...untrackedRejected.map((portout) => portout.id)])];
      return ids.length === 0 ? new Map<string, number>() : deps.store.loadClosedVersions(ids);
    })(),
  ]);
  report.missingLookedUp = toLookUp.length;
  report.queries.lookups.asked = toLookUp.length > 0;
  const fraud = findPossibleFraud(untrackedRejected, open.records, new Set(closedVersions.keys()));
  const listed = diff.events.map((event): PortoutEvent => {
    if (event.type !== 'new') return event;
    const priorVersion = closedVersions.get(event.portout.id);
    return priorVersion === undefined ? event : { ...event, priorVersion };
  });
  const candidates = [...listed, ...resolved.filter((event): event is PortoutEvent => event !== null), ...fraud];

  const finish = (outcome: PollOutcome): PollReport => {
    report.telnyxRequests = deps.source.requestCount() - requestsBefore;
    const leftover =
      !listing.complete ||
      report.failures.length > 0 ||
      report.missingDeferred > 0 ||
      report.vanishedHeld > 0 ||
      report.publishFailures.length > 0;
    const sideWatchFailed = report.queries['fraud-gap'].failures.length > 0 || report.queries.comments.failures.length > 0;
    report.outcome = outcome !== 'ok' ? outcome : leftover ? 'partial' : sideWatchFailed ? 'degraded' : 'ok';
    return report;
  };

  if (candidates.length === 0 && open.initialized) return finish('ok');
  // The first run records what it found even if that is nothing, and is never concluded from a partial listing.
  if (!open.initialized && !listing.complete) return finish('partial');
  if (ctx.deadline - clock() < PUBLISH_RESERVE_MS) return finish('deadline');
  // Held until the run is surely over: another run can't take over while this one may still publish.
  const leaseUntil = Math.max(ctx.deadline + PUBLISH_RESERVE_MS, ctx.hardStop ?? 0);
  if (!(await deps.store.acquireLease(deps.runId, clock(), leaseUntil))) {
    return finish('lease-busy');
  }
  try {
    // Re-read under the lease, by key and only what we are about to alert: a run that held it before us may have
    // alerted some of these already.
    const current = await deps.store.reloadOpen(candidates.map(eventPortoutId), open.initialized);
    // A fraud alert has no open record to compare: whether another run already sent it is in the closed records.
    const fraudIds = candidates.flatMap((event) => (event.type === 'possible-fraud' ? [event.portout.id] : []));
    const fraudSent = fraudIds.length > 0 ? await deps.store.loadClosedVersions(fraudIds, { consistent: true }) : new Map();
    const events = candidates.filter(
      (event) => stillCurrent(event, current) && !(event.type === 'possible-fraud' && fraudSent.has(event.portout.id)),
    );
    report.superseded = candidates.length - events.length;
    const firstRun = !current.initialized;
    if (events.length === 0 && !firstRun) return finish('ok');

    const { planned, alerts } = planAlerts(events, { firstRun, now: ctx.now }, policy, policy.render);
    report.events = planned.map(({ event, alertId }) => ({ type: event.type, portoutId: eventPortoutId(event), alertId }));
    report.messages = alerts.length;

    // People's grouped message goes first. If SNS refuses it, the machine documents it covers wait with it: the
    // next run sends the group and its documents again, and none of them has gone out twice.
    // Publishing stops at the deadline; the margin after it is for recording what went out.
    const publishBy = ctx.deadline;
    const groups = alerts.filter((alert) => !alert.covers.includes(alert.alertId));
    const sentGroups = groups.length > 0 ? await deps.notifier.publish(groups, publishBy) : { delivered: [], failed: [] };
    const refusedGroups = new Set(sentGroups.failed.map((failure) => failure.alertId));
    const held = new Set(groups.filter((group) => refusedGroups.has(group.alertId)).flatMap((group) => group.covers));
    const singles = alerts.filter((alert) => alert.covers.includes(alert.alertId) && !held.has(alert.alertId));
    const sentSingles = singles.length > 0 ? await deps.notifier.publish(singles, publishBy) : { delivered: [], failed: [] };
    const published = {
      delivered: [...sentGroups.delivered, ...sentSingles.delivered],
      failed: [...sentGroups.failed, ...sentSingles.failed],
    };
    report.published = published.delivered.length;
    report.publishFailures = published.failed;
    // Held back for the next run although some channel has them already: that run repeats them there.
    report.possiblyDuplicated = (sentGroups.partlyDelivered?.length ?? 0) + (sentSingles.partlyDelivered?.length ?? 0);

    // Only what SNS accepted is recorded: an event counts once every message carrying it was accepted.
    const delivered = new Set(published.delivered);
    const undelivered = new Set(alerts.filter((alert) => !delivered.has(alert.alertId)).flatMap((alert) => alert.covers));
    const changes: StateChange[] = planned
      .filter(({ alertId }) => !undelivered.has(alertId))
      .map(({ event }) => stateChangeFor(event, diffOptions));
    if (firstRun && published.failed.length === 0) changes.push({ kind: 'mark-initialized' });
    if (changes.length > 0) {
      const applied = await deps.store.apply(changes, clock());
      report.recorded = applied.applied.length;
      report.writeFailures = [
        ...applied.failed,
        ...applied.conflicted.map((id) => ({ id, reason: 'conditional check failed: another run wrote first' })),
      ];
      report.possiblyDuplicated += applied.failed.length + applied.conflicted.length;
    }
    return finish(report.writeFailures.length > 0 ? 'partial' : 'ok');
  } finally {
    await deps.store.releaseLease(deps.runId);
  }
}
