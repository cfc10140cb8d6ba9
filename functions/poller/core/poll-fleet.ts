import type { AccountRef } from './accounts.ts';
import { createLimiter } from './concurrency.ts';
import type { AlertPolicy } from './policy.ts';
import type { Notifier, PortoutSource, SourceFailure, StateStore } from './ports.ts';
import { PUBLISH_RESERVE_MS, runPoll, type PollContext, type PollReport } from './run-poll.ts';

/** One account to poll this run, with its own source and store (its own records and lease). */
export interface FleetAccount {
  ref: AccountRef;
  /** Discovered through the manager account rather than configured. */
  managed: boolean;
  source: PortoutSource;
  store: StateStore;
}

export type AccountOutcome =
  | { kind: 'polled'; report: PollReport }
  /** The poll threw (a refused key, an unreadable state table): nothing was recorded that could hide an event. */
  | { kind: 'threw'; error: Error }
  /** Not started: too little of the run was left when its turn came. */
  | { kind: 'skipped' }
  /** A managed account whose key could not be retrieved this run. */
  | { kind: 'unreachable'; failure: SourceFailure };

export type AccountResult = { account: AccountRef; managed: boolean } & AccountOutcome;

export interface FleetReport {
  accounts: AccountResult[];
  /** Managed accounts Telnyx lists as disabled, blocked or cancelled: not polled. */
  disabled: AccountRef[];
  /** How the managed-account listing went; null when no manager key is configured, or the run polled `only`. */
  discovery: {
    complete: boolean;
    failures: SourceFailure[];
    managerKeyRefused: boolean;
    /** Managed accounts Telnyx confirmed deleted this run: no longer watched. */
    removed: AccountRef[];
    requests: number;
    /** Managed accounts whose key is a configured account's: polled once, as the configured account. Names only. */
    alsoConfigured: Array<{ managed: string; configured: string }>;
  } | null;
  /**
   * Set when the run polled only these configured accounts (a webhook's): it says nothing about the others, so it
   * never counts toward the fleet's heartbeat.
   */
  only?: string[];
}

export interface FleetOptions {
  notifier: Notifier;
  runId: string;
  policy: AlertPolicy;
  clock?: () => number;
  /** Accounts polled at once. */
  concurrency: number;
  /** Alerts name their account: set when the deployment watches more than the lone `default` account. */
  nameAccounts: boolean;
}

/** An account needs a listing round trip and the publish reserve; with less left, starting it only adds noise. */
export const ACCOUNT_START_RESERVE_MS = 2 * PUBLISH_RESERVE_MS;

/** The same order turned to start at `first`, and back. */
function rotate<T>(items: readonly T[], first: number): T[] {
  return [...items.slice(first), ...items.slice(0, first)];
}

/**
 * Polls each account with `runPoll`, a few at once. Each has its own records and lease, and whatever one account
 * ends in (a refused key, an outage, a throw) is its own result: it never stops the others. Accounts whose turn
 * comes too close to the deadline are reported skipped, not dropped.
 *
 * `later` holds accounts known only once the run is under way (the managed ones, after discovery): they queue for
 * the same `concurrency` slots behind the accounts already waiting, so a slow discovery delays only them. Results
 * come back as `accounts`, then `later`, each in its own order.
 */
export async function pollFleet(
  accounts: readonly FleetAccount[],
  options: FleetOptions,
  ctx: PollContext,
  later: Promise<readonly FleetAccount[]> = Promise.resolve([]),
): Promise<AccountResult[]> {
  const clock = options.clock ?? Date.now;
  const limit = createLimiter(options.concurrency);
  // Each run starts at an account picked from its minute: a fleet too big for one run leaves a different tail each
  // time (reported skipped), so no account goes unwatched run after run. The minute is scrambled (Knuth's
  // multiplicative hash) because a plain minute would step by the schedule's interval and could cycle through a few
  // starts only.
  const minute = Math.floor(ctx.now.getTime() / 60_000);
  const pollOne = async ({ ref, managed, source, store }: FleetAccount): Promise<AccountResult> => {
    const startedAt = clock();
    if (ctx.deadline - startedAt < ACCOUNT_START_RESERVE_MS) return { account: ref, managed, kind: 'skipped' };
    const render = options.nameAccounts ? { ...options.policy.render, account: ref } : options.policy.render;
    // A managed account's first run with nothing waiting is recorded silently: a first deploy over hundreds of
    // managed accounts would otherwise send each one's empty summary to every recipient.
    const policy = { ...options.policy, render, ...(managed ? { announceEmptyFirstRun: false } : {}) };
    try {
      // Each account's own start time: a late account's look-back and reminders are measured from when it ran.
      const report = await runPoll(
        { source, store, notifier: options.notifier, runId: options.runId, policy, clock },
        { ...ctx, now: new Date(startedAt) },
      );
      return { account: ref, managed, kind: 'polled', report };
    } catch (error) {
      return { account: ref, managed, kind: 'threw', error: error instanceof Error ? error : new Error(String(error)) };
    }
  };
  const pollGroup = async (group: readonly FleetAccount[]): Promise<AccountResult[]> => {
    const first = group.length === 0 ? 0 : (Math.imul(minute, 2_654_435_761) >>> 0) % group.length;
    const results = await Promise.all(rotate(group, first).map((account) => limit(() => pollOne(account))));
    return rotate(results, group.length - first);
  };
  const [now, afterwards] = await Promise.all([pollGroup(accounts), later.then(pollGroup)]);
  return [...now, ...afterwards];
}
