import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alertIdFor,
  crossedThresholds,
  diffPortouts,
  findPossibleFraud,
  resolveMissing,
  stateChangeFor,
  type DiffOptions,
} from '../../../../functions/poller/core/diff.ts';
import type { PortoutEvent } from '../../../../functions/poller/core/events.ts';
import { PORTOUT_STATUSES, readStatus, WATCHED_STATUSES, type PortoutStatus } from '../../../../functions/poller/core/portout.ts';
import type { TrackedPortout } from '../../../../functions/poller/core/ports.ts';
import { portout, portoutComment, trackedOf, trackedPortout } from '../../../support/factories.ts';

const NOW = new Date('2026-11-27T12:00:00.000Z');
const OPTIONS: DiffOptions = { now: NOW, reminderHours: [24], comments: null };
const complete = { complete: true, unreadableIds: new Set<string>() };
const incomplete = { complete: false, unreadableIds: new Set<string>() };
const inHours = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000).toISOString();

function trackedMap(...records: TrackedPortout[]) {
  return new Map(records.map((r) => [r.id, r]));
}

function summary(events: PortoutEvent[]) {
  return events.map((e) => `${e.type}:${e.type === 'vanished' ? e.tracked.id : e.portout.id}`);
}

describe('diffPortouts', () => {
  it.each([
    { name: 'an id never seen is new', listed: [portout({ id: 'a' })], known: [], expected: ['new:a'] },
    {
      name: 'pending to rejected-pending is a status change',
      listed: [portout({ id: 'a', status: 'rejected-pending' })],
      known: [trackedPortout({ id: 'a', status: 'pending' })],
      expected: ['status-changed:a'],
    },
    {
      name: 'rejected-pending back to pending is a status change',
      listed: [portout({ id: 'a', status: 'pending' })],
      known: [trackedPortout({ id: 'a', status: 'rejected-pending' })],
      expected: ['status-changed:a'],
    },
    {
      name: 'a new FOC date on an unchanged status is a FOC change',
      listed: [portout({ id: 'a', focDate: inHours(100) })],
      known: [trackedPortout({ id: 'a', focDate: inHours(200) })],
      expected: ['foc-date-changed:a'],
    },
    {
      name: 'a FOC date set for the first time is a FOC change',
      listed: [portout({ id: 'a', focDate: inHours(100) })],
      known: [trackedPortout({ id: 'a', focDate: null })],
      expected: ['foc-date-changed:a'],
    },
    {
      name: 'a status change and a FOC change in one run are one status event',
      listed: [portout({ id: 'a', status: 'rejected-pending', focDate: inHours(100) })],
      known: [trackedPortout({ id: 'a', focDate: inHours(200) })],
      expected: ['status-changed:a'],
    },
    {
      name: 'the same FOC instant written another way (+00:00, no milliseconds) is no FOC change',
      listed: [portout({ id: 'a', focDate: inHours(100).replace('.000Z', '+00:00') })],
      known: [trackedPortout({ id: 'a', focDate: inHours(100) })],
      expected: [],
    },
    {
      name: 'an unchanged port-out far from its FOC date yields nothing',
      listed: [portout({ id: 'a', focDate: inHours(100) })],
      known: [trackedPortout({ id: 'a', focDate: inHours(100) })],
      expected: [],
    },
  ])('$name', ({ listed, known, expected }) => {
    expect(summary(diffPortouts(listed, trackedMap(...known), complete, OPTIONS).events)).toEqual(expected);
  });

  it('reports a tracked id missing from a complete listing for lookup', () => {
    const { missing, events } = diffPortouts(
      [portout({ id: 'a' })],
      trackedMap(trackedOf(portout({ id: 'a' })), trackedPortout({ id: 'b' })),
      complete,
      OPTIONS,
    );
    expect(missing.map((m) => m.id)).toEqual(['b']);
    expect(events).toEqual([]);
  });

  it('a failed page never turns tracked requests into missing ones', () => {
    const { missing } = diffPortouts([], trackedMap(trackedPortout({ id: 'a' }), trackedPortout({ id: 'b' })), incomplete, OPTIONS);
    expect(missing).toEqual([]);
  });

  it('a listed item that failed validation is present, not missing', () => {
    const { missing } = diffPortouts([], trackedMap(trackedPortout({ id: 'a' })), { complete: true, unreadableIds: new Set(['a']) }, OPTIONS);
    expect(missing).toEqual([]);
  });

  describe('FOC reminders', () => {
    const listedAt = (hours: number) => [portout({ id: 'a', focDate: inHours(hours) })];

    it('reminds a request whose FOC date is inside the threshold, once', () => {
      const known = trackedPortout({ id: 'a', focDate: inHours(20) });
      const [event] = diffPortouts(listedAt(20), trackedMap(known), complete, OPTIONS).events;
      expect(event).toMatchObject({ type: 'foc-approaching', reminderHours: 24 });
      const after = stateChangeFor(event!, OPTIONS);
      expect(after).toMatchObject({ kind: 'upsert-open', record: { remindedHours: [24], version: 2 } });
      const again = diffPortouts(listedAt(20), trackedMap(after.kind === 'upsert-open' ? after.record : known), complete, OPTIONS);
      expect(again.events).toEqual([]);
    });

    it('sends the tightest threshold crossed and records every crossed one', () => {
      const options = { ...OPTIONS, reminderHours: [24, 4] };
      const known = trackedPortout({ id: 'a', focDate: inHours(3) });
      const [event] = diffPortouts(listedAt(3), trackedMap(known), complete, options).events;
      expect(event).toMatchObject({ type: 'foc-approaching', reminderHours: 4 });
      expect(stateChangeFor(event!, options)).toMatchObject({ record: { remindedHours: [24, 4] } });
    });

    it('needs no reminder for thresholds the first alert already covered', () => {
      const [event] = diffPortouts(listedAt(10), new Map(), complete, OPTIONS).events;
      expect(stateChangeFor(event!, OPTIONS)).toMatchObject({ record: { remindedHours: [24] } });
    });

    it('a moved FOC date resets the reminders to the new date', () => {
      const known = trackedPortout({ id: 'a', focDate: inHours(10), remindedHours: [24] });
      const [event] = diffPortouts(listedAt(100), trackedMap(known), complete, OPTIONS).events;
      expect(event?.type).toBe('foc-date-changed');
      expect(stateChangeFor(event!, OPTIONS)).toMatchObject({ record: { remindedHours: [], focDate: inHours(100) } });
    });

    it.each([
      { focDate: null, expected: [] },
      { focDate: 'not a date', expected: [] },
      { focDate: inHours(25), expected: [] },
      { focDate: inHours(24), expected: [24] },
      { focDate: inHours(-2), expected: [24, 4] },
    ])('crossedThresholds($focDate) = $expected', ({ focDate, expected }) => {
      expect(crossedThresholds(focDate, NOW, [24, 4])).toEqual(expected);
    });
  });

  describe('comments', () => {
    const comment = portoutComment({ portoutId: 'a', createdAt: '2026-11-27T11:00:00.000Z' });
    const withComments = { ...OPTIONS, comments: new Map([['a', [comment]]]) };

    it('alerts a comment newer than the last one alerted, and records it', () => {
      const known = trackedPortout({ id: 'a', focDate: inHours(100), lastCommentAt: '2026-11-27T10:00:00.000Z' });
      const [event] = diffPortouts([portout({ id: 'a', focDate: inHours(100) })], trackedMap(known), complete, withComments).events;
      expect(event).toMatchObject({ type: 'new-comment', comments: [comment] });
      expect(stateChangeFor(event!, withComments)).toMatchObject({ record: { lastCommentAt: comment.createdAt } });
    });

    it('does not alert a comment already alerted', () => {
      const known = trackedPortout({ id: 'a', focDate: inHours(100), lastCommentAt: comment.createdAt });
      expect(diffPortouts([portout({ id: 'a', focDate: inHours(100) })], trackedMap(known), complete, withComments).events).toEqual([]);
    });

    it('carries the comment inside a status change that came with it', () => {
      const known = trackedPortout({ id: 'a', status: 'rejected-pending', focDate: inHours(100) });
      const [event] = diffPortouts([portout({ id: 'a', focDate: inHours(100) })], trackedMap(known), complete, withComments).events;
      expect(event).toMatchObject({ type: 'status-changed', previousStatus: 'rejected-pending', comments: [comment] });
    });
  });
});

