import type { Portout, PortoutStatus } from './portout.ts';
import type { RenderedAlert } from './render.ts';

/** Why a Telnyx request (or one listed item) could not be used. */
export type SourceFailureKind =
  | 'rate-limited'
  | 'server-error'
  | 'timeout'
  | 'connection'
  | 'malformed-response'
  | 'client-error'
  | 'deadline';

export interface SourceFailure {
  kind: SourceFailureKind;
  /** Safe to log: no key, no personal data. */
  detail: string;
  pageNumber?: number;
}

/** A listed item that failed validation. With an id, that port-out is present but unreadable, so its state is left alone. */
export interface InvalidPortout {
  id: string | null;
  problem: string;
}

export interface Listing {
  /** Valid watched port-outs, one per id. */
  portouts: Portout[];
  invalid: InvalidPortout[];
  /** Items whose status was valid but not watched: a server that ignored the status filter. */
  unwatchedDropped: number;
  /** True only if every page was fetched and every item identified: the only listing that can show a port-out left. */
  complete: boolean;
  failures: SourceFailure[];
  pagesFetched: number;
}

export type Retrieval =
  | { kind: 'found'; portout: Portout }
  | { kind: 'not-found' }
  | { kind: 'invalid'; problem: string }
  | { kind: 'failed'; failure: SourceFailure };

/** The Telnyx side. `deadline` is epoch ms; nothing may wait past it. */
export interface PortoutSource {
  listWatchedPortouts(deadline: number): Promise<Listing>;
  retrievePortout(id: string, deadline: number): Promise<Retrieval>;
  /** Requests sent so far by this source, retries included. */
  requestCount(): number;
}

/** What the poller remembers of a port-out: enough to diff and to name it if it vanishes. */
export interface TrackedPortout {
  id: string;
  status: PortoutStatus;
  focDate: string | null;
  phoneNumbers: string[];
  supportKey: string | null;
  /** Bumped on every write; writes are conditional on the version that was read. */
  version: number;
}

export type StateChange =
  /** Create (expectedVersion null) or update an open record. */
  | { kind: 'upsert-open'; record: TrackedPortout; expectedVersion: number | null }
  /** Move a record out of the open set; it is kept, with a TTL, but never read by the diff again. */
  | { kind: 'close'; record: TrackedPortout; expectedVersion: number };

export interface ApplyResult {
  applied: string[];
  /** Another run changed the record first: our view was stale. */
  conflicted: string[];
  failed: Array<{ id: string; reason: string }>;
}

export interface StateStore {
  /** Every open record, read consistently. */
  loadOpen(): Promise<Map<string, TrackedPortout>>;
  /** True if this run now holds the lease until `untilMs`. */
  acquireLease(holder: string, nowMs: number, untilMs: number): Promise<boolean>;
  releaseLease(holder: string): Promise<void>;
  apply(changes: StateChange[], nowMs: number): Promise<ApplyResult>;
}

export interface OutgoingAlert {
  /** Stable across re-sends of the same alert, so subscribers can drop duplicates. */
  alertId: string;
  portoutId: string | null;
  rendered: RenderedAlert;
}

export interface PublishResult {
  delivered: string[];
  failed: Array<{ alertId: string; reason: string }>;
}

export interface Notifier {
  publish(alerts: OutgoingAlert[], deadline: number): Promise<PublishResult>;
}
