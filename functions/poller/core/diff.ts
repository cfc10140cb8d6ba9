import { eventNextVersion, eventPortoutId, type PortoutEvent } from './events.ts';
import { isWatchedStatus, sameInstant, unreadableField, type Portout } from './portout.ts';
import type { PortoutComment, Retrieval, StateChange, TrackedPortout } from './ports.ts';

export interface PortoutDiff {
  events: PortoutEvent[];
  /** Tracked open port-outs absent from a complete listing: each must be fetched before anything is concluded. */
  missing: TrackedPortout[];
}

export interface DiffOptions {
  now: Date;
  /** Hours before the FOC date at which a still-pending request gets a reminder, e.g. [24, 4]. */
  reminderHours: readonly number[];
  /** New comments by port-out id; null when comments were not fetched (or the feed failed) this run. */
  comments: ReadonlyMap<string, PortoutComment[]> | null;
}

const HOUR_MS = 3_600_000;

/** Reminder thresholds the FOC date is already inside of at `now`. */
export function crossedThresholds(focDate: string | null, now: Date, reminderHours: readonly number[]): number[] {
  const focMs = focDate === null ? Number.NaN : Date.parse(focDate);
  if (Number.isNaN(focMs)) return [];
  return reminderHours.filter((hours) => focMs - now.getTime() <= hours * HOUR_MS);
}

