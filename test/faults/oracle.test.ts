import { afterEach, describe, expect, it } from 'vitest';
import { AlertOracle } from '../support/alert-oracle.ts';
import type { Delivery } from '../support/fake-sns-topic.ts';
import { FaultLab } from '../support/fault-lab.ts';
import { watchSevenAndChange } from '../support/fault-stories.ts';

/** The measuring instrument, checked: it must see a lost alert, a duplicate and a false alert when there is one. */
describe('the alert oracle', () => {
  let poll = 0;
  const oracle = () => {
    poll = 0;
    return new AlertOracle(() => poll);
  };
  const delivered = (alertId: string, type: string, portoutId: string, status: string, more: Partial<Delivery> = {}): Delivery => ({
    alertId,
    type,
    portoutId,
    status,
    poll,
    ...more,
  });

  it('counts each status a port-out passed through while watched, including leaving and vanishing', () => {
    const o = oracle();
    o.record('a', 'pending');
    o.startWatching(0);
    poll = 1;
    o.record('a', 'rejected-pending');
    poll = 2;
    o.record('a', 'authorized');
    poll = 3;
    o.record('a', 'ported');
    o.record('b', 'pending');
    poll = 4;
    o.record('b', 'gone');
    o.record('c', 'rejected');
    expect(o.measure([]).lost).toEqual(['a:rejected-pending', 'a:authorized', 'b:pending', 'b:gone']);
  });

  it('does not count a status no poll could have seen', () => {
    const o = oracle();
    o.startWatching(0);
    o.record('a', 'pending');
    poll = 1;
    o.record('a', 'rejected-pending');
    o.record('a', 'pending');
    expect(o.measure([]).lost).toEqual(['a:pending']);
  });

  it('counts a status Telnyx adds as news, under its sanitized name, and one that is not a status as nothing', () => {
    const o = oracle();
    o.startWatching(0);
    o.record('a', 'pending');
    poll = 1;
    o.record('a', 'In Review');
    o.record('b', '  ');
    expect(o.measure([]).lost).toEqual(['a:pending', 'a:In_Review']);
  });

  it('tells lost, duplicated and false alerts apart, and calls an alert of a kind it does not know false', () => {
    const o = oracle();
    o.startWatching(0);
    o.record('a', 'pending');
    o.record('b', 'pending');
    poll = 1;
    const measured = o.measure([
      delivered('a.new.pending.v1', 'new', 'a', 'pending'),
      delivered('a.new.pending.v1', 'new', 'a', 'pending'),
      delivered('c.vanished.gone.v2', 'vanished', 'c', 'pending'),
      delivered('a.escalated.pending.v2', 'escalated', 'a', 'pending'),
    ]);
    expect(measured).toMatchObject({
      due: 2,
      delivered: 3,
      lost: ['b:pending'],
      duplicates: 1,
      falseAlerts: ['a.escalated.pending.v2', 'c.vanished.gone.v2'],
      otherAlerts: 1,
    });
  });

  /** A watched pending request `a` whose FOC date is 2026-12-10. */
  const watchingA = (options: { reminderHours?: number[] } = {}) => {
    poll = 0;
    const o = new AlertOracle(() => poll, options);
    o.record('a', 'pending');
    o.recordFocDate('a', '2026-12-10T00:00:00.000Z');
    o.startWatching(0);
    return o;
  };

  it('a FOC date that moved is due once, whether its own alert or a status change carries it', () => {
    const alone = watchingA();
    alone.recordFocDate('a', '2026-12-08T00:00:00.000Z');
    alone.recordFocDate('a', '2026-12-07T00:00:00.000Z');
    poll = 1;
    expect(alone.measure([])).toMatchObject({ due: 1, lost: ['a:foc→2026-12-07T00:00:00.000Z'] });
    expect(alone.measure([delivered('a.foc-date-changed.pending.v2', 'foc-date-changed', 'a', 'pending')])).toMatchObject({ due: 1, lost: [], falseAlerts: [] });

    const carried = watchingA();
    carried.recordFocDate('a', '2026-12-08T00:00:00.000Z');
    carried.record('a', 'rejected-pending');
    poll = 1;
    expect(carried.measure([delivered('a.status-changed.rejected-pending.v2', 'status-changed', 'a', 'rejected-pending')])).toMatchObject({
      due: 2,
      lost: [],
      falseAlerts: [],
    });
  });

  it('a FOC date change nobody made is a false alert, and so is a second one for one move', () => {
    const o = watchingA();
    poll = 1;
    expect(o.measure([delivered('a.foc-date-changed.pending.v2', 'foc-date-changed', 'a', 'pending')]).falseAlerts).toEqual([
      'a.foc-date-changed.pending.v2',
    ]);
    o.recordFocDate('a', '2026-12-08T00:00:00.000Z');
    poll = 2;
    expect(
      o.measure([
        delivered('a.foc-date-changed.pending.v2', 'foc-date-changed', 'a', 'pending'),
        delivered('a.foc-date-changed.pending.v3', 'foc-date-changed', 'a', 'pending'),
      ]).falseAlerts,
    ).toEqual(['a.foc-date-changed.pending.v3']);
  });

  it('each comment on a watched request is due, met by the alert that carries it', () => {
    const o = watchingA();
    o.recordComment('a', 'c1');
    o.recordComment('a', 'c2');
    poll = 1;
    expect(o.measure([delivered('a.new-comment.pending.v2', 'new-comment', 'a', 'pending', { commentIds: ['c1'] })])).toMatchObject({
      due: 2,
      lost: ['a:comment c2'],
      falseAlerts: [],
    });
    expect(o.measure([delivered('a.new-comment.pending.v2', 'new-comment', 'a', 'pending', { commentIds: ['c9'] })]).falseAlerts).toEqual([
      'a.new-comment.pending.v2',
    ]);
  });

  it('a reminder falls due when a poll starts inside its threshold, once, and one reminder covers every threshold crossed', () => {
    const o = watchingA({ reminderHours: [24, 4] });
    const foc = Date.parse('2026-12-10T00:00:00.000Z');
    poll = 1;
    o.pollStarted(foc - 25 * 3_600_000);
    expect(o.measure([]).due).toBe(0);
    poll = 2;
    o.pollStarted(foc - 3 * 3_600_000);
    poll = 3;
    o.pollStarted(foc - 2 * 3_600_000);
    expect(o.measure([])).toMatchObject({ due: 2, lost: ['a:reminder 24h', 'a:reminder 4h'] });
    const reminder = delivered('a.foc-approaching.pending.v2', 'foc-approaching', 'a', 'pending', { reminderHours: 4 });
    expect(o.measure([reminder])).toMatchObject({ lost: [], falseAlerts: [] });
    expect(o.measure([reminder, { ...reminder, alertId: 'a.foc-approaching.pending.v3' }]).falseAlerts).toEqual(['a.foc-approaching.pending.v3']);
  });

  it('a request born rejected is due one possible-fraud alert; one for a request we watched is false', () => {
    const o = watchingA();
    o.recordFraudAttempt('x');
    o.record('x', 'rejected');
    o.record('a', 'rejected');
    poll = 1;
    expect(o.measure([]).lost).toEqual(['a:rejected', 'x:possible-fraud']);
    expect(
      o.measure([
        delivered('x.possible-fraud.rejected.v1', 'possible-fraud', 'x', 'rejected'),
        delivered('a.status-changed.rejected.v2', 'status-changed', 'a', 'rejected'),
        delivered('a.possible-fraud.rejected.v1', 'possible-fraud', 'a', 'rejected'),
      ]),
    ).toMatchObject({ lost: [], falseAlerts: ['a.possible-fraud.rejected.v1'] });
  });

  it('a document only machines got must be named by a digest people got, and a digest names only documents sent', () => {
    const o = oracle();
    o.startWatching(0);
    o.record('a', 'pending');
    o.record('b', 'pending');
    poll = 1;
    const a = delivered('a.new.pending.v1', 'new', 'a', 'pending', { audience: ['machines'] });
    const b = delivered('b.new.pending.v1', 'new', 'b', 'pending', { audience: ['machines'] });
    const digest = (covers: string[]) => delivered('digest.1', 'digest', '', 'pending', { audience: ['people'], covers });
    expect(o.measure([digest(['a.new.pending.v1', 'b.new.pending.v1']), a, b])).toMatchObject({ lost: [], falseAlerts: [] });
    expect(o.measure([digest(['a.new.pending.v1']), a, b]).lost).toEqual(['people:b.new.pending.v1']);
    expect(o.measure([digest(['a.new.pending.v1', 'b.new.pending.v1']), a]).lost).toEqual(['b:pending', 'machines:b.new.pending.v1']);
  });

  describe('on a real lab', () => {
    let lab: FaultLab;
    afterEach(() => lab?.close());

    it('notices alerts that were recorded but never delivered', async () => {
      lab = await FaultLab.create({ area: 'oracle self-check', pageSize: 5 });
      await watchSevenAndChange(lab);
      lab.sns.blackHole(Infinity);
      await lab.settle();
      expect(lab.measure().lost).toHaveLength(5);
    });
  });
});