describe('resolveMissing', () => {
  const record = trackedPortout({ id: 'a', status: 'pending', version: 3 });

  it('a port-out still pending and unchanged only moved between pages: nothing happened', () => {
    expect(resolveMissing(record, { kind: 'found', portout: portout({ id: 'a', status: 'pending' }) }, OPTIONS)).toBeNull();
  });

  it.each(['authorized', 'ported', 'rejected', 'canceled', 'rejected-pending'] as const)('a port-out now %s is a status change', (status) => {
    const event = resolveMissing(record, { kind: 'found', portout: portout({ id: 'a', status }) }, OPTIONS);
    expect(event).toMatchObject({ type: 'status-changed', previousStatus: 'pending', portout: { status } });
  });

  it('a 404 is a "no longer visible" event', () => {
    expect(resolveMissing(record, { kind: 'not-found' }, OPTIONS)).toEqual({ type: 'vanished', tracked: record });
  });

  it('a failed or unreadable lookup concludes nothing', () => {
    expect(resolveMissing(record, { kind: 'failed', failure: { kind: 'server-error', detail: 'HTTP 500' } }, OPTIONS)).toBeNull();
    expect(resolveMissing(record, { kind: 'invalid', problem: 'status: unknown status' }, OPTIONS)).toBeNull();
  });
});

