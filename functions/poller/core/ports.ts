import type { PortoutComment, RenderedAlert, TrackedPortout } from './model.ts';
import type { Portout } from './portout.ts';

// Defined in model.ts, beside the types the rendering shares; the ports' users find them here too.
export type { PortoutComment, TrackedPortout } from './model.ts';

/** Why a Telnyx request (or one listed item) could not be used. */
export const SOURCE_FAILURE_KINDS = [
  'rate-limited',
  'server-error',
  'timeout',
  'connection',
  'malformed-response',
  'client-error',
  'deadline',
] as const;
export type SourceFailureKind = (typeof SOURCE_FAILURE_KINDS)[number];

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

export interface RejectedListing {
  portouts: Portout[];
  invalid: InvalidPortout[];
  complete: boolean;
  failures: SourceFailure[];
}

export interface CommentListing {
  comments: PortoutComment[];
  /** Feed entries held back: no usable port-out id, time or event type. Problems name fields, never values. */
  invalid: InvalidPortout[];
  complete: boolean;
  failures: SourceFailure[];
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
  /** Port-outs created since `since` (ISO) that are now `rejected`: PIN failures are born rejected, never pending. */
  listRejectedSince(since: string, deadline: number): Promise<RejectedListing>;
  /** Comments posted since `since` (ISO), on any port-out. */
  listCommentsSince(since: string, deadline: number): Promise<CommentListing>;
  /** Requests sent so far by this source, retries included. */
  requestCount(): number;
}

export interface OpenState {
  records: Map<string, TrackedPortout>;
  /** False until the first run recorded what it found: that run sends one summary instead of N alerts. */
  initialized: boolean;
}

export type StateChange =
  /** Create (expectedVersion null) or update an open record. */
  | { kind: 'upsert-open'; record: TrackedPortout; expectedVersion: number | null }
  /** Move a record out of the open set; it is kept, with a TTL, but never read by the diff again. */
  | { kind: 'close'; record: TrackedPortout; expectedVersion: number }
  /** Keep a port-out that was never open (born rejected) among the closed ones, so it is alerted once. */
  | { kind: 'remember-closed'; record: TrackedPortout }
  /** The first run is done: later runs alert each change. */
  | { kind: 'mark-initialized' };

/** The sort key of the first-run marker; no port-out id can take it (ids start with a letter or digit). */
export const INITIALIZED_KEY = '#initialized';

/** What a change is about, as ApplyResult reports it: the port-out id, or the first-run marker. */
export function changeKey(change: StateChange): string {
  return change.kind === 'mark-initialized' ? INITIALIZED_KEY : change.record.id;
}

export interface ApplyResult {
  applied: string[];
  /** Another run changed the record first: our view was stale. */
  conflicted: string[];
  failed: Array<{ id: string; reason: string }>;
}

export interface StateStore {
  /** Every open record, read consistently, in the fewest reads. */
  loadOpen(): Promise<OpenState>;
  /** The closed records among these ids, with the version each was closed at. */
  loadClosedVersions(ids: string[], options?: { consistent?: boolean }): Promise<Map<string, number>>;
  /**
   * These ids' open records (absent: not open), read consistently by key, and the first-run marker unless the run
   * already saw it (once written it stays, so there is nothing to re-check).
   */
  reloadOpen(ids: string[], knownInitialized: boolean): Promise<OpenState>;
  /** True if this run now holds the lease until `untilMs`. */
  acquireLease(holder: string, nowMs: number, untilMs: number): Promise<boolean>;
  releaseLease(holder: string): Promise<void>;
  apply(changes: StateChange[], nowMs: number): Promise<ApplyResult>;
}

export interface OutgoingAlert {
  /** Stable across re-sends of the same alert, so subscribers can drop duplicates. */
  alertId: string;
  portoutId: string | null;
  /** The events (by alert id) this message carries: an event is recorded only once all its messages were accepted. */
  covers: string[];
  rendered: RenderedAlert;
}

export interface PublishResult {
  delivered: string[];
  failed: Array<{ alertId: string; reason: string }>;
  /**
   * Failed alerts that some channel did take (the alert topic accepted it, a chat topic refused it): sending them
   * again next run is the only way not to lose the chat copy, so SMS, email and documents may see them twice.
   */
  partlyDelivered?: string[];
}

export interface Notifier {
  publish(alerts: OutgoingAlert[], deadline: number): Promise<PublishResult>;
}
