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
  const delivered = (alertId: string, type: string, portoutId: string, status: string): Delivery => ({
    alertId,
    type,
    portoutId,
    status,
    poll,
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

  it('does not count a status no poll could have seen, nor an unknown status', () => {
    const o = oracle();
    o.startWatching(0);
    o.record('a', 'pending');
    poll = 1;
    o.record('a', 'rejected-pending');
    o.record('a', 'pending');
    o.record('a', 'escalated');
    expect(o.measure([]).lost).toEqual(['a:pending']);
  });

  it('tells lost, duplicated and false alerts apart', () => {
    const o = oracle();
    o.startWatching(0);
    o.record('a', 'pending');
    o.record('b', 'pending');
    poll = 1;
    const measured = o.measure([
      delivered('a.new.pending.v1', 'new', 'a', 'pending'),
      delivered('a.new.pending.v1', 'new', 'a', 'pending'),
      delivered('c.vanished.gone.v2', 'vanished', 'c', 'pending'),
      delivered('digest.1', 'digest', '', 'pending'),
    ]);
    expect(measured).toMatchObject({ due: 2, delivered: 2, lost: ['b:pending'], duplicates: 1, falseAlerts: ['c.vanished.gone.v2'], otherAlerts: 1 });
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
