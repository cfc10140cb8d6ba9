import { ACCOUNT_NAME_PATTERN } from './accounts.ts';
import { isWatchedStatus, PORTOUT_ID_PATTERN, readStatus, sameInstant } from './portout.ts';
import type { TrackedPortout } from './ports.ts';

/**
 * The webhook path is a doorbell: a verified Telnyx webhook asks for a poll now, and the poll, with all its rules,
 * decides what to say. The webhook's content only tells whether that poll already saw the change, so that a
 * listing lagging behind its own webhook gets one or two more polls a few seconds later.
 */
export const WEBHOOK_TRIGGER_SOURCE = 'portout-watch.webhook';

export const HINT_CHANGES = ['status', 'foc-date', 'comment'] as const;
export type HintChange = (typeof HINT_CHANGES)[number];

/** What a webhook said changed; never alerted, only compared with what the poll recorded. */
export interface DoorbellHint {
  portoutId: string;
  change: HintChange;
  /** `status` hints: the new status. */
  status?: string;
  /** `foc-date` hints: the new FOC date. */
  focDate?: string;
  /** When Telnyx says the change happened (ISO 8601). */
  occurredAt?: string;
  /**
   * The account whose webhook it was, in a deployment watching several: the poll answering it polls that account
   * alone. Unset (a single-account deployment), the poll covers every account, as it always has.
   */
  account?: string;
}

/** The event the receiver invokes the poller with. */
export interface WebhookTrigger {
  source: typeof WEBHOOK_TRIGGER_SOURCE;
  hint: DoorbellHint;
  /** Epoch ms the receiver verified the webhook, for the latency measurement. */
  receivedAt: number;
}

const optionalString = (value: unknown, max: number): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;

/** The poller is invoked with anything (the schedule's event, a test, a human): only a well-formed trigger counts. */
export function parseWebhookTrigger(event: unknown): WebhookTrigger | null {
  if (typeof event !== 'object' || event === null) return null;
  const { source, hint, receivedAt } = event as Record<string, unknown>;
  if (source !== WEBHOOK_TRIGGER_SOURCE || typeof hint !== 'object' || hint === null) return null;
  const { portoutId, change, status, focDate, occurredAt, account } = hint as Record<string, unknown>;
  if (typeof portoutId !== 'string' || !PORTOUT_ID_PATTERN.test(portoutId)) return null;
  if (!(HINT_CHANGES as readonly unknown[]).includes(change)) return null;
  if (account !== undefined && (typeof account !== 'string' || !ACCOUNT_NAME_PATTERN.test(account))) return null;
  const parsed: DoorbellHint = { portoutId, change: change as HintChange };
  const statusText = optionalString(status, 32);
  const focText = optionalString(focDate, 64);
  const occurredText = optionalString(occurredAt, 64);
  if (statusText) parsed.status = statusText;
  if (focText) parsed.focDate = focText;
  if (occurredText) parsed.occurredAt = occurredText;
  if (typeof account === 'string') parsed.account = account;
  return {
    source: WEBHOOK_TRIGGER_SOURCE,
    hint: parsed,
    receivedAt: typeof receivedAt === 'number' && Number.isFinite(receivedAt) ? receivedAt : Date.now(),
  };
}

/**
 * One key per distinct hint, so duplicate deliveries of one webhook wait as one. The account comes last and only when
 * set: a single-account deployment's keys are what they always were, and a key left by an older version still reads.
 */
export function hintKey(hint: DoorbellHint): string {
  const fields = [hint.portoutId, hint.change, hint.status ?? null, hint.focDate ?? null, hint.occurredAt ?? null];
  return JSON.stringify(hint.account === undefined ? fields : [...fields, hint.account]);
}

