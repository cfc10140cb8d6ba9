import { isIsoTimestamp, isWatchedStatus, readStatus, type PortoutStatus } from '../../functions/poller/core/portout.ts';
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

/** News other than a status: a FOC date moved, a comment, a reminder threshold crossed, a request born rejected. */
interface Fact {
  portoutId: string;
  /** How a lost one is reported, e.g. `po-01:foc→2026-12-01T00:00:00Z`. */
  label: string;
  poll: number;
  due: boolean;
  covered: boolean;
}

interface FocChange extends Fact {
  value: string;
  /** The value the request had when it was first added: not news. */
  initial: boolean;
  /** Distinguishes a FOC date from the same value set again later: reminders count once per epoch. */
  epoch: number;
}
interface CommentFact extends Fact {
  commentId: string;
}
interface ReminderFact extends Fact {
  hours: number;
}

const STATE_ALERTS = new Set(['new', 'status-changed', 'vanished']);
/** Alerts that carry the port-out's current FOC date and comments: they cover FOC moves, comments and reminders. */
const CARRIERS = new Set(['new', 'status-changed', 'foc-date-changed', 'new-comment', 'foc-approaching']);
const GROUPS = new Set(['watch-started', 'digest']);
const HOUR_MS = 3_600_000;

export interface Measurement {
  /** Alerts that were due: each status a port-out passed through while watched, each FOC move, comment, reminder and fraud attempt. */
  due: number;
  /** Distinct event alerts SNS accepted (by alertId), every kind but the people's summary and digest. */
  delivered: number;
  /**
   * Due alerts never delivered, as `id:status`, `id:foc→date`, `id:comment c`, `id:reminder Nh`, `id:possible-fraud`;
   * and `people:alertId` (a machines-only document no summary or digest carried to people) or `machines:alertId`
   * (a digest naming an alert whose own document never went out).
   */
  lost: string[];
  /** Deliveries beyond the first of the same alertId, of any kind (a digest sent twice counts too). */
  duplicates: number;
  /** Distinct alerts that match nothing due, as alertIds: news that wasn't, of any kind, and any kind the oracle doesn't know. */
  falseAlerts: string[];
  /** Of the false alerts, those of a kind the oracle doesn't know (a new alert type must be taught to it). */
  otherAlerts: number;
}

export interface OracleOptions {
  /** The poller's FOC_REMINDER_HOURS: when a reminder falls due. */
  reminderHours?: readonly number[];
}

/**
 * What should have been alerted, from the story the test tells Telnyx. A status is due when the port-out enters
 * a watched status (new, or changed within the watched set), leaves the watched set, or vanishes while watched.
 * A status no poll could have seen (replaced before any poll ran) is not due. A status Telnyx adds is news like any
 * other: the poller alerts it under its raw name and keeps watching (isWatchedStatus).
 *
 * Beyond statuses, on a watched request: a FOC date that moved, each comment, each reminder threshold the FOC date
 * came inside (at a poll's time), and a request that appears already `rejected` without ever being watched. An alert
 * about the request that carries its current state (a status change, a FOC move) covers the moves, comments and
 * reminders up to then, as the poller promises ("one alert that carries both"). Every delivered alert must match
 * something due, whatever its kind: nothing else goes out.
 */
export class AlertOracle {
  private readonly history = new Map<string, Step[]>();
  private readonly focs = new Map<string, FocChange[]>();
  private readonly comments: CommentFact[] = [];
  private readonly reminders: ReminderFact[] = [];
  private readonly fraud: Fact[] = [];
  private readonly reminded = new Set<string>();
  private readonly reminderHours: readonly number[];
  private epochs = 0;
  private watching = false;
  private baselineDeliveries = 0;

  constructor(
    private readonly currentPoll: () => number,
    options: OracleOptions = {},
  ) {
    this.reminderHours = options.reminderHours ?? [];
  }

  /** Whether the oracle has heard of this port-out at all. */
  knows(id: string): boolean {
    return this.history.has(id);
  }