describe('failing open on what Telnyx sends', () => {
  const onHold = readStatus('on-hold')!;
  const tbd = [{ field: 'foc_date', value: '"TBD"' }];

  it('an unreadable FOC date is not a FOC change, and the recorded date stands', () => {
    const tracked = trackedPortout({ id: 'a', focDate: inHours(100), version: 2 });
    const listed = portout({ id: 'a', focDate: null, unreadable: tbd });
    expect(diffPortouts([listed], trackedMap(tracked), complete, OPTIONS).events).toEqual([]);
    // Carried by another event, the write keeps the last readable date, so its return is not news either.
    const change = stateChangeFor(
      { type: 'status-changed', portout: { ...listed, status: 'rejected-pending' }, previousStatus: 'pending', tracked, comments: [] },
      OPTIONS,
    );
    expect(change).toMatchObject({ kind: 'upsert-open', record: { focDate: inHours(100) } });
  });

  it('an unreadable FOC date sets off no reminder', () => {
    const tracked = trackedPortout({ id: 'a', focDate: inHours(2) });
    const listed = portout({ id: 'a', focDate: null, unreadable: tbd });
    expect(diffPortouts([listed], trackedMap(tracked), complete, OPTIONS).events).toEqual([]);
  });

  it('unreadable numbers and support key keep what was recorded, so a later "gone" alert still names them', () => {
    const tracked = trackedPortout({ id: 'a', phoneNumbers: ['+13035551212'], supportKey: 'PO_1' });
    const listed = portout({
      id: 'a',
      status: 'rejected-pending',
      phoneNumbers: [],
      supportKey: null,
      unreadable: [
        { field: 'phone_numbers', value: '{}' },
        { field: 'support_key', value: '7' },
      ],
    });
    const [event] = diffPortouts([listed], trackedMap(tracked), complete, OPTIONS).events;
    expect(event).toMatchObject({ type: 'status-changed' });
    expect(stateChangeFor(event!, OPTIONS)).toMatchObject({ record: { phoneNumbers: ['+13035551212'], supportKey: 'PO_1' } });
  });

  it('a status Telnyx added is alerted under its name, and the record stays open: it is still watched', () => {
    const tracked = trackedPortout({ id: 'a', version: 1 });
    const [event] = diffPortouts([portout({ id: 'a', status: onHold })], trackedMap(tracked), complete, OPTIONS).events;
    expect(event).toMatchObject({ type: 'status-changed', previousStatus: 'pending', portout: { status: 'on-hold' } });
    expect(stateChangeFor(event!, OPTIONS)).toMatchObject({ kind: 'upsert-open', record: { status: 'on-hold', version: 2 } });
    expect(alertIdFor(event!)).toBe('a.status-changed.on-hold.v2');
  });

  it('a request in an unknown status found by lookup, unchanged, is still watched: nothing to say, nothing closed', () => {
    const tracked = trackedPortout({ id: 'a', status: onHold });
    expect(resolveMissing(tracked, { kind: 'found', portout: portout({ id: 'a', status: onHold }) }, OPTIONS)).toBeNull();
    const event = resolveMissing(tracked, { kind: 'found', portout: portout({ id: 'a', status: 'authorized' }) }, OPTIONS);
    expect(stateChangeFor(event!, OPTIONS)).toMatchObject({ kind: 'close', record: { status: 'authorized' } });
  });
});

describe('findPossibleFraud', () => {
  it('flags rejected requests that were never open and are not yet remembered', () => {
    const rejected = ['x', 'open', 'closed'].map((id) => portout({ id, status: 'rejected' }));
    const events = findPossibleFraud(rejected, trackedMap(trackedPortout({ id: 'open' })), new Set(['closed']));
    expect(summary(events)).toEqual(['possible-fraud:x']);
    expect(stateChangeFor(events[0]!, OPTIONS)).toMatchObject({ kind: 'remember-closed', record: { id: 'x', status: 'rejected', version: 1 } });
  });
});

