import { beforeEach, describe, expect, it } from 'vitest';
import { PUBLISH_RESERVE_MS, runPoll, type PollDeps } from '../../../../functions/poller/core/run-poll.ts';
import { DEFAULT_ALERT_POLICY } from '../../../../functions/poller/core/policy.ts';
import { readStatus } from '../../../../functions/poller/core/portout.ts';
import { portout, portoutComment, trackedOf } from '../../../support/factories.ts';
import { InMemoryStateStore, listing, RecordingNotifier, ScriptedSource } from '../../../support/fakes.ts';

const NOW = Date.parse('2026-11-27T12:00:00Z');

describe('runPoll', () => {
  let source: ScriptedSource;
  let store: InMemoryStateStore;
  let notifier: RecordingNotifier;
  let deps: PollDeps;
  const ctx = { now: new Date(NOW), deadline: NOW + 60_000 };

  beforeEach(() => {
    source = new ScriptedSource();
    store = new InMemoryStateStore();
    notifier = new RecordingNotifier();
    deps = { source, store, notifier, runId: 'run-1', clock: () => NOW };
  });

  it('alerts a new request and records it after SNS accepted it', async () => {
    source.current = listing([portout({ id: 'a' })]);
    const report = await runPoll(deps, ctx);
    expect(report.outcome).toBe('ok');
    expect(notifier.sent.map((a) => a.alertId)).toEqual(['a.new.pending.v1']);
    expect(store.open.get('a')).toMatchObject({ status: 'pending', version: 1 });
    expect(store.lease).toBeNull();
  });

  it('alerts port-outs with unreadable fields or unknown statuses, and reports them by field and status name', async () => {
    const tbd = { field: 'foc_date', value: '"TBD"' };
    source.current = listing([
      portout({ id: 'a', focDate: null, unreadable: [tbd] }),
      portout({ id: 'b', status: readStatus('on-hold')!, focDate: null, unreadable: [tbd, { field: 'carrier_name', value: '42' }] }),
    ]);
    source.rejected = { portouts: [portout({ id: 'r', status: 'rejected', unreadable: [{ field: 'pon', value: '[]' }] })], invalid: [], complete: true, failures: [] };
    const report = await runPoll(deps, ctx);
    expect(notifier.sent.map((a) => a.alertId).sort()).toEqual(['a.new.pending.v1', 'b.new.on-hold.v1', 'r.possible-fraud.rejected.v1']);
    expect(report.invalid).toEqual([]);
    expect(report.oddData).toEqual({ unreadableFields: { foc_date: 2, carrier_name: 1, pon: 1 }, unknownStatuses: { 'on-hold': 1 } });
  });

  it('a run with no change publishes nothing and writes nothing, not even the lease', async () => {
    store.open.set('a', trackedOf(portout({ id: 'a' })));
    source.current = listing([portout({ id: 'a' })]);
    const report = await runPoll(deps, ctx);
    expect(report.outcome).toBe('ok');
    expect(notifier.calls).toBe(0);
    expect(store.writes).toBe(0);
    // The listing, the rejected query and the comment feed: one request each.
    expect(report.telnyxRequests).toBe(3);
  });

  it('an alert SNS refused leaves the state as it was, so the next run alerts again', async () => {
    source.current = listing([portout({ id: 'a' }), portout({ id: 'b' })]);
    notifier.rejectFor.add('a');
    const first = await runPoll(deps, ctx);
    expect(first.outcome).toBe('partial');
    expect(first.publishFailures).toEqual([{ alertId: 'a.new.pending.v1', reason: 'Throttled' }]);
    expect(store.open.has('a')).toBe(false);
    expect(store.open.has('b')).toBe(true);

    notifier.rejectFor.clear();
    const second = await runPoll(deps, ctx);
    expect(second.outcome).toBe('ok');
    expect(notifier.sent.map((a) => a.alertId)).toEqual(['b.new.pending.v1', 'a.new.pending.v1']);
  });

  it('a failed page never turns tracked requests into "left" events', async () => {
    store.open.set('a', trackedOf(portout({ id: 'a' })));
    source.current = listing([], { complete: false, failures: [{ kind: 'server-error', detail: 'HTTP 503', pageNumber: 2 }] });
    const report = await runPoll(deps, ctx);
    expect(source.lookups).toEqual([]);
    expect(notifier.sent).toEqual([]);
    expect(store.open.has('a')).toBe(true);
    expect(report.outcome).toBe('partial');
  });

  it('a failed page still lets the pages that arrived raise their alerts', async () => {
    source.current = listing([portout({ id: 'b' })], { complete: false, failures: [{ kind: 'timeout', detail: 'x', pageNumber: 2 }] });
    await runPoll(deps, ctx);
    expect(notifier.sent.map((a) => a.portoutId)).toEqual(['b']);
  });

  it('looks up a port-out missing from a complete listing and closes it once its new status is alerted', async () => {
    store.open.set('a', trackedOf(portout({ id: 'a' })));
    source.current = listing([]);
    source.retrievals.set('a', { kind: 'found', portout: portout({ id: 'a', status: 'authorized' }) });
    await runPoll(deps, ctx);
    expect(source.lookups).toEqual(['a']);
    expect(notifier.sent.map((a) => a.alertId)).toEqual(['a.status-changed.authorized.v2']);
    expect(store.open.has('a')).toBe(false);
    expect(store.closed.get('a')).toMatchObject({ status: 'authorized' });
  });

  it('says nothing about a missing port-out that is still pending (it moved between pages)', async () => {
    store.open.set('a', trackedOf(portout({ id: 'a' })));
    source.current = listing([]);
    source.retrievals.set('a', { kind: 'found', portout: portout({ id: 'a', status: 'pending' }) });
    await runPoll(deps, ctx);
    expect(notifier.calls).toBe(0);
    expect(store.writes).toBe(0);
  });

  it('caps lookups per run and leaves the rest for the next run', async () => {
    for (const id of ['a', 'b', 'c']) store.open.set(id, trackedOf(portout({ id })));
    source.current = listing([]);
    const report = await runPoll({ ...deps, maxMissingLookups: 2 }, ctx);
    expect(source.lookups).toHaveLength(2);
    expect(report.missingDeferred).toBe(1);
    expect(report.outcome).toBe('partial');
    expect(report.shrinkAnomaly).toBe(false);
  });

  it('looks up a different part of a long missing list each minute, so none starves', async () => {
    for (const id of ['a', 'b', 'c']) store.open.set(id, trackedOf(portout({ id })));
    source.current = listing([]);
    for (const id of ['a', 'b', 'c']) source.retrievals.set(id, { kind: 'found', portout: portout({ id }) });
    const policy = { ...DEFAULT_ALERT_POLICY };
    for (let minute = 0; minute < 3; minute++) {
      const now = new Date(NOW + minute * 60_000);
      await runPoll({ ...deps, policy, maxMissingLookups: 1 }, { now, deadline: now.getTime() + 60_000 });
    }
    expect([...source.lookups].sort()).toEqual(['a', 'b', 'c']);
  });

  it('flags a listing that lost most tracked port-outs as an anomaly', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) store.open.set(id, trackedOf(portout({ id })));
    source.current = listing([]);
    for (const id of ['a', 'b', 'c', 'd', 'e']) source.retrievals.set(id, { kind: 'found', portout: portout({ id }) });
    const report = await runPoll(deps, ctx);
    expect(report.shrinkAnomaly).toBe(true);
    expect(notifier.calls).toBe(0);
  });

  it('holds a 404 as proof of nothing while the listing lost most of what is tracked', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) store.open.set(id, trackedOf(portout({ id })));
    source.current = listing([]);
    const report = await runPoll(deps, ctx);
    expect(report.vanishedHeld).toBe(5);
    expect(report.outcome).toBe('partial');
    expect(notifier.calls).toBe(0);
    expect(store.open.size).toBe(5);
  });

  it('takes a 404 as "no longer visible" when the listing is otherwise whole', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) store.open.set(id, trackedOf(portout({ id })));
    source.current = listing(['a', 'b', 'c', 'd'].map((id) => portout({ id })));
    await runPoll(deps, ctx);
    expect(notifier.sent.map((a) => a.alertId)).toEqual(['e.vanished.gone.v2']);
  });

  it('gives a request that vanished and came back new alert ids, never those of its first life', async () => {
    store.open.set('a', trackedOf(portout({ id: 'a' }), { version: 3 }));
    source.current = listing([]);
    await runPoll(deps, ctx);
    expect(notifier.sent.map((a) => a.alertId)).toEqual(['a.vanished.gone.v4']);
    source.current = listing([portout({ id: 'a' })]);
    await runPoll(deps, ctx);
    expect(notifier.sent.map((a) => a.alertId)).toEqual(['a.vanished.gone.v4', 'a.new.pending.v5']);
    expect(store.open.get('a')?.version).toBe(5);
  });

  it('reads no closed record on a quiet run', async () => {
    let reads = 0;
    store.loadClosedVersions = async () => {
      reads += 1;
      return new Map();
    };
    store.open.set('a', trackedOf(portout({ id: 'a' })));
    source.current = listing([portout({ id: 'a' })]);
    await runPoll(deps, ctx);
    expect(reads).toBe(0);
  });

  it('does not send a fraud alert twice when another run sent it while this one was looking', async () => {
    source.rejected = { portouts: [portout({ id: 'x', status: 'rejected' })], invalid: [], complete: true, failures: [] };
    const original = store.acquireLease.bind(store);
    store.acquireLease = async (...args) => {
      // The other run alerted and remembered it between our read and our lease.
      store.closed.set('x', trackedOf(portout({ id: 'x', status: 'rejected' })));
      return original(...args);
    };
    const report = await runPoll(deps, ctx);
    expect(notifier.calls).toBe(0);
    expect(report.superseded).toBe(1);
  });

  it('holds the lease until the platform would have killed the run', async () => {
    source.current = listing([portout({ id: 'a' })]);
    let until = 0;
    const original = store.acquireLease.bind(store);
    store.acquireLease = async (holder, now, untilMs) => {
      until = untilMs;
      return original(holder, now, untilMs);
    };
    await runPoll(deps, { ...ctx, hardStop: ctx.deadline + 60_000 });
    expect(until).toBe(ctx.deadline + 60_000);
    source.current = listing([portout({ id: 'a' }), portout({ id: 'b' })]);
    await runPoll(deps, { ...ctx, hardStop: undefined });
    expect(until).toBe(ctx.deadline + PUBLISH_RESERVE_MS);
  });

  it('leaves its events to a run that holds the lease', async () => {
    store.lease = { holder: 'other-run', until: NOW + 30_000 };
    source.current = listing([portout({ id: 'a' })]);
    const report = await runPoll(deps, ctx);
    expect(report.outcome).toBe('lease-busy');
    expect(notifier.calls).toBe(0);
    expect(store.lease).toEqual({ holder: 'other-run', until: NOW + 30_000 });
  });

  it('takes over a lease that expired', async () => {
    store.lease = { holder: 'crashed-run', until: NOW - 1 };
    source.current = listing([portout({ id: 'a' })]);
    expect((await runPoll(deps, ctx)).outcome).toBe('ok');
    expect(notifier.sent).toHaveLength(1);
  });

  it('drops events another run recorded between our read and our lease', async () => {
    source.current = listing([portout({ id: 'a' })]);
    const original = store.acquireLease.bind(store);
    store.acquireLease = async (...args) => {
      // The other run finished just before we took the lease.
      store.open.set('a', trackedOf(portout({ id: 'a' })));
      return original(...args);
    };
    const report = await runPoll(deps, ctx);
    expect(report.superseded).toBe(1);
    expect(notifier.calls).toBe(0);
  });

  it('counts delivered alerts whose write failed as possible duplicates', async () => {
    source.current = listing([portout({ id: 'a' })]);
    store.failWritesFor.add('a');
    const report = await runPoll(deps, ctx);
    expect(report.published).toBe(1);
    expect(report.possiblyDuplicated).toBe(1);
    expect(report.outcome).toBe('partial');
    // The next run repeats the alert: at least once, never zero times.
    store.failWritesFor.clear();
    await runPoll(deps, ctx);
    expect(notifier.sent.map((a) => a.alertId)).toEqual(['a.new.pending.v1', 'a.new.pending.v1']);
  });

  it('counts an alert a chat topic refused after the alert topic took it as a possible duplicate, and records nothing', async () => {
    source.current = listing([portout({ id: 'a' })]);
    const publish = notifier.publish.bind(notifier);
    notifier.publish = async (alerts) => {
      await publish(alerts);
      // The alert topic took it (SMS, email went out); a chat topic refused it, so the notifier reports it failed.
      return { delivered: [], failed: alerts.map((alert) => ({ alertId: alert.alertId, reason: 'chat topic: Throttled' })), partlyDelivered: alerts.map((alert) => alert.alertId) };
    };
    const report = await runPoll(deps, ctx);
    expect(report.possiblyDuplicated).toBe(1);
    expect(report.recorded).toBe(0);
    expect(report.outcome).toBe('partial');
  });

  it('publishes nothing when too little time is left to publish and record', async () => {
    source.current = listing([portout({ id: 'a' })]);
    const report = await runPoll(deps, { ...ctx, deadline: NOW + PUBLISH_RESERVE_MS - 1 });
    expect(report.outcome).toBe('deadline');
    expect(notifier.calls).toBe(0);
    expect(store.writes).toBe(0);
  });

  it('leaves a listed but unreadable port-out untouched and processes the others', async () => {
    store.open.set('a', trackedOf(portout({ id: 'a' })));
    source.current = listing([portout({ id: 'b' })], { invalid: [{ id: 'a', problem: 'status: unknown status' }] });
    const report = await runPoll(deps, ctx);
    expect(store.open.get('a')).toMatchObject({ version: 1, status: 'pending' });
    expect(source.lookups).toEqual([]);
    expect(notifier.sent.map((a) => a.portoutId)).toEqual(['b']);
    expect(report.invalid).toEqual([{ id: 'a', problem: 'status: unknown status' }]);
  });

  describe('first run', () => {
    beforeEach(() => {
      store.initialized = false;
    });

    it('sends one summary to people and one JSON document per request to machines, then records all', async () => {
      source.current = listing([portout({ id: 'a' }), portout({ id: 'b' })]);
      const report = await runPoll(deps, ctx);
      expect(report.outcome).toBe('ok');
      expect(notifier.sent.map((a) => [a.alertId, a.rendered.attributes.audience])).toEqual([
        ['watch-started', ['people']],
        ['a.new.pending.v1', ['machines']],
        ['b.new.pending.v1', ['machines']],
      ]);
      expect(notifier.sent[0]?.covers).toEqual(['a.new.pending.v1', 'b.new.pending.v1']);
      expect([...store.open.keys()]).toEqual(['a', 'b']);
      expect(store.initialized).toBe(true);
    });

    it('confirms it is watching even when there is nothing to watch', async () => {
      const report = await runPoll(deps, ctx);
      expect(report.outcome).toBe('ok');
      expect(notifier.sent.map((a) => a.alertId)).toEqual(['watch-started']);
      expect(store.initialized).toBe(true);
      // The second run is an ordinary quiet one.
      await runPoll(deps, ctx);
      expect(notifier.calls).toBe(1);
    });

    it('with announceEmptyFirstRun off, records an empty first run silently: initialized, nothing sent', async () => {
      const report = await runPoll({ ...deps, policy: { ...DEFAULT_ALERT_POLICY, announceEmptyFirstRun: false } }, ctx);
      expect(report.outcome).toBe('ok');
      expect(notifier.calls).toBe(0);
      expect(store.initialized).toBe(true);
      // A request arriving later is alerted as on any run, not summarised.
      source.current = listing([portout({ id: 'a' })]);
      await runPoll({ ...deps, policy: { ...DEFAULT_ALERT_POLICY, announceEmptyFirstRun: false } }, ctx);
      expect(notifier.sent.map((a) => a.alertId)).toEqual(['a.new.pending.v1']);
    });

    it('alerts each request on its own when the summary is turned off', async () => {
      source.current = listing([portout({ id: 'a' })]);
      await runPoll({ ...deps, policy: { ...DEFAULT_ALERT_POLICY, firstRunSummary: false } }, ctx);
      expect(notifier.sent.map((a) => [a.alertId, a.rendered.attributes.audience])).toEqual([['a.new.pending.v1', ['people', 'machines']]]);
      expect(store.initialized).toBe(true);
    });

    it('records nothing from an incomplete first listing', async () => {
      source.current = listing([portout({ id: 'a' })], { complete: false, failures: [{ kind: 'timeout', detail: 'x', pageNumber: 2 }] });
      const report = await runPoll(deps, ctx);
      expect(report.outcome).toBe('partial');
      expect(notifier.calls).toBe(0);
      expect(store.initialized).toBe(false);
    });

    it('retries the whole first run when people did not get the summary', async () => {
      source.current = listing([portout({ id: 'a' })]);
      notifier.rejectAlertIds.add('watch-started');
      await runPoll(deps, ctx);
      expect(store.open.size).toBe(0);
      expect(store.initialized).toBe(false);
    });
  });

  describe('digest', () => {
    const twelve = () => listing(Array.from({ length: 12 }, (_, i) => portout({ id: `n${i}` })));

    it('past the threshold, people get one digest and machines one document per event', async () => {
      source.current = twelve();
      const report = await runPoll(deps, ctx);
      const people = notifier.sent.filter((a) => (a.rendered.attributes.audience as string[]).includes('people'));
      expect(people.map((a) => a.alertId)).toEqual([expect.stringMatching(/^digest\.[0-9a-f]{8}$/)]);
      expect(people[0]?.covers).toHaveLength(12);
      expect(report.messages).toBe(13);
      expect(store.open.size).toBe(12);
    });

    it('publishes the digest before the documents it covers', async () => {
      source.current = twelve();
      const calls: string[][] = [];
      const publish = notifier.publish.bind(notifier);
      notifier.publish = async (alerts) => {
        calls.push(alerts.map((a) => a.alertId));
        return publish(alerts);
      };
      await runPoll(deps, ctx);
      expect(calls.map((ids) => ids.length)).toEqual([1, 12]);
      expect(calls[0]?.[0]).toMatch(/^digest\./);
    });

    it('holds back the documents of a digest SNS refused, so the next run repeats nothing', async () => {
      source.current = twelve();
      notifier.rejectWhen = (alert) => alert.alertId.startsWith('digest.');
      const report = await runPoll(deps, ctx);
      expect(report.published).toBe(0);
      expect(notifier.calls).toBe(1);
      expect(store.open.size).toBe(0);
      notifier.rejectWhen = () => false;
      await runPoll(deps, ctx);
      expect(notifier.sent).toHaveLength(13);
      expect(new Set(notifier.sent.map((a) => a.alertId)).size).toBe(13);
    });

    it('at the threshold, each event still goes out on its own', async () => {
      source.current = listing(Array.from({ length: 10 }, (_, i) => portout({ id: `n${i}` })));
      await runPoll(deps, ctx);
      expect(notifier.sent.filter((a) => a.alertId.startsWith('digest'))).toEqual([]);
      expect(notifier.sent).toHaveLength(10);
    });

    it('records no event whose digest SNS refused, though its JSON went out; the re-sent digest keeps its id', async () => {
      source.current = twelve();
      const first = await runPoll({ ...deps }, ctx);
      expect(first.outcome).toBe('ok');
      const digestId = notifier.sent[0]!.alertId;
      store.open.clear();
      notifier.sent = [];
      notifier.rejectAlertIds.add(digestId);
      const refused = await runPoll(deps, ctx);
      expect(refused.outcome).toBe('partial');
      expect(store.open.size).toBe(0);
      notifier.rejectAlertIds.clear();
      await runPoll(deps, ctx);
      expect(notifier.sent.filter((a) => a.alertId === digestId)).toHaveLength(1);
      expect(store.open.size).toBe(12);
    });
  });

  describe('the fraud gap', () => {
    it('alerts a request born rejected once, and remembers it', async () => {
      source.rejected = { portouts: [portout({ id: 'x', status: 'rejected' })], invalid: [], complete: true, failures: [] };
      await runPoll(deps, ctx);
      expect(notifier.sent.map((a) => a.alertId)).toEqual(['x.possible-fraud.rejected.v1']);
      expect(store.closed.get('x')).toMatchObject({ status: 'rejected' });
      await runPoll(deps, ctx);
      expect(notifier.sent).toHaveLength(1);
    });

    it('says nothing of a rejection it already reported as a status change', async () => {
      store.closed.set('y', trackedOf(portout({ id: 'y', status: 'rejected' })));
      source.rejected = { portouts: [portout({ id: 'y', status: 'rejected' })], invalid: [], complete: true, failures: [] };
      await runPoll(deps, ctx);
      expect(notifier.calls).toBe(0);
    });

    it('looks back as far as configured, from the run time', async () => {
      await runPoll({ ...deps, policy: { ...DEFAULT_ALERT_POLICY, lookbackHours: 48 } }, ctx);
      expect(source.sinces).toEqual([
        { query: 'rejected', since: '2026-11-25T12:00:00.000Z' },
        { query: 'comments', since: '2026-11-25T12:00:00.000Z' },
      ]);
    });

    it('does not ask for rejected requests or comments when those are turned off', async () => {
      const report = await runPoll({ ...deps, policy: { ...DEFAULT_ALERT_POLICY, watchRejected: false, watchComments: false } }, ctx);
      expect(source.sinces).toEqual([]);
      expect(report.telnyxRequests).toBe(1);
    });
  });

  describe('comments', () => {
    it('alerts a new comment on a watched request', async () => {
      store.open.set('a', trackedOf(portout({ id: 'a' })));
      source.current = listing([portout({ id: 'a' })]);
      source.addComment(portoutComment({ portoutId: 'a' }));
      await runPoll(deps, ctx);
      expect(notifier.sent.map((a) => a.alertId)).toEqual(['a.new-comment.pending.v2']);
      expect(store.open.get('a')?.lastCommentAt).toBe('2026-11-27T11:00:00.000Z');
    });

    it('ignores a comment feed that came back incomplete, so no comment is skipped for good', async () => {
      store.open.set('a', trackedOf(portout({ id: 'a' })));
      source.current = listing([portout({ id: 'a' })]);
      source.comments = {
        comments: [portoutComment({ portoutId: 'a' })],
        invalid: [],
        complete: false,
        failures: [{ kind: 'server-error', detail: 'HTTP 502', pageNumber: 2 }],
      };
      const report = await runPoll(deps, ctx);
      expect(notifier.calls).toBe(0);
      expect(report.outcome).toBe('degraded');
      expect(report.queries.comments).toEqual({ asked: true, failures: [{ kind: 'server-error', detail: 'HTTP 502', pageNumber: 2 }] });
    });
  });

  describe('the health of each Telnyx query', () => {
    const failure = { kind: 'server-error' as const, detail: 'HTTP 500 after 3 attempt(s)', pageNumber: 1 };

    it('a quiet run reports every query asked and answered, lookups not needed', async () => {
      const report = await runPoll(deps, ctx);
      expect(report.queries).toEqual({
        listing: { asked: true, failures: [] },
        lookups: { asked: false, failures: [] },
        'fraud-gap': { asked: true, failures: [] },
        comments: { asked: true, failures: [] },
      });
    });

    it('a failing fraud-gap query makes every run degraded, not ok, while status alerts still go out', async () => {
      source.rejected = { portouts: [], invalid: [], complete: false, failures: [failure] };
      for (const id of ['a', 'b', 'c']) {
        source.current = listing([...store.open.values()].map((record) => portout({ id: record.id })).concat(portout({ id })));
        const report = await runPoll(deps, ctx);
        expect(report.outcome).toBe('degraded');
        expect(report.queries['fraud-gap'].failures).toEqual([failure]);
        expect(report.events.map((event) => event.portoutId)).toContain(id);
      }
    });

    it('a failing comment feed makes every run degraded, run after run', async () => {
      store.open.set('a', trackedOf(portout({ id: 'a' })));
      source.current = listing([portout({ id: 'a' })]);
      source.comments = { comments: [], invalid: [], complete: false, failures: [{ ...failure, kind: 'client-error', detail: 'HTTP 404 for a listing' }] };
      for (let run = 0; run < 3; run++) expect((await runPoll(deps, ctx)).outcome).toBe('degraded');
    });

    it('a query that is turned off is not asked, and cannot degrade the run', async () => {
      source.rejected = { portouts: [], invalid: [], complete: false, failures: [failure] };
      const report = await runPoll({ ...deps, policy: { ...DEFAULT_ALERT_POLICY, watchRejected: false } }, ctx);
      expect(report.outcome).toBe('ok');
      expect(report.queries['fraud-gap']).toEqual({ asked: false, failures: [] });
    });

    it('a failed lookup is the lookups query failing, and leaves the run partial', async () => {
      store.open.set('a', trackedOf(portout({ id: 'a' })));
      source.retrievals.set('a', { kind: 'failed', failure: { kind: 'timeout', detail: 'request timed out after 3 attempt(s)' } });
      source.comments = { comments: [], invalid: [], complete: false, failures: [failure] };
      const report = await runPoll(deps, ctx);
      // Work left for the next run outranks a side watch failing: partial, with both queries named.
      expect(report.outcome).toBe('partial');
      expect(report.queries.lookups).toEqual({ asked: true, failures: [{ kind: 'timeout', detail: 'request timed out after 3 attempt(s)' }] });
      expect(report.queries.comments.failures).toHaveLength(1);
    });

    it('a failed listing page is the listing query failing', async () => {
      source.current = listing([], { complete: false, failures: [failure] });
      const report = await runPoll(deps, ctx);
      expect(report.outcome).toBe('partial');
      expect(report.queries.listing.failures).toEqual([failure]);
    });
  });
});
