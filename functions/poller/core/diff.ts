import { eventBasisVersion, eventPortoutId, type PortoutEvent } from './events.ts';
import { isWatchedStatus, type Portout } from './portout.ts';
import type { Retrieval, StateChange, TrackedPortout } from './ports.ts';

export interface PortoutDiff {
  events: PortoutEvent[];
  /** Tracked open port-outs absent from a complete listing: each must be fetched before anything is concluded. */
  missing: TrackedPortout[];
}

/**
 * Compares a listing with what was last alerted. `unreadableIds` are listed ids whose items failed validation:
 * they are present, so they are neither new nor missing.
 */
export function diffPortouts(
  listed: readonly Portout[],
  tracked: ReadonlyMap<string, TrackedPortout>,
  listing: { complete: boolean; unreadableIds: ReadonlySet<string> },
): PortoutDiff {
  const events: PortoutEvent[] = [];
  const seen = new Set<string>();
  for (const portout of listed) {
    seen.add(portout.id);
    const known = tracked.get(portout.id);
    if (!known) events.push({ type: 'new', portout });
    else if (known.status !== portout.status) {
      events.push({ type: 'status-changed', portout, previousStatus: known.status, tracked: known });
    }
  }
  const missing = listing.complete
    ? [...tracked.values()].filter((t) => !seen.has(t.id) && !listing.unreadableIds.has(t.id))
    : [];
  return { events, missing };
}

/** What a direct fetch of a port-out missing from the listing means. Failures conclude nothing. */
export function resolveMissing(tracked: TrackedPortout, retrieval: Retrieval): PortoutEvent | null {
  switch (retrieval.kind) {
    case 'found':
      // Still watched and unchanged: it only moved between pages while we listed.
      if (retrieval.portout.status === tracked.status) return null;
      return { type: 'status-changed', portout: retrieval.portout, previousStatus: tracked.status, tracked };
    case 'not-found':
      return { type: 'vanished', tracked };
    case 'invalid':
    case 'failed':
      return null;
  }
}

export function trackedFrom(portout: Portout, version: number): TrackedPortout {
  return {
    id: portout.id,
    status: portout.status,
    focDate: portout.focDate,
    phoneNumbers: portout.phoneNumbers,
    supportKey: portout.supportKey,
    version,
  };
}

/** The write that records an event once its alert is delivered. */
export function stateChangeFor(event: PortoutEvent): StateChange {
  const basis = eventBasisVersion(event);
  const version = (basis ?? 0) + 1;
  switch (event.type) {
    case 'new':
      return { kind: 'upsert-open', record: trackedFrom(event.portout, version), expectedVersion: null };
    case 'status-changed': {
      const record = trackedFrom(event.portout, version);
      return isWatchedStatus(event.portout.status)
        ? { kind: 'upsert-open', record, expectedVersion: event.tracked.version }
        : { kind: 'close', record, expectedVersion: event.tracked.version };
    }
    case 'vanished':
      return { kind: 'close', record: { ...event.tracked, version }, expectedVersion: event.tracked.version };
  }
}

/** Same event, same id: a re-send after a crash carries the id of the first send. */
export function alertIdFor(event: PortoutEvent): string {
  const status = event.type === 'vanished' ? 'gone' : event.portout.status;
  return `${eventPortoutId(event)}.${event.type}.${status}.v${(eventBasisVersion(event) ?? 0) + 1}`;
}
