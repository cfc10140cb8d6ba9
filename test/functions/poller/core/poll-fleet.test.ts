import { describe, expect, it } from 'vitest';
import { ACCOUNT_START_RESERVE_MS, pollFleet, type FleetAccount, type FleetOptions } from '../../../../functions/poller/core/poll-fleet.ts';
import { DEFAULT_ALERT_POLICY } from '../../../../functions/poller/core/policy.ts';
import { portout } from '../../../support/factories.ts';
import { InMemoryStateStore, listing, RecordingNotifier, ScriptedSource } from '../../../support/fakes.ts';

const NOW = Date.parse('2026-11-27T12:00:00Z');

function account(name: string, source = new ScriptedSource(), store = new InMemoryStateStore()): FleetAccount & { source: ScriptedSource; store: InMemoryStateStore } {
  return { ref: { name, label: name }, managed: false, source, store };
}

function options(overrides: Partial<FleetOptions> = {}): FleetOptions {
  return { notifier: new RecordingNotifier(), runId: 'run-1', policy: DEFAULT_ALERT_POLICY, clock: () => NOW, concurrency: 8, nameAccounts: true, ...overrides };
}

describe('pollFleet', () => {
  it("polls each account against its own records: one account's port-out is news only there", async () => {
    const a = account('brand-a');
    const b = account('brand-b');
    a.source.current = listing([portout({ id: 'p1' })]);
    b.source.current = listing([portout({ id: 'p2' })]);
    const notifier = new RecordingNotifier();
    const results = await pollFleet([a, b], options({ notifier }), { now: new Date(NOW), deadline: NOW + 60_000 });
    expect(results.map((r) => [r.account.name, r.kind])).toEqual([['brand-a', 'polled'], ['brand-b', 'polled']]);
    expect(notifier.sent.map((alert) => alert.alertId).sort()).toEqual(['p1.new.pending.v1', 'p2.new.pending.v1']);
    expect([...a.store.open.keys()]).toEqual(['p1']);
    expect([...b.store.open.keys()]).toEqual(['p2']);
  });

  it('turns a throwing account into its own result; the accounts after it are still polled', async () => {
    const broken = account('broken');
    broken.source.listWatchedPortouts = () => Promise.reject(new Error('Telnyx rejected the API key (HTTP 401)'));
    const fine = account('fine');
    fine.source.current = listing([portout({ id: 'p1' })]);
    const results = await pollFleet([broken, fine], options({ concurrency: 1 }), { now: new Date(NOW), deadline: NOW + 60_000 });
    expect(results[0]).toMatchObject({ account: { name: 'broken' }, kind: 'threw', error: { message: 'Telnyx rejected the API key (HTTP 401)' } });
    expect(results[1]).toMatchObject({ account: { name: 'fine' }, kind: 'polled', report: { outcome: 'ok', published: 1 } });
  });

  it('polls at most `concurrency` accounts at once', async () => {
    let inFlight = 0;
    let most = 0;
    const accounts = Array.from({ length: 7 }, (_, i) => {
      const a = account(`a${i}`);
      a.source.listWatchedPortouts = async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return listing([]);
      };
      return a;
    });
    const results = await pollFleet(accounts, options({ concurrency: 3 }), { now: new Date(NOW), deadline: NOW + 60_000 });
    expect(results.every((r) => r.kind === 'polled')).toBe(true);
    expect(most).toBe(3);
  });

  it('reports the accounts whose turn comes too close to the deadline as skipped, not dropped', async () => {
    let now = NOW;
    const slow = account('slow');
    slow.source.listWatchedPortouts = async () => {
      now += 60_000 - ACCOUNT_START_RESERVE_MS + 1;
      return listing([]);
    };
    const later = account('later');
    const results = await pollFleet([slow, later], options({ concurrency: 1, clock: () => now }), { now: new Date(NOW), deadline: NOW + 60_000 });
    expect(results.map((r) => [r.account.name, r.kind])).toEqual([['slow', 'polled'], ['later', 'skipped']]);
    expect(later.source.requestCount()).toBe(0);
  });

  it('starts each run somewhere else, so a fleet too big for a run leaves no account unwatched for long', async () => {
    const fleet = [account('a'), account('b'), account('c'), account('d'), account('e')];
    const polled = new Set<string>();
    // Runs every 5 minutes, and only the first account of each run fits before the deadline.
    for (let run = 0; run < 12; run++) {
      const start = NOW + run * 5 * 60_000;
      let now = start;
      for (const member of fleet) {
        member.source.listWatchedPortouts = async () => {
          now = start + 60_000;
          return listing([]);
        };
      }
      const results = await pollFleet(fleet, options({ concurrency: 1, clock: () => now }), { now: new Date(start), deadline: start + 60_000 });
      expect(results.map((result) => result.account.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(results.filter((result) => result.kind === 'polled')).toHaveLength(1);
      for (const result of results) if (result.kind === 'polled') polled.add(result.account.name);
    }
    expect([...polled].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('measures each account from its own start: a late account looks back from when it ran', async () => {
    let now = NOW;
    const first = account('first');
    first.source.listWatchedPortouts = async () => {
      now += 10_000;
      return listing([]);
    };
    const second = account('second');
    await pollFleet([first, second], options({ concurrency: 1, clock: () => now }), { now: new Date(NOW), deadline: NOW + 60_000 });
    const lookback = DEFAULT_ALERT_POLICY.lookbackHours * 3_600_000;
    expect(second.source.sinces[0]?.since).toBe(new Date(NOW + 10_000 - lookback).toISOString());
  });

  it("records a managed account's empty first run silently; one with requests waiting, and a configured one, announce it", async () => {
    const quiet = { ...account('managed-quiet'), managed: true };
    const busy = { ...account('managed-busy'), managed: true };
    busy.source.current = listing([portout({ id: 'p1' })]);
    const configured = account('brand-a');
    for (const member of [quiet, busy, configured]) member.store.initialized = false;
    const notifier = new RecordingNotifier();
    await pollFleet([quiet, busy, configured], options({ notifier }), { now: new Date(NOW), deadline: NOW + 60_000 });
    expect(notifier.sent.map((alert) => alert.alertId).sort()).toEqual(['p1.new.pending.v1', 'watch-started.brand-a', 'watch-started.managed-busy']);
    expect([quiet, busy, configured].map((member) => member.store.initialized)).toEqual([true, true, true]);
  });

  it('polls accounts known only later (after discovery) once they arrive, behind the others and within the same limit', async () => {
    let inFlight = 0;
    let most = 0;
    const order: string[] = [];
    const tracked = (name: string) => {
      const member = account(name);
      member.source.listWatchedPortouts = async () => {
        order.push(name);
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return listing([]);
      };
      return member;
    };
    let arrive: (accounts: FleetAccount[]) => void = () => {};
    const later = new Promise<FleetAccount[]>((resolve) => (arrive = resolve));
    const polling = pollFleet([tracked('a'), tracked('b'), tracked('c')], options({ concurrency: 2 }), { now: new Date(NOW), deadline: NOW + 60_000 }, later);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // The accounts in hand did not wait for the later ones.
    expect(order.sort()).toEqual(['a', 'b', 'c']);
    arrive([tracked('m1'), tracked('m2'), tracked('m3')]);
    const results = await polling;
    expect(results.map((r) => [r.account.name, r.kind])).toEqual([
      ['a', 'polled'], ['b', 'polled'], ['c', 'polled'], ['m1', 'polled'], ['m2', 'polled'], ['m3', 'polled'],
    ]);
    expect(most).toBe(2);
  });
});