  private watchedNow(id: string): boolean {
    const last = this.history.get(id)?.at(-1);
    return last !== undefined && last.status !== 'gone' && isWatchedStatus(last.status);
  }

  /** `raw` as the story sets it; one the poller can't read as a status (not a string, blank) is held back, not news. */
  record(id: string, raw: string): void {
    const status: Seen | null = raw === 'gone' ? 'gone' : readStatus(raw);
    if (status === null) return;
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

  /**
   * The FOC date Telnyx now reports (any JSON value). Due when it moves on a request that stays watched; two moves
   * before one poll are one, and a move back before any poll saw it is none. A date that can't be read ("TBD") is no
   * move: the poller keeps the date it recorded and says so in its alerts, so only a readable date counts.
   */
  recordFocDate(id: string, raw: unknown): void {
    const notSet = raw === null || raw === undefined || (typeof raw === 'string' && raw.trim() === '');
    if (!notSet && !(typeof raw === 'string' && isIsoTimestamp(raw))) return;
    const value = notSet ? 'null' : (raw as string);
    const changes = this.focs.get(id) ?? [];
    this.focs.set(id, changes);
    let last = changes.at(-1);
    if (last && !last.initial && last.poll === this.currentPoll()) {
      changes.pop();
      last = changes.at(-1);
    }
    if (last?.value === value) return;
    const initial = last === undefined;
    changes.push({
      portoutId: id,
      label: `${id}:foc→${value}`,
      value,
      initial,
      epoch: ++this.epochs,
      poll: this.currentPoll(),
      due: this.watching && !initial && this.watchedNow(id),
      covered: false,
    });
  }

  /** A comment Telnyx posted on a request: news while the request is watched. */
  recordComment(portoutId: string, commentId: string): void {
    this.comments.push({
      portoutId,
      commentId,
      label: `${portoutId}:comment ${commentId}`,
      poll: this.currentPoll(),
      due: this.watching && this.watchedNow(portoutId),
      covered: false,
    });
  }

  /** A request Telnyx lists as `rejected` that was never watched (a wrong PIN): a possible-fraud alert is due. */
  recordFraudAttempt(id: string): void {
    this.fraud.push({ portoutId: id, label: `${id}:possible-fraud`, poll: this.currentPoll(), due: this.watching, covered: false });
  }

  /** A poll starts at `nowMs`: every reminder threshold a watched request's FOC date is now inside falls due once. */
  pollStarted(nowMs: number): void {
    for (const [id, changes] of this.focs) {
      const current = changes.at(-1);
      const focMs = current ? Date.parse(current.value) : Number.NaN;
      if (!current || Number.isNaN(focMs) || !this.watchedNow(id)) continue;
      for (const hours of this.reminderHours) {
        const key = `${current.epoch}|${hours}`;
        if (focMs - nowMs > hours * HOUR_MS || this.reminded.has(key)) continue;
        this.reminded.add(key);
        this.reminders.push({
          portoutId: id,
          hours,
          label: `${id}:reminder ${hours}h`,
          poll: this.currentPoll(),
          due: this.watching,
          covered: false,
        });
      }
    }
  }

  /** From now on, changes are news; deliveries so far (the first run's) are not judged. */
  startWatching(deliveriesSoFar: number): void {
    this.watching = true;
    this.baselineDeliveries = deliveriesSoFar;
    for (const steps of this.history.values()) for (const step of steps) step.baseline = true;
  }

