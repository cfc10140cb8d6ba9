import {
  changeKey,
  type ApplyResult,
  type CommentListing,
  type Listing,
  type PortoutComment,
  type RejectedListing,
  type Notifier,
  type OutgoingAlert,
  type PortoutSource,
  type PublishResult,
  type Retrieval,
  type StateChange,
  type StateStore,
  type TrackedPortout,
} from '../../functions/poller/core/ports.ts';
import type { Portout } from '../../functions/poller/core/portout.ts';

export function listing(portouts: Portout[], overrides: Partial<Listing> = {}): Listing {
  return { portouts, invalid: [], unwatchedDropped: 0, complete: true, failures: [], pagesFetched: 1, ...overrides };
}

/** A Telnyx source that answers from scripted data; `retrievals` answers direct lookups by id (absent = 404). */
export class ScriptedSource implements PortoutSource {
  current: Listing = listing([]);
  retrievals = new Map<string, Retrieval>();
  rejected: RejectedListing = { portouts: [], invalid: [], complete: true, failures: [] };
  comments: CommentListing = { comments: [], invalid: [], complete: true, failures: [] };
  lookups: string[] = [];
  /** The `since` of each rejected and comment query, to check the look-back window. */
  sinces: Array<{ query: 'rejected' | 'comments'; since: string }> = [];
  private requests = 0;

  addComment(comment: PortoutComment): void {
    this.comments = { ...this.comments, comments: [...this.comments.comments, comment] };
  }
  async listRejectedSince(since: string): Promise<RejectedListing> {
    this.requests += 1;
    this.sinces.push({ query: 'rejected', since });
    return this.rejected;
  }
  async listCommentsSince(since: string): Promise<CommentListing> {
    this.requests += 1;
    this.sinces.push({ query: 'comments', since });
    return this.comments;
  }

  async listWatchedPortouts(): Promise<Listing> {
    this.requests += 1;
    return this.current;
  }
  async retrievePortout(id: string): Promise<Retrieval> {
    this.requests += 1;
    this.lookups.push(id);
    return this.retrievals.get(id) ?? { kind: 'not-found' };
  }
  requestCount(): number {
    return this.requests;
  }
}

/** The state store's contract in memory: versioned conditional writes and an expiring lease. */
export class InMemoryStateStore implements StateStore {
  open = new Map<string, TrackedPortout>();
  closed = new Map<string, TrackedPortout>();
  lease: { holder: string; until: number } | null = null;
  writes = 0;
  failWritesFor = new Set<string>();

  initialized = true;
  async loadOpen() {
    return { records: new Map(this.open), initialized: this.initialized };
  }
  async reloadOpen(ids: string[], _knownInitialized: boolean) {
    const records = new Map([...this.open].filter(([id]) => ids.includes(id)));
    return { records, initialized: this.initialized };
  }
  async loadClosedVersions(ids: string[]) {
    return new Map(ids.flatMap((id) => (this.closed.has(id) ? [[id, this.closed.get(id)!.version] as const] : [])));
  }
  async acquireLease(holder: string, nowMs: number, untilMs: number) {
    if (this.lease && this.lease.until >= nowMs && this.lease.holder !== holder) return false;
    this.writes += 1;
    this.lease = { holder, until: untilMs };
    return true;
  }
  async releaseLease(holder: string) {
    if (this.lease?.holder === holder) {
      this.writes += 1;
      this.lease = null;
    }
  }
  async apply(changes: StateChange[]): Promise<ApplyResult> {
    const result: ApplyResult = { applied: [], conflicted: [], failed: [] };
    for (const change of changes) {
      const id = changeKey(change);
      if (this.failWritesFor.has(id)) {
        result.failed.push({ id, reason: 'injected failure' });
        continue;
      }
      if (change.kind === 'mark-initialized' || change.kind === 'remember-closed') {
        const exists = change.kind === 'mark-initialized' ? this.initialized : this.closed.has(id);
        if (exists) result.conflicted.push(id);
        else {
          this.writes += 1;
          if (change.kind === 'mark-initialized') this.initialized = true;
          else this.closed.set(id, change.record);
          result.applied.push(id);
        }
        continue;
      }
      const current = this.open.get(id);
      if ((current?.version ?? null) !== change.expectedVersion) {
        result.conflicted.push(id);
        continue;
      }
      this.writes += 1;
      if (change.kind === 'upsert-open') this.open.set(id, change.record);
      else {
        this.open.delete(id);
        this.closed.set(id, change.record);
      }
      result.applied.push(id);
    }
    return result;
  }
}

/** Records what was published; alerts for port-outs in `rejectFor` are refused as SNS would refuse a failed entry. */
export class RecordingNotifier implements Notifier {
  sent: OutgoingAlert[] = [];
  calls = 0;
  rejectFor = new Set<string>();
  rejectAlertIds = new Set<string>();
  rejectWhen: (alert: OutgoingAlert) => boolean = () => false;
  async publish(alerts: OutgoingAlert[]): Promise<PublishResult> {
    this.calls += 1;
    const result: PublishResult = { delivered: [], failed: [] };
    for (const alert of alerts) {
      if ((alert.portoutId && this.rejectFor.has(alert.portoutId)) || this.rejectAlertIds.has(alert.alertId) || this.rejectWhen(alert)) {
        result.failed.push({ alertId: alert.alertId, reason: 'Throttled' });
      } else {
        this.sent.push(alert);
        result.delivered.push(alert.alertId);
      }
    }
    return result;
  }
}
