import { isPortoutStatus, isWatchedStatus, type PortoutStatus } from '../../functions/poller/core/portout.ts';
import type { Delivery } from './fake-sns-topic.ts';

/** A status as Telnyx reports it, or 'gone' when Telnyx answers 404. */
export type Seen = PortoutStatus | 'gone';

interface Step {
  status: Seen;
  due: boolean;
  /** The lab's poll counter when Telnyx began to report it. */
  poll: number;
  /** Before the watch started: what the first run found, not news. */
  baseline: boolean;
}

/** The alert kinds that report a port-out's status; the others (reminders, digests, ...) are not measured here. */
const STATE_ALERTS = new Set(['new', 'status-changed', 'vanished']);

export interface Measurement {
  /** Alerts that were due: for each port-out, each status it passed through while watched. */
  due: number;
  /** Distinct state alerts SNS accepted (by alertId). */
  delivered: number;
  /** Due alerts never delivered, as `id:status`. */
  lost: string[];
  /** Deliveries beyond the first of the same alertId, of any kind (a digest sent twice counts too). */
  duplicates: number;
  /** Distinct state alerts that match nothing due, as alertIds: news that wasn't. */
  falseAlerts: string[];
  /** Alerts of other kinds (reminders, digests, ...), not judged here. */
  otherAlerts: number;
}

/**
 * What should have been alerted, from the story the test tells Telnyx. A status is due when the port-out enters
 * a watched status (new, or changed within the watched set), leaves the watched set, or vanishes while watched.
 * A status no poll could have seen (replaced before any poll ran) is not due. Unknown statuses are not news:
 * nobody can say what they mean, so the oracle looks through them.
 */
export class AlertOracle {
  private readonly history = new Map<string, Step[]>();
  private watching = false;
  private baselineDeliveries = 0;

  constructor(private readonly currentPoll: () => number) {}

  record(id: string, status: string): void {
    if (status !== 'gone' && !isPortoutStatus(status)) return;
    const steps = this.history.get(id) ?? [];
    this.history.set(id, steps);
    let last = steps.at(-1);
    if (last && !last.baseline && last.poll === this.currentPoll()) {
      steps.pop();
      last = steps.at(-1);
    }
    if (last?.status === status) return;
    const wasWatched = last !== undefined && last.status !== 'gone' && isWatchedStatus(last.status);
    const entersWatch = status !== 'gone' && isWatchedStatus(status);
    steps.push({ status, due: this.watching && (entersWatch || wasWatched), poll: this.currentPoll(), baseline: !this.watching });
  }

  /** From now on, changes are news; deliveries so far (the first run's) are not judged. */
  startWatching(deliveriesSoFar: number): void {
    this.watching = true;
    this.baselineDeliveries = deliveriesSoFar;
    for (const steps of this.history.values()) for (const step of steps) step.baseline = true;
  }

  measure(deliveries: readonly Delivery[]): Measurement {
    const judged = deliveries.slice(this.baselineDeliveries);
    const state = judged.filter((delivery) => STATE_ALERTS.has(delivery.type));
    const firstSeen = new Map<string, Delivery>();
    for (const delivery of state) if (!firstSeen.has(delivery.alertId)) firstSeen.set(delivery.alertId, delivery);

    const deliveredById = new Map<string, Array<{ alertId: string; status: Seen }>>();
    for (const delivery of firstSeen.values()) {
      const id = delivery.portoutId ?? '?';
      const status = (delivery.type === 'vanished' ? 'gone' : delivery.status) as Seen;
      deliveredById.set(id, [...(deliveredById.get(id) ?? []), { alertId: delivery.alertId, status }]);
    }

    const lost: string[] = [];
    const falseAlerts: string[] = [];
    let due = 0;
    for (const id of new Set([...this.history.keys(), ...deliveredById.keys()])) {
      const wanted = (this.history.get(id) ?? []).filter((step) => step.due).map((step) => step.status);
      const got = deliveredById.get(id) ?? [];
      due += wanted.length;
      // In order: the n-th due status of a port-out is met by the first later delivery of that status.
      let cursor = 0;
      const matched = new Set<number>();
      for (const status of wanted) {
        const index = got.findIndex((delivery, i) => i >= cursor && delivery.status === status);
        if (index === -1) {
          lost.push(`${id}:${status}`);
          continue;
        }
        matched.add(index);
        cursor = index + 1;
      }
      got.forEach((delivery, index) => {
        if (!matched.has(index)) falseAlerts.push(delivery.alertId);
      });
    }
    return {
      due,
      delivered: firstSeen.size,
      lost,
      duplicates: judged.length - new Set(judged.map((delivery) => delivery.alertId)).size,
      falseAlerts,
      otherAlerts: judged.length - state.length,
    };
  }
}
