import type { AccountRef } from './accounts.ts';
import { mapConcurrent } from './concurrency.ts';
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
  discovery: { complete: boolean; failures: SourceFailure[]; managerKeyRefused: boolean; requests: number } | null;
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


/**
 * Polls each account with `runPoll`, a few at once. Each has its own records and lease, and whatever one account
 * ends in (a refused key, an outage, a throw) is its own result: it never stops the others. Accounts whose turn
 * comes too close to the deadline are reported skipped, not dropped.
 */
export async function pollFleet(accounts: readonly FleetAccount[], options: FleetOptions, ctx: PollContext): Promise<AccountResult[]> {
  const clock = options.clock ?? Date.now;
  // Each run starts at an account picked from its minute: a fleet too big for one run leaves a different tail each
  // time (reported skipped), so no account goes unwatched run after run. The minute is scrambled (Knuth's
  // multiplicative hash) because a plain minute would step by the schedule's interval and could cycle through a few
  // starts only. Results come back in the accounts' own order.
  const minute = Math.floor(ctx.now.getTime() / 60_000);
  const first = accounts.length === 0 ? 0 : (Math.imul(minute, 2_654_435_761) >>> 0) % accounts.length;
  const rotated = [...accounts.slice(first), ...accounts.slice(0, first)];
  const results = await mapConcurrent(rotated, options.concurrency, async ({ ref, managed, source, store }): Promise<AccountResult> => {
    const startedAt = clock();
    if (ctx.deadline - startedAt < ACCOUNT_START_RESERVE_MS) return { account: ref, managed, kind: 'skipped' };
    const policy = options.nameAccounts ? { ...options.policy, render: { ...options.policy.render, account: ref } } : options.policy;
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
  });
  return [...results.slice(accounts.length - first), ...results.slice(0, accounts.length - first)];
}