describe('stateChangeFor', () => {
  it('records a new port-out as open, version 1, only if absent', () => {
    const change = stateChangeFor({ type: 'new', portout: portout({ id: 'a' }), comments: [] }, OPTIONS);
    expect(change).toMatchObject({ kind: 'upsert-open', expectedVersion: null, record: { id: 'a', version: 1 } });
  });

  it('keeps a watched status change open, conditional on the version read', () => {
    const change = stateChangeFor(
      { type: 'status-changed', portout: portout({ id: 'a', status: 'rejected-pending' }), previousStatus: 'pending', tracked: trackedPortout({ id: 'a', version: 4 }), comments: [] },
      OPTIONS,
    );
    expect(change).toMatchObject({ kind: 'upsert-open', expectedVersion: 4, record: { status: 'rejected-pending', version: 5 } });
  });

  it('closes a record whose status left the watched set, and one that vanished', () => {
    const tracked = trackedPortout({ id: 'a', version: 2 });
    expect(
      stateChangeFor({ type: 'status-changed', portout: portout({ id: 'a', status: 'ported' }), previousStatus: 'pending', tracked, comments: [] }, OPTIONS),
    ).toMatchObject({ kind: 'close', expectedVersion: 2, record: { status: 'ported', version: 3 } });
    expect(stateChangeFor({ type: 'vanished', tracked }, OPTIONS)).toMatchObject({
      kind: 'close',
      expectedVersion: 2,
      record: { status: 'pending', version: 3 },
    });
  });

  it('gives a re-sent alert the same id, and a later change a different one', () => {
    const first: PortoutEvent = { type: 'new', portout: portout({ id: 'a' }), comments: [] };
    expect(alertIdFor(first)).toBe(alertIdFor({ ...first }));
    const later: PortoutEvent = {
      type: 'status-changed',
      portout: portout({ id: 'a', status: 'rejected-pending' }),
      previousStatus: 'pending',
      tracked: trackedPortout({ id: 'a' }),
      comments: [],
    };
    expect(alertIdFor(later)).not.toBe(alertIdFor(first));
  });
});

/** Applies the events of one diff as the poller would after SNS accepted them all. */
function step(state: Map<string, TrackedPortout>, statuses: ReadonlyMap<string, PortoutStatus>) {
  const listed = [...statuses]
    .filter(([, s]) => (WATCHED_STATUSES as readonly string[]).includes(s))
    .map(([id, status]) => portout({ id, status }));
  const diff = diffPortouts(listed, state, complete, OPTIONS);
  const resolved = diff.missing.map((record) => {
    const status = statuses.get(record.id);
    return resolveMissing(record, status ? { kind: 'found', portout: portout({ id: record.id, status }) } : { kind: 'not-found' }, OPTIONS);
  });
  const events = [...diff.events, ...resolved.filter((e) => e !== null)];
  const next = new Map(state);
  for (const event of events) {
    const change = stateChangeFor(event, OPTIONS);
    if (change.kind === 'upsert-open') next.set(change.record.id, change.record);
    else if (change.kind === 'close') next.delete(change.record.id);
  }
  return { events, next };
}

describe('diffPortouts properties', () => {
  const ids = ['p1', 'p2', 'p3', 'p4'];
  const snapshot = fc.dictionary(fc.constantFrom(...ids), fc.constantFrom(...PORTOUT_STATUSES), { maxKeys: ids.length });
  const sequence = fc.array(snapshot, { minLength: 1, maxLength: 8 });

  it('alerts every watched status a port-out passes through, and every exit from the watched set', () => {
    fc.assert(
      fc.property(sequence, (snapshots) => {
        let state = new Map<string, TrackedPortout>();
        const alerted = new Map<string, string[]>();
        const expected = new Map<string, string[]>();
        let previous = new Map<string, PortoutStatus>();
        for (const snap of snapshots) {
          const statuses = new Map(Object.entries(snap) as Array<[string, PortoutStatus]>);
          // What a person must hear: each change of a watched port-out, and each new watched one.
          for (const [id, status] of statuses) {
            const before = state.has(id) ? previous.get(id) : undefined;
            const watchedNow = (WATCHED_STATUSES as readonly string[]).includes(status);
            if ((state.has(id) && before !== status) || (!state.has(id) && watchedNow)) {
              expected.set(id, [...(expected.get(id) ?? []), status]);
            }
          }
          for (const id of state.keys()) {
            if (!statuses.has(id)) expected.set(id, [...(expected.get(id) ?? []), 'gone']);
          }
          const { events, next } = step(state, statuses);
          for (const event of events) {
            const id = event.type === 'vanished' ? event.tracked.id : event.portout.id;
            const status = event.type === 'vanished' ? 'gone' : event.portout.status;
            alerted.set(id, [...(alerted.get(id) ?? []), status]);
          }
          state = next;
          previous = new Map([...statuses].filter(([id]) => state.has(id)));
        }
        expect(alerted).toEqual(expected);
      }),
    );
  });

  it('an identical listing repeated yields no events', () => {
    fc.assert(
      fc.property(snapshot, (snap) => {
        const statuses = new Map(Object.entries(snap) as Array<[string, PortoutStatus]>);
        const first = step(new Map(), statuses);
        const again = step(first.next, statuses);
        expect(again.events).toEqual([]);
      }),
    );
  });
});