export function hintFromKey(key: string): DoorbellHint | null {
  try {
    const [portoutId, change, status, focDate, occurredAt, account] = JSON.parse(key) as unknown[];
    return parseWebhookTrigger({ source: WEBHOOK_TRIGGER_SOURCE, hint: { portoutId, change, status, focDate, occurredAt, account } })?.hint ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether the poll that just ran has caught up with a hint. `record` is the port-out's open record after that
 * poll (undefined: not open), `alertedNow` whether that poll alerted this port-out. When in doubt it answers no:
 * an unneeded follow-up costs one poll, a missed one costs an interval of delay.
 */
export function pollSawChange(hint: DoorbellHint, record: TrackedPortout | undefined, alertedNow: boolean): boolean {
  if (alertedNow) return true;
  switch (hint.change) {
    case 'status': {
      // Read as the poller reads it, so a status Telnyx added (watched, kept sanitized) is compared the same way.
      const status = readStatus(hint.status);
      if (status === null) return false;
      // A watched status must be open with that status; an unwatched one is closed (or was never ours to watch).
      return isWatchedStatus(status) ? record?.status === status : record === undefined;
    }
    case 'foc-date':
      return sameInstant(record?.focDate, hint.focDate);
    case 'comment':
      return record?.lastCommentAt != null && hint.occurredAt !== undefined && Date.parse(record.lastCommentAt) >= Date.parse(hint.occurredAt);
  }
}

/** The doorbell's shared state (one DynamoDB item in the state table): waiting hints and who is answering. */
export interface Doorbell {
  /** Leaves a hint; says whether a session is answering (it will take the hint), or none is and one should claim. */
  ring(hint: DoorbellHint, nowMs: number): Promise<{ answering: boolean }>;
  /** Become the one session answering, until `untilMs`; also says when the last webhook-caused poll started. */
  claim(holder: string, nowMs: number, untilMs: number): Promise<{ claimed: boolean; lastPollAt: number }>;
  /** Takes every waiting hint, with the ring count at that moment. */
  take(holder: string): Promise<{ hints: DoorbellHint[]; rings: number }>;
  /**
   * Stops answering, unless it was rung after `rings` (then `rung`: take again). `rings` undefined stops anyway
   * (out of time; whatever waits is taken by the next ring's session, or the schedule's poll sees it).
   */
  release(holder: string, rings: number | undefined, lastPollAt: number): Promise<'released' | 'rung' | 'lost'>;
}

export interface DoorbellTiming {
  /** The bound on polls the webhook path can cause, whatever arrives: one poll start per gap. */
  minPollGapMs: number;
  /** After a poll that did not see a hinted change, poll again after each of these delays, then leave it to the schedule. */
  followUpDelaysMs: readonly number[];
}

/**
 * 2 s between polls: at most 30 webhook-caused polls a minute, however many webhooks arrive. Follow-ups 2 s then
 * 5 s after a poll that missed the change: Telnyx's listing is expected to lag its webhook by seconds, not minutes.
 */
export const DOORBELL_TIMING: DoorbellTiming = { minPollGapMs: 2_000, followUpDelaysMs: [2_000, 5_000] };

export interface PollSummary {
  /** Port-outs the poll alerted (report.events' ids). */
  alertedIds: string[];
}

export interface DoorbellDeps {
  doorbell: Doorbell;
  /**
   * Runs one poll, exactly as the schedule does, of these accounts (the ones the hints it answers name), or of every
   * account when `accounts` is undefined (a hint named none).
   */
  poll: (accounts: readonly string[] | undefined) => Promise<PollSummary>;
  /** The open records of these ids, read after a poll. */
  currentRecords: (ids: string[]) => Promise<Map<string, TrackedPortout>>;
  holder: string;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  timing?: DoorbellTiming;
}

export interface DoorbellContext {
  /** Epoch ms after which no poll may start (the time one poll needs already taken off). */
  lastPollStart: number;
  /** Epoch ms at which the platform stops this invocation; the claim lasts until then. */
  hardStop: number;
}

export interface DoorbellReport {
  /** `joined`: a session was already answering and took the hint. */
  outcome: 'answered' | 'joined';
  polls: number;
  hintsTaken: number;
  /** Hints seen by a poll (alerted then, or already recorded). */
  hintsSeen: number;
  followUps: number;
  /** Hints still unseen after every follow-up, or when time ran out: the scheduled poll is their safety net. */
  leftToSchedule: DoorbellHint[];
}

interface Waiting {
  hint: DoorbellHint;
  dueAt: number;
  followUps: number;
}

/** The accounts these hints name, for the poll answering them; undefined (every account) if one names none. */
export function accountsOf(hints: readonly DoorbellHint[]): string[] | undefined {
  const names = new Set<string>();
  for (const hint of hints) {
    if (hint.account === undefined) return undefined;
    names.add(hint.account);
  }
  return [...names].sort();
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Rings the doorbell with one hint and, if no session is answering, answers it: polls until every waiting hint has
 * been seen or has had its follow-ups, one poll per `minPollGapMs` at most, then stops unless rung meanwhile.
 */
export async function answerDoorbell(deps: DoorbellDeps, hint: DoorbellHint, ctx: DoorbellContext): Promise<DoorbellReport> {
  const clock = deps.clock ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const { minPollGapMs, followUpDelaysMs } = deps.timing ?? DOORBELL_TIMING;
  const report: DoorbellReport = { outcome: 'joined', polls: 0, hintsTaken: 0, hintsSeen: 0, followUps: 0, leftToSchedule: [] };
  const { answering } = await deps.doorbell.ring(hint, clock());
  if (answering) return report;
  const claim = await deps.doorbell.claim(deps.holder, clock(), ctx.hardStop);
  if (!claim.claimed) return report;
  report.outcome = 'answered';

  let lastPollAt = claim.lastPollAt;
  const waiting = new Map<string, Waiting>();
  try {
    for (;;) {
      const taken = await deps.doorbell.take(deps.holder);
      for (const takenHint of taken.hints) {
        const key = hintKey(takenHint);
        if (waiting.has(key)) continue;
        waiting.set(key, { hint: takenHint, dueAt: clock(), followUps: 0 });
        report.hintsTaken += 1;
      }
      if (waiting.size === 0) {
        const released = await deps.doorbell.release(deps.holder, taken.rings, lastPollAt);
        if (released === 'rung') continue;
        return report;
      }
      const nextPollAt = Math.max(Math.min(...[...waiting.values()].map((entry) => entry.dueAt)), lastPollAt + minPollGapMs);
      if (nextPollAt > ctx.lastPollStart) {
        report.leftToSchedule.push(...[...waiting.values()].map((entry) => entry.hint));
        await deps.doorbell.release(deps.holder, undefined, lastPollAt);
        return report;
      }
      const now = clock();
      if (now < nextPollAt) {
        // Whatever rings meanwhile is taken before the poll, and rides on it.
        await sleep(nextPollAt - now);
        continue;
      }

      lastPollAt = now;
      const due = [...waiting.entries()].filter(([, entry]) => entry.dueAt <= now);
      const summary = await deps.poll(accountsOf(due.map(([, entry]) => entry.hint)));
      report.polls += 1;
      const alerted = new Set(summary.alertedIds);
      const records = await deps.currentRecords([...new Set(due.map(([, entry]) => entry.hint.portoutId))]);
      for (const [key, entry] of due) {
        if (pollSawChange(entry.hint, records.get(entry.hint.portoutId), alerted.has(entry.hint.portoutId))) {
          report.hintsSeen += 1;
          waiting.delete(key);
          continue;
        }
        const delay = followUpDelaysMs[entry.followUps];
        if (delay === undefined) {
          report.leftToSchedule.push(entry.hint);
          waiting.delete(key);
          continue;
        }
        entry.followUps += 1;
        entry.dueAt = clock() + delay;
        report.followUps += 1;
      }
    }
  } catch (error) {
    // Free the doorbell at once, so the next webhook's invocation answers instead of waiting out this claim.
    await deps.doorbell.release(deps.holder, undefined, lastPollAt).catch(() => undefined);
    throw error;
  }
}
