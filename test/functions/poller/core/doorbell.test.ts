import { describe, expect, it } from 'vitest';
import {
  accountsOf,
  answerDoorbell,
  hintFromKey,
  hintKey,
  parseWebhookTrigger,
  pollSawChange,
  type Doorbell,
  type DoorbellDeps,
  type DoorbellHint,
  type DoorbellTiming,
} from '../../../../functions/poller/core/doorbell.ts';
import type { TrackedPortout } from '../../../../functions/poller/core/ports.ts';
import { createMemoryDoorbell } from '../../../support/memory-doorbell.ts';

const tracked = (overrides: Partial<TrackedPortout> = {}): TrackedPortout => ({
  id: 'po-1',
  status: 'pending',
  focDate: null,
  phoneNumbers: ['+13035550101'],
  supportKey: 'PO_1',
  remindedHours: [],
  lastCommentAt: null,
  version: 1,
  ...overrides,
});
const statusHint = (portoutId: string, status = 'pending'): DoorbellHint => ({ portoutId, change: 'status', status });

/** Timing scaled down 100×, so the real concurrency runs in milliseconds. */
const TIMING: DoorbellTiming = { minPollGapMs: 20, followUpDelaysMs: [20, 50] };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A Telnyx account behind a listing: `file(id)` makes the change real, and the listing shows it to polls that
 * start `lagMs` later. Each poll takes `pollMs` and records what it saw in `records`, as the state store would.
 */
function account({ lagMs = 0, pollMs = 5 }: { lagMs?: number; pollMs?: number } = {}) {
  const filedAt = new Map<string, number>();
  const records = new Map<string, TrackedPortout>();
  const pollStarts: number[] = [];
  let running = 0;
  let maxConcurrent = 0;
  const poll: DoorbellDeps['poll'] = async () => {
    const started = Date.now();
    pollStarts.push(started);
    running += 1;
    maxConcurrent = Math.max(maxConcurrent, running);
    await sleep(pollMs);
    running -= 1;
    const alertedIds: string[] = [];
    for (const [id, at] of filedAt) {
      if (at + lagMs <= started && !records.has(id)) {
        records.set(id, tracked({ id }));
        alertedIds.push(id);
      }
    }
    return { alertedIds };
  };
  return {
    file: (id: string) => filedAt.set(id, Date.now()),
    records,
    pollStarts,
    maxConcurrent: () => maxConcurrent,
    deps: (doorbell: Doorbell, holder: string): DoorbellDeps => ({
      doorbell,
      holder,
      poll,
      currentRecords: async (ids) => new Map(ids.flatMap((id) => (records.has(id) ? [[id, records.get(id)!] as const] : []))),
      timing: TIMING,
    }),
  };
}

const window = () => ({ lastPollStart: Date.now() + 60_000, hardStop: Date.now() + 90_000 });

describe('pollSawChange: has the poll caught up with what the webhook said?', () => {
  it('a status the poll alerted, or one already recorded, is seen', () => {
    expect(pollSawChange(statusHint('po-1', 'rejected-pending'), undefined, true)).toBe(true);
    expect(pollSawChange(statusHint('po-1', 'rejected-pending'), tracked({ status: 'rejected-pending' }), false)).toBe(true);
  });

  it('a watched status the listing does not show yet is not seen (a new request, or an older status recorded)', () => {
    expect(pollSawChange(statusHint('po-1', 'pending'), undefined, false)).toBe(false);
    expect(pollSawChange(statusHint('po-1', 'pending'), tracked({ status: 'rejected-pending' }), false)).toBe(false);
  });

  it('a closing status is seen once the record is closed, not while it is still open', () => {
    expect(pollSawChange(statusHint('po-1', 'authorized'), undefined, false)).toBe(true);
    expect(pollSawChange(statusHint('po-1', 'authorized'), tracked(), false)).toBe(false);
  });

  it('a FOC date is seen when the record holds the same instant, in any notation', () => {
    const hint: DoorbellHint = { portoutId: 'po-1', change: 'foc-date', focDate: '2026-12-03T16:00:00Z' };
    expect(pollSawChange(hint, tracked({ focDate: '2026-12-03T16:00:00.000Z' }), false)).toBe(true);
    expect(pollSawChange(hint, tracked({ focDate: '2026-12-04T16:00:00.000Z' }), false)).toBe(false);
    expect(pollSawChange(hint, undefined, false)).toBe(false);
  });

  it('a comment is seen once the record has a comment as new as the webhook', () => {
    const hint: DoorbellHint = { portoutId: 'po-1', change: 'comment', occurredAt: '2026-12-01T04:00:00Z' };
    expect(pollSawChange(hint, tracked({ lastCommentAt: '2026-12-01T04:00:00.000Z' }), false)).toBe(true);
    expect(pollSawChange(hint, tracked({ lastCommentAt: '2026-12-01T03:00:00.000Z' }), false)).toBe(false);
  });

  it('an unknown status is never taken as seen: fail open, poll again', () => {
    expect(pollSawChange({ portoutId: 'po-1', change: 'status', status: 'on-hold' }, undefined, false)).toBe(false);
  });
});

