import { alertIdFor, diffPortouts, resolveMissing, stateChangeFor } from './diff.ts';
import { eventBasisVersion, eventPortoutId, type PortoutEvent } from './events.ts';
import type {
  InvalidPortout,
  Notifier,
  OutgoingAlert,
  PortoutSource,
  SourceFailure,
  StateStore,
  TrackedPortout,
} from './ports.ts';
import { renderAlert } from './render.ts';

export interface PollDeps {
  source: PortoutSource;
  store: StateStore;
  notifier: Notifier;
  /** Identifies this run as the lease holder. */
  runId: string;
  clock?: () => number;
  /** Missing port-outs looked up per run; the rest wait for the next run, so a glitch can't cost thousands of requests. */
  maxMissingLookups?: number;
}

export interface PollContext {
  now: Date;
  /** Epoch ms by which the run must have finished, margin already taken off. */
  deadline: number;
}

export type PollOutcome =
  /** Complete listing, every due alert delivered and recorded (or nothing was due). */
  | 'ok'
  /** Something was left for the next run: a failed page, a failed publish or write. */
  | 'partial'
  /** Another run held the lease; it owns this run's events. */
  | 'lease-busy'
  /** Not enough time left to publish and record safely; nothing was published. */
  | 'deadline';

export interface PollReport {
  outcome: PollOutcome;
  watched: number;
  tracked: number;
  listingComplete: boolean;
  pagesFetched: number;
  failures: SourceFailure[];
  invalid: InvalidPortout[];
  unwatchedDropped: number;
  /** The listing lost more than half of what we track: worth an ops signal even though lookups decide. */
  shrinkAnomaly: boolean;
  missingLookedUp: number;
  missingDeferred: number;
  events: Array<{ type: PortoutEvent['type']; portoutId: string; alertId: string }>;
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

async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function stillCurrent(event: PortoutEvent, open: ReadonlyMap<string, TrackedPortout>): boolean {
  const record = open.get(eventPortoutId(event));
  const basis = eventBasisVersion(event);
  return basis === null ? record === undefined : record?.version === basis;
}

/**
 * One poll: list, diff, confirm what went missing, then publish each alert and record it only once SNS took it.
 * A run with nothing to say writes nothing, not even the lease.
 */
export async function runPoll(deps: PollDeps, ctx: PollContext): Promise<PollReport> {
  const clock = deps.clock ?? Date.now;
  const requestsBefore = deps.source.requestCount();
  const [listing, tracked] = await Promise.all([
    deps.source.listWatchedPortouts(ctx.deadline),
    deps.store.loadOpen(),
  ]);
  const unreadableIds = new Set(listing.invalid.flatMap((item) => (item.id ? [item.id] : [])));
  const diff = diffPortouts(listing.portouts, tracked, { complete: listing.complete, unreadableIds });

  const report: PollReport = {
    outcome: 'ok',
    watched: listing.portouts.length + unreadableIds.size,
    tracked: tracked.size,
    listingComplete: listing.complete,
    pagesFetched: listing.pagesFetched,
    failures: [...listing.failures],
    invalid: listing.invalid,
    unwatchedDropped: listing.unwatchedDropped,
    shrinkAnomaly: tracked.size >= SHRINK_ANOMALY_MIN_TRACKED && diff.missing.length * 2 > tracked.size,
    missingLookedUp: 0,
    missingDeferred: 0,
    events: [],
    superseded: 0,
    published: 0,
    publishFailures: [],
    recorded: 0,
    possiblyDuplicated: 0,
    writeFailures: [],
    telnyxRequests: 0,
  };

  const maxLookups = deps.maxMissingLookups ?? DEFAULT_MAX_MISSING_LOOKUPS;
  const toLookUp = diff.missing.slice(0, maxLookups);
  report.missingDeferred = diff.missing.length - toLookUp.length;
  const resolved = await mapConcurrent(toLookUp, LOOKUP_CONCURRENCY, async (record) => {
    const retrieval = await deps.source.retrievePortout(record.id, ctx.deadline);
    if (retrieval.kind === 'failed') report.failures.push(retrieval.failure);
    if (retrieval.kind === 'invalid') report.invalid.push({ id: record.id, problem: retrieval.problem });
    return resolveMissing(record, retrieval);
  });
  report.missingLookedUp = toLookUp.length;
  const candidates = [...diff.events, ...resolved.filter((event): event is PortoutEvent => event !== null)];

  const finish = (outcome: PollOutcome): PollReport => {
    report.telnyxRequests = deps.source.requestCount() - requestsBefore;
    const leftover =
      !listing.complete || report.failures.length > 0 || report.missingDeferred > 0 || report.publishFailures.length > 0;
    report.outcome = outcome === 'ok' && leftover ? 'partial' : outcome;
    return report;
  };

  if (candidates.length === 0) return finish('ok');
  if (ctx.deadline - clock() < PUBLISH_RESERVE_MS) return finish('deadline');
  if (!(await deps.store.acquireLease(deps.runId, clock(), ctx.deadline + PUBLISH_RESERVE_MS))) {
    return finish('lease-busy');
  }
  try {
    // Re-read under the lease: a run that held it before us may have alerted some of these already.
    const current = await deps.store.loadOpen();
    const events = candidates.filter((event) => stillCurrent(event, current));
    report.superseded = candidates.length - events.length;

    const byAlertId = new Map<string, PortoutEvent>();
    const alerts: OutgoingAlert[] = events.map((event) => {
      const alertId = alertIdFor(event);
      byAlertId.set(alertId, event);
      report.events.push({ type: event.type, portoutId: eventPortoutId(event), alertId });
      return { alertId, portoutId: eventPortoutId(event), rendered: renderAlert(event, alertId, ctx.now) };
    });
    if (alerts.length === 0) return finish('ok');

    const published = await deps.notifier.publish(alerts, ctx.deadline + PUBLISH_RESERVE_MS);
    report.published = published.delivered.length;
    report.publishFailures = published.failed;

    // Only what SNS accepted is recorded; everything else is found again by the next run.
    const changes = published.delivered.flatMap((alertId) => {
      const event = byAlertId.get(alertId);
      return event ? [stateChangeFor(event)] : [];
    });
    if (changes.length > 0) {
      const applied = await deps.store.apply(changes, clock());
      report.recorded = applied.applied.length;
      report.writeFailures = [
        ...applied.failed,
        ...applied.conflicted.map((id) => ({ id, reason: 'conditional check failed: another run wrote first' })),
      ];
      report.possiblyDuplicated = applied.failed.length + applied.conflicted.length;
    }
    return finish(report.writeFailures.length > 0 ? 'partial' : 'ok');
  } finally {
    await deps.store.releaseLease(deps.runId);
  }
}