function commentsAfter(comments: readonly PortoutComment[] | undefined, after: string | null): PortoutComment[] {
  return (comments ?? [])
    .filter((comment) => after === null || comment.createdAt > after)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * The FOC date to compare with and record for a tracked port-out. An unreadable one says nothing about whether the
 * date moved, so the recorded date stands: no "FOC changed" alert now, and none when the date is readable again.
 * The same holds for the same instant in another format.
 */
function comparableFocDate(portout: Portout, tracked: TrackedPortout): string | null {
  if (unreadableField(portout, 'foc_date')) return tracked.focDate;
  // The same instant written another way (Telnyx changing `Z` to `+00:00`, adding milliseconds) is not a move.
  return sameInstant(portout.focDate, tracked.focDate) ? tracked.focDate : portout.focDate;
}

/** The one event a listed, tracked port-out deserves this run, if any. */
function eventForTracked(portout: Portout, tracked: TrackedPortout, options: DiffOptions): PortoutEvent | null {
  const comments = commentsAfter(options.comments?.get(portout.id), tracked.lastCommentAt);
  if (tracked.status !== portout.status) {
    return { type: 'status-changed', portout, tracked, previousStatus: tracked.status, comments };
  }
  if (tracked.focDate !== comparableFocDate(portout, tracked)) {
    return { type: 'foc-date-changed', portout, tracked, previousFocDate: tracked.focDate, comments };
  }
  if (comments.length > 0) return { type: 'new-comment', portout, tracked, comments };
  // An unreadable FOC date is null here: no reminder is computed from a date nobody can read.
  const due = crossedThresholds(portout.focDate, options.now, options.reminderHours).filter(
    (hours) => !tracked.remindedHours.includes(hours),
  );
  if (due.length > 0) return { type: 'foc-approaching', portout, tracked, reminderHours: Math.min(...due) };
  return null;
}

/**
 * Compares a listing with what was last alerted. `unreadableIds` are listed ids whose items failed validation:
 * they are present, so they are neither new nor missing.
 */
export function diffPortouts(
  listed: readonly Portout[],
  tracked: ReadonlyMap<string, TrackedPortout>,
  listing: { complete: boolean; unreadableIds: ReadonlySet<string> },
  options: DiffOptions,
): PortoutDiff {
  const events: PortoutEvent[] = [];
  const seen = new Set<string>();
  for (const portout of listed) {
    seen.add(portout.id);
    const known = tracked.get(portout.id);
    const event = known
      ? eventForTracked(portout, known, options)
      : { type: 'new' as const, portout, comments: commentsAfter(options.comments?.get(portout.id), null) };
    if (event) events.push(event);
  }
  const missing = listing.complete
    ? [...tracked.values()].filter((t) => !seen.has(t.id) && !listing.unreadableIds.has(t.id))
    : [];
  return { events, missing };
}

/** What a direct fetch of a port-out missing from the listing means. Failures conclude nothing. */
export function resolveMissing(tracked: TrackedPortout, retrieval: Retrieval, options: DiffOptions): PortoutEvent | null {
  switch (retrieval.kind) {
    case 'found':
      // Still watched: it only moved between pages while we listed; judge it as if it had been listed.
      return eventForTracked(retrieval.portout, tracked, options);
    case 'not-found':
      return { type: 'vanished', tracked };
    case 'invalid':
    case 'failed':
      return null;
  }
}

/** Rejected port-outs never tracked and not yet alerted: requests that never passed through pending. */
export function findPossibleFraud(
  rejected: readonly Portout[],
  open: ReadonlyMap<string, TrackedPortout>,
  closedIds: ReadonlySet<string>,
): PortoutEvent[] {
  return rejected
    .filter((portout) => !open.has(portout.id) && !closedIds.has(portout.id))
    .map((portout) => ({ type: 'possible-fraud', portout }));
}

function trackedFrom(portout: Portout, version: number, remindedHours: number[], lastCommentAt: string | null): TrackedPortout {
  return {
    id: portout.id,
    status: portout.status,
    focDate: portout.focDate,
    phoneNumbers: portout.phoneNumbers,
    supportKey: portout.supportKey,
    remindedHours,
    lastCommentAt,
    version,
  };
}

/** A fresh record for a port-out, as the first alert about it leaves it. */
export function newTrackedPortout(portout: Portout, now: Date, reminderHours: readonly number[]): TrackedPortout {
  return trackedFrom(portout, 1, crossedThresholds(portout.focDate, now, reminderHours), null);
}

/** The write that records an event once its alert is delivered. */
export function stateChangeFor(event: PortoutEvent, options: Pick<DiffOptions, 'now' | 'reminderHours'>): StateChange {
  const version = eventNextVersion(event);
  if (event.type === 'vanished') {
    return { kind: 'close', record: { ...event.tracked, version }, expectedVersion: event.tracked.version };
  }
  // Every alert shows the time left to the FOC date, so thresholds already crossed need no reminder of their own.
  const crossed = crossedThresholds(event.portout.focDate, options.now, options.reminderHours);
  if (event.type === 'possible-fraud') {
    return { kind: 'remember-closed', record: trackedFrom(event.portout, version, crossed, null) };
  }
  const comments = event.type === 'foc-approaching' ? [] : event.comments;
  const newest = comments.reduce<string | null>((latest, c) => (latest === null || c.createdAt > latest ? c.createdAt : latest), null);
  if (event.type === 'new') {
    return { kind: 'upsert-open', record: trackedFrom(event.portout, version, crossed, newest), expectedVersion: null };
  }
  const { tracked } = event;
  const focDate = comparableFocDate(event.portout, tracked);
  const sameFoc = tracked.focDate === focDate;
  const reminded = sameFoc ? [...new Set([...tracked.remindedHours, ...crossed])].sort((a, b) => b - a) : crossed;
  const lastCommentAt = newest !== null && (tracked.lastCommentAt === null || newest > tracked.lastCommentAt) ? newest : tracked.lastCommentAt;
  // What we last knew stands for a field that can't be read now: a later "vanished" alert still names the numbers.
  const keep = (field: string) => unreadableField(event.portout, field) !== undefined;
  const known = {
    focDate,
    phoneNumbers: keep('phone_numbers') ? tracked.phoneNumbers : event.portout.phoneNumbers,
    supportKey: keep('support_key') ? tracked.supportKey : event.portout.supportKey,
  };
  const record = trackedFrom({ ...event.portout, ...known }, version, reminded, lastCommentAt);
  return isWatchedStatus(event.portout.status)
    ? { kind: 'upsert-open', record, expectedVersion: tracked.version }
    : { kind: 'close', record, expectedVersion: tracked.version };
}

/** Same event, same id: a re-send after a crash carries the id of the first send. */
export function alertIdFor(event: PortoutEvent): string {
  const status = event.type === 'vanished' ? 'gone' : event.portout.status;
  return `${eventPortoutId(event)}.${event.type}.${status}.v${eventNextVersion(event)}`;
}