  measure(deliveries: readonly Delivery[]): Measurement {
    const judged = deliveries.slice(this.baselineDeliveries);
    const firstSeen = new Map<string, Delivery>();
    for (const delivery of judged) if (!firstSeen.has(delivery.alertId)) firstSeen.set(delivery.alertId, delivery);
    const lost: string[] = [];
    const falseAlerts: string[] = [];
    let otherAlerts = 0;

    // Measured afresh each time: coverage is a property of these deliveries, not of an earlier call.
    const facts: Fact[] = [...[...this.focs.values()].flat(), ...this.comments, ...this.reminders, ...this.fraud];
    for (const fact of facts) fact.covered = false;
    const open = <T extends Fact>(list: readonly T[], delivery: Delivery) =>
      list.filter((fact) => fact.due && !fact.covered && fact.portoutId === delivery.portoutId && fact.poll <= delivery.poll);
    const cover = (list: readonly Fact[]) => {
      for (const fact of list) fact.covered = true;
      return list.length;
    };
    const focChanges = [...this.focs.values()].flat();
    const groupsCover = new Set<string>();
    const documents = new Set<string>();

    for (const delivery of firstSeen.values()) {
      const { type } = delivery;
      if (GROUPS.has(type)) {
        for (const alertId of delivery.covers ?? []) groupsCover.add(alertId);
        continue;
      }
      documents.add(delivery.alertId);
      if (STATE_ALERTS.has(type)) {
        // Judged with the status history below; as carriers they also cover what they show.
      } else if (type === 'foc-date-changed') {
        if (cover(open(focChanges, delivery)) === 0) falseAlerts.push(delivery.alertId);
      } else if (type === 'new-comment') {
        const ids = new Set(delivery.commentIds ?? []);
        if (cover(this.comments.filter((fact) => fact.due && !fact.covered && ids.has(fact.commentId))) === 0) {
          falseAlerts.push(delivery.alertId);
        }
      } else if (type === 'foc-approaching') {
        const pending = open(this.reminders, delivery);
        if (!pending.some((fact) => fact.hours === delivery.reminderHours)) falseAlerts.push(delivery.alertId);
        // One reminder (the nearest threshold) stands for every threshold crossed by then.
        cover(pending);
      } else if (type === 'possible-fraud') {
        if (cover(open(this.fraud, delivery).slice(0, 1)) === 0) falseAlerts.push(delivery.alertId);
      } else {
        otherAlerts += 1;
        falseAlerts.push(delivery.alertId);
        continue;
      }
      if (CARRIERS.has(type)) {
        const ids = new Set(delivery.commentIds ?? []);
        cover(this.comments.filter((fact) => fact.due && !fact.covered && ids.has(fact.commentId)));
        cover(open(this.reminders, delivery));
        if (type !== 'foc-date-changed') cover(open(focChanges, delivery));
      }
    }

    // Statuses: per port-out, in order, the n-th due status is met by the first later delivery of that status.
    const deliveredById = new Map<string, Array<{ alertId: string; status: Seen }>>();
    for (const delivery of firstSeen.values()) {
      if (!STATE_ALERTS.has(delivery.type)) continue;
      const id = delivery.portoutId ?? '?';
      const status = (delivery.type === 'vanished' ? 'gone' : delivery.status) as Seen;
      deliveredById.set(id, [...(deliveredById.get(id) ?? []), { alertId: delivery.alertId, status }]);
    }
    let due = 0;
    for (const id of new Set([...this.history.keys(), ...deliveredById.keys()])) {
      const wanted = (this.history.get(id) ?? []).filter((step) => step.due).map((step) => step.status);
      const got = deliveredById.get(id) ?? [];
      due += wanted.length;
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

    for (const fact of facts) {
      if (!fact.due) continue;
      due += 1;
      if (!fact.covered) lost.push(fact.label);
    }
    // People get a machines-only document through the summary or digest that names it; machines get every
    // document a digest names.
    for (const delivery of firstSeen.values()) {
      const forPeople = delivery.audience === undefined || delivery.audience.includes('people');
      if (!GROUPS.has(delivery.type) && !forPeople && !groupsCover.has(delivery.alertId)) lost.push(`people:${delivery.alertId}`);
    }
    for (const alertId of groupsCover) if (!documents.has(alertId)) lost.push(`machines:${alertId}`);

    return {
      due,
      delivered: [...firstSeen.values()].filter((delivery) => !GROUPS.has(delivery.type)).length,
      lost,
      duplicates: judged.length - firstSeen.size,
      falseAlerts,
      otherAlerts,
    };
  }
}
