import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertIdFor, diffPortouts, resolveMissing, stateChangeFor, trackedFrom } from '../../../../functions/poller/core/diff.ts';
import { PORTOUT_STATUSES, WATCHED_STATUSES, type PortoutStatus } from '../../../../functions/poller/core/portout.ts';
import type { TrackedPortout } from '../../../../functions/poller/core/ports.ts';
import { portout } from '../../../support/factories.ts';

const complete = { complete: true, unreadableIds: new Set<string>() };
const incomplete = { complete: false, unreadableIds: new Set<string>() };

function tracked(id: string, status: PortoutStatus, version = 1): TrackedPortout {
  return trackedFrom(portout({ id, status }), version);
}

function trackedMap(...records: TrackedPortout[]) {
  return new Map(records.map((r) => [r.id, r]));
}

describe('diffPortouts', () => {
  it.each([
    {
      name: 'an id never seen is new',
      listed: [portout({ id: 'a' })],
      known: [],
      expected: [{ type: 'new', id: 'a' }],
    },
    {
      name: 'pending to rejected-pending is a status change',
      listed: [portout({ id: 'a', status: 'rejected-pending' })],
      known: [tracked('a', 'pending')],
      expected: [{ type: 'status-changed', id: 'a', from: 'pending' }],
    },
    {
      name: 'rejected-pending back to pending is a status change',
      listed: [portout({ id: 'a', status: 'pending' })],
      known: [tracked('a', 'rejected-pending')],
      expected: [{ type: 'status-changed', id: 'a', from: 'rejected-pending' }],
    },
    {
      name: 'an unchanged port-out yields nothing',
      listed: [portout({ id: 'a' })],
      known: [tracked('a', 'pending')],
      expected: [],
    },
  ])('$name', ({ listed, known, expected }) => {
    const { events } = diffPortouts(listed, trackedMap(...known), complete);
    expect(
      events.map((e) =>
        e.type === 'status-changed'
          ? { type: e.type, id: e.portout.id, from: e.previousStatus }
          : { type: e.type, id: e.type === 'vanished' ? e.tracked.id : e.portout.id },
      ),
    ).toEqual(expected);
  });

  it('reports a tracked id missing from a complete listing for lookup', () => {
    const { missing, events } = diffPortouts([portout({ id: 'a' })], trackedMap(tracked('a', 'pending'), tracked('b', 'pending')), complete);
    expect(missing.map((m) => m.id)).toEqual(['b']);
    expect(events).toEqual([]);
  });

  it('a failed page never turns tracked requests into missing ones', () => {
    const { missing } = diffPortouts([], trackedMap(tracked('a', 'pending'), tracked('b', 'pending')), incomplete);
    expect(missing).toEqual([]);
  });

  it('a listed item that failed validation is present, not missing', () => {
    const { missing } = diffPortouts([], trackedMap(tracked('a', 'pending')), { complete: true, unreadableIds: new Set(['a']) });
    expect(missing).toEqual([]);
  });
});

describe('resolveMissing', () => {
  const record = tracked('a', 'pending', 3);

  it('a port-out still pending only moved between pages: nothing happened', () => {
    expect(resolveMissing(record, { kind: 'found', portout: portout({ id: 'a', status: 'pending' }) })).toBeNull();
  });

  it.each(['authorized', 'ported', 'rejected', 'canceled', 'rejected-pending'] as const)(
    'a port-out now %s is a status change',
    (status) => {
      const event = resolveMissing(record, { kind: 'found', portout: portout({ id: 'a', status }) });
      expect(event).toMatchObject({ type: 'status-changed', previousStatus: 'pending', portout: { status } });
    },
  );

  it('a 404 is a "no longer visible" event', () => {
    expect(resolveMissing(record, { kind: 'not-found' })).toEqual({ type: 'vanished', tracked: record });
  });

  it('a failed or unreadable lookup concludes nothing', () => {
    expect(resolveMissing(record, { kind: 'failed', failure: { kind: 'server-error', detail: 'HTTP 500' } })).toBeNull();
    expect(resolveMissing(record, { kind: 'invalid', problem: 'status: unknown status' })).toBeNull();
  });
});

describe('stateChangeFor', () => {
  it('records a new port-out as open, version 1, only if absent', () => {
    const change = stateChangeFor({ type: 'new', portout: portout({ id: 'a' }) });
    expect(change).toMatchObject({ kind: 'upsert-open', expectedVersion: null, record: { id: 'a', version: 1 } });
  });

  it('keeps a watched status change open, conditional on the version read', () => {
    const change = stateChangeFor({
      type: 'status-changed',
      portout: portout({ id: 'a', status: 'rejected-pending' }),
      previousStatus: 'pending',
      tracked: tracked('a', 'pending', 4),
    });
    expect(change).toMatchObject({ kind: 'upsert-open', expectedVersion: 4, record: { status: 'rejected-pending', version: 5 } });
  });

  it('closes a record whose status left the watched set, and one that vanished', () => {
    expect(
      stateChangeFor({ type: 'status-changed', portout: portout({ id: 'a', status: 'ported' }), previousStatus: 'pending', tracked: tracked('a', 'pending', 2) }),
    ).toMatchObject({ kind: 'close', expectedVersion: 2, record: { status: 'ported', version: 3 } });
    expect(stateChangeFor({ type: 'vanished', tracked: tracked('a', 'pending', 2) })).toMatchObject({
      kind: 'close',
      expectedVersion: 2,
      record: { status: 'pending', version: 3 },
    });
  });

  it('gives a re-sent alert the same id, and a later change a different one', () => {
    const first = { type: 'new', portout: portout({ id: 'a' }) } as const;
    expect(alertIdFor(first)).toBe(alertIdFor({ ...first }));
    const later = { type: 'status-changed', portout: portout({ id: 'a', status: 'rejected-pending' }), previousStatus: 'pending', tracked: tracked('a', 'pending', 1) } as const;
    expect(alertIdFor(later)).not.toBe(alertIdFor(first));
  });
});

/** Applies the events of one diff as the poller would after SNS accepted them all. */
function step(state: Map<string, TrackedPortout>, statuses: ReadonlyMap<string, PortoutStatus>) {
  const listed = [...statuses].filter(([, s]) => (WATCHED_STATUSES as readonly string[]).includes(s)).map(([id, status]) => portout({ id, status }));
  const diff = diffPortouts(listed, state, complete);
  const resolved = diff.missing.map((record) => {
    const status = statuses.get(record.id);
    return resolveMissing(record, status ? { kind: 'found', portout: portout({ id: record.id, status }) } : { kind: 'not-found' });
  });
  const events = [...diff.events, ...resolved.filter((e) => e !== null)];
  const next = new Map(state);
  for (const event of events) {
    const change = stateChangeFor(event);
    if (change.kind === 'upsert-open') next.set(change.record.id, change.record);
    else next.delete(change.record.id);
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
        const alerted = new Map<string, PortoutStatus[]>();
        const expected = new Map<string, PortoutStatus[]>();
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
            if (!statuses.has(id)) expected.set(id, [...(expected.get(id) ?? []), 'gone' as PortoutStatus]);
          }
          const { events, next } = step(state, statuses);
          for (const event of events) {
            const id = event.type === 'vanished' ? event.tracked.id : event.portout.id;
            const status = event.type === 'vanished' ? ('gone' as PortoutStatus) : event.portout.status;
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