describe('the trigger event and its hints', () => {
  it('only a well-formed trigger from the receiver is one; the schedule’s event is not', () => {
    expect(parseWebhookTrigger({})).toBeNull();
    expect(parseWebhookTrigger({ 'detail-type': 'Scheduled Event' })).toBeNull();
    expect(parseWebhookTrigger({ source: 'portout-watch.webhook', hint: { portoutId: '../x', change: 'status' } })).toBeNull();
    expect(parseWebhookTrigger({ source: 'portout-watch.webhook', hint: { portoutId: 'po-1', change: 'delete' } })).toBeNull();
    expect(parseWebhookTrigger({ source: 'portout-watch.webhook', hint: statusHint('po-1'), receivedAt: 5 })).toEqual({
      source: 'portout-watch.webhook',
      hint: statusHint('po-1'),
      receivedAt: 5,
    });
  });

  it('a hint survives its stored form', () => {
    const hint: DoorbellHint = { portoutId: 'po-1', change: 'foc-date', focDate: '2026-12-03', occurredAt: '2026-12-01T04:00:00Z' };
    expect(hintFromKey(hintKey(hint))).toEqual(hint);
    expect(hintFromKey('not json')).toBeNull();
  });
});

describe('answerDoorbell: a webhook causes a poll now, and a bounded number in all', () => {
  it('one webhook, change already listed: one poll, then the session ends', async () => {
    const telnyx = account();
    const doorbell = createMemoryDoorbell();
    telnyx.file('po-1');
    const report = await answerDoorbell(telnyx.deps(doorbell, 'a'), statusHint('po-1'), window());
    expect(report).toMatchObject({ outcome: 'answered', polls: 1, hintsTaken: 1, hintsSeen: 1, followUps: 0, leftToSchedule: [] });
    expect(telnyx.records.has('po-1')).toBe(true);
  });

  it('a webhook for a change the listing does not show yet: polls again shortly, and that follow-up sees it', async () => {
    const telnyx = account({ lagMs: 15 });
    const doorbell = createMemoryDoorbell();
    telnyx.file('po-1');
    const report = await answerDoorbell(telnyx.deps(doorbell, 'a'), statusHint('po-1'), window());
    expect(report).toMatchObject({ polls: 2, hintsSeen: 1, followUps: 1, leftToSchedule: [] });
    expect(telnyx.pollStarts[1]! - telnyx.pollStarts[0]!).toBeGreaterThanOrEqual(TIMING.followUpDelaysMs[0]!);
  });

  it('a change the listing never shows: every follow-up, then it is left to the schedule', async () => {
    const telnyx = account({ lagMs: 60_000 });
    const doorbell = createMemoryDoorbell();
    telnyx.file('po-1');
    const report = await answerDoorbell(telnyx.deps(doorbell, 'a'), statusHint('po-1'), window());
    expect(report).toMatchObject({ polls: 1 + TIMING.followUpDelaysMs.length, hintsSeen: 0, leftToSchedule: [statusHint('po-1')] });
  });

  it('a duplicate or already-alerted webhook costs one poll and no follow-up', async () => {
    const telnyx = account();
    telnyx.file('po-1');
    const first = await answerDoorbell(telnyx.deps(createMemoryDoorbell(), 'a'), statusHint('po-1'), window());
    const again = await answerDoorbell(telnyx.deps(createMemoryDoorbell(), 'b'), statusHint('po-1'), window());
    expect([first.polls, again.polls, again.followUps]).toEqual([1, 1, 0]);
  });

  it('a webhook arriving while a poll runs joins the session and rides the next poll, a gap later', async () => {
    const telnyx = account({ pollMs: 30 });
    const doorbell = createMemoryDoorbell();
    telnyx.file('po-1');
    const first = answerDoorbell(telnyx.deps(doorbell, 'a'), statusHint('po-1'), window());
    while (telnyx.pollStarts.length === 0) await sleep(1);
    telnyx.file('po-2');
    const second = await answerDoorbell(telnyx.deps(doorbell, 'b'), statusHint('po-2'), window());
    expect(second).toMatchObject({ outcome: 'joined', polls: 0 });
    const report = await first;
    expect(report).toMatchObject({ polls: 2, hintsTaken: 2, hintsSeen: 2, leftToSchedule: [] });
    expect(telnyx.pollStarts[1]! - telnyx.pollStarts[0]!).toBeGreaterThanOrEqual(TIMING.minPollGapMs);
    expect(telnyx.maxConcurrent()).toBe(1);
  });

  it('1,000 webhooks at once (600 port-outs, duplicates included): at most 2 polls, never two at once', async () => {
    const telnyx = account({ pollMs: 10 });
    const doorbell = createMemoryDoorbell();
    const hints = Array.from({ length: 1_000 }, (_, n) => statusHint(`po-${n % 600}`));
    for (const hint of hints) telnyx.file(hint.portoutId);
    const started = Date.now();
    const reports = await Promise.all(hints.map((hint, n) => answerDoorbell(telnyx.deps(doorbell, `inv-${n}`), hint, window())));
    const burstMs = Date.now() - started;
    const polls = reports.reduce((sum, report) => sum + report.polls, 0);
    // The bound: one poll start per gap while the burst lasts, plus the follow-ups of the last hints taken.
    expect(polls).toBeLessThanOrEqual(Math.ceil(burstMs / TIMING.minPollGapMs) + 1);
    // Every change is listed, so no follow-up: one poll takes what rang before it, a second what rang during it.
    expect(polls).toBeLessThanOrEqual(2);
    expect(reports.filter((report) => report.outcome === 'answered')).toHaveLength(1);
    expect(reports.reduce((sum, report) => sum + report.hintsSeen, 0)).toBe(600);
    expect(telnyx.records.size).toBe(600);
    expect(telnyx.maxConcurrent()).toBe(1);
    expect(doorbell.waiting()).toEqual([]);
  });

  it('a steady stream of webhooks never polls more often than the gap', async () => {
    const telnyx = account({ pollMs: 2 });
    const doorbell = createMemoryDoorbell();
    const runs: Promise<unknown>[] = [];
    for (let n = 0; n < 40; n++) {
      telnyx.file(`po-${n}`);
      runs.push(answerDoorbell(telnyx.deps(doorbell, `inv-${n}`), statusHint(`po-${n}`), window()));
      await sleep(3);
    }
    await Promise.all(runs);
    const gaps = telnyx.pollStarts.slice(1).map((at, n) => at - telnyx.pollStarts[n]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(TIMING.minPollGapMs - 1);
    expect(telnyx.records.size).toBe(40);
  });

  it('out of time: no poll starts after lastPollStart; the waiting hints are left to the schedule', async () => {
    const telnyx = account();
    const doorbell = createMemoryDoorbell();
    const report = await answerDoorbell(telnyx.deps(doorbell, 'a'), statusHint('po-1'), { lastPollStart: Date.now() - 1, hardStop: Date.now() + 1_000 });
    expect(report).toMatchObject({ outcome: 'answered', polls: 0, leftToSchedule: [statusHint('po-1')] });
    // Released, so the next webhook's invocation can answer.
    expect((await doorbell.claim('b', Date.now(), Date.now() + 1_000)).claimed).toBe(true);
  });

  it('a poll that throws frees the doorbell at once and fails the invocation (its on-failure queue is alarmed)', async () => {
    const telnyx = account();
    const doorbell = createMemoryDoorbell();
    const failing: DoorbellDeps = { ...telnyx.deps(doorbell, 'a'), poll: async () => Promise.reject(new Error('TelnyxAuthError')) };
    await expect(answerDoorbell(failing, statusHint('po-1'), window())).rejects.toThrow('TelnyxAuthError');
    expect((await doorbell.claim('b', Date.now(), Date.now() + 1_000)).claimed).toBe(true);
  });

  it('a session that crashed holds the doorbell only until its invocation would have been stopped', async () => {
    const telnyx = account();
    const doorbell = createMemoryDoorbell();
    await doorbell.claim('crashed', Date.now(), Date.now() + 30);
    const meanwhile = await answerDoorbell(telnyx.deps(doorbell, 'a'), statusHint('po-1'), window());
    expect(meanwhile.outcome).toBe('joined');
    await sleep(40);
    telnyx.file('po-1');
    const after = await answerDoorbell(telnyx.deps(doorbell, 'b'), statusHint('po-2'), window());
    // It takes the hint the crashed session never took, too.
    expect(after).toMatchObject({ outcome: 'answered', hintsTaken: 2 });
  });
});

describe('hints that name their account: the poll answering them polls those accounts alone', () => {
  const named = (portoutId: string, account?: string): DoorbellHint => ({ ...statusHint(portoutId), ...(account ? { account } : {}) });

  it('the trigger carries a valid account name; anything else is not a trigger', () => {
    expect(parseWebhookTrigger({ source: 'portout-watch.webhook', hint: named('po-1', 'brand-b'), receivedAt: 5 })?.hint).toEqual(named('po-1', 'brand-b'));
    for (const account of ['Brand-B', '../x', 42, '']) {
      expect(parseWebhookTrigger({ source: 'portout-watch.webhook', hint: { ...statusHint('po-1'), account }, receivedAt: 5 })).toBeNull();
    }
  });

  it('the account survives the stored form; a hint without one is stored exactly as before, and an older key still reads', () => {
    expect(hintFromKey(hintKey(named('po-1', 'brand-b')))).toEqual(named('po-1', 'brand-b'));
    expect(hintKey(statusHint('po-1'))).toBe(JSON.stringify(['po-1', 'status', 'pending', null, null]));
    expect(hintKey(named('po-1', 'brand-a'))).not.toBe(hintKey(named('po-1', 'brand-b')));
  });

  it('accountsOf: the union of the named accounts, or every account as soon as one hint names none', () => {
    expect(accountsOf([named('po-1', 'brand-b'), named('po-2', 'brand-a'), named('po-3', 'brand-b')])).toEqual(['brand-a', 'brand-b']);
    expect(accountsOf([named('po-1', 'brand-b'), named('po-2')])).toBeUndefined();
  });

  async function session(hints: DoorbellHint[], lagMs = 0) {
    const telnyx = account({ pollMs: 30, lagMs });
    const polled: Array<readonly string[] | undefined> = [];
    const doorbell = createMemoryDoorbell();
    const deps = (holder: string): DoorbellDeps => {
      const base = telnyx.deps(doorbell, holder);
      return { ...base, poll: (accounts) => (polled.push(accounts), base.poll(accounts)) };
    };
    for (const hint of hints) telnyx.file(hint.portoutId);
    const [first, ...rest] = hints;
    const answering = answerDoorbell(deps('a'), first!, window());
    while (telnyx.pollStarts.length === 0) await sleep(1);
    // Rung while the first poll runs: taken together before the next one.
    await Promise.all(rest.map((hint, n) => answerDoorbell(deps(`b${n}`), hint, window())));
    const report = await answering;
    return { report, polled };
  }

  it('each poll covers the accounts of the hints it answers, and only those', async () => {
    const { report, polled } = await session([named('po-1', 'brand-a'), named('po-2', 'brand-c'), named('po-3', 'brand-b')]);
    expect(report).toMatchObject({ polls: 2, hintsSeen: 3 });
    expect(polled).toEqual([['brand-a'], ['brand-b', 'brand-c']]);
  });

  it('a follow-up polls only the account of the hint it follows up', async () => {
    const telnyx = account({ lagMs: 15 });
    const polled: Array<readonly string[] | undefined> = [];
    const base = telnyx.deps(createMemoryDoorbell(), 'a');
    telnyx.file('po-1');
    const report = await answerDoorbell({ ...base, poll: (accounts) => (polled.push(accounts), base.poll(accounts)) }, named('po-1', 'brand-b'), window());
    expect(report).toMatchObject({ polls: 2, followUps: 1 });
    expect(polled).toEqual([['brand-b'], ['brand-b']]);
  });

  it('a hint naming no account (a single-account deployment) makes its poll cover every account, as before', async () => {
    const { polled } = await session([named('po-1'), named('po-2', 'brand-b')]);
    expect(polled).toEqual([undefined, ['brand-b']]);
  });
});
