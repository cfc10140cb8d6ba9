import { describe, expect, it } from 'vitest';
import type { PortoutEvent } from '../../../../functions/poller/core/events.ts';
import { planAlerts } from '../../../../functions/poller/core/plan-alerts.ts';
import { portout } from '../../../support/factories.ts';

const NOW = new Date('2026-11-27T12:00:00.000Z');
const policy = { firstRunSummary: true, digestThreshold: 2 };
const events = (ids: string[]): PortoutEvent[] => ids.map((id) => ({ type: 'new', portout: portout({ id }), comments: [] }));

describe('planAlerts', () => {
  it('sends each event to everyone while a run stays at or under the digest threshold', () => {
    const { alerts } = planAlerts(events(['a', 'b']), { firstRun: false, now: NOW }, policy, {});
    expect(alerts.map((a) => [a.alertId, a.covers, a.rendered.attributes.audience])).toEqual([
      ['a.new.pending.v1', ['a.new.pending.v1'], ['people', 'machines']],
      ['b.new.pending.v1', ['b.new.pending.v1'], ['people', 'machines']],
    ]);
  });

  it('past the threshold, one digest for people covering every event, then one document each for machines', () => {
    const { alerts } = planAlerts(events(['a', 'b', 'c']), { firstRun: false, now: NOW }, policy, {});
    expect(alerts[0]).toMatchObject({ portoutId: null, covers: ['a.new.pending.v1', 'b.new.pending.v1', 'c.new.pending.v1'] });
    expect(alerts[0]?.rendered.attributes.audience).toEqual(['people']);
    expect(alerts.slice(1).map((a) => a.rendered.attributes.audience)).toEqual([['machines'], ['machines'], ['machines']]);
  });

  it('names a digest by the set it carries, whatever the order, so a re-send keeps its id', () => {
    const first = planAlerts(events(['a', 'b', 'c']), { firstRun: false, now: NOW }, policy, {}).alerts[0]?.alertId;
    const again = planAlerts(events(['c', 'a', 'b']), { firstRun: false, now: NOW }, policy, {}).alerts[0]?.alertId;
    const other = planAlerts(events(['a', 'b', 'd']), { firstRun: false, now: NOW }, policy, {}).alerts[0]?.alertId;
    expect(first).toMatch(/^digest\.[0-9a-f]{8}$/);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it('names the first run’s summary per account, so two accounts’ summaries never share an id', () => {
    const account = (name: string) => ({ account: { name, label: name } });
    const eu = planAlerts(events(['a']), { firstRun: true, now: NOW }, policy, account('brand-eu')).alerts;
    const us = planAlerts(events(['b']), { firstRun: true, now: NOW }, policy, account('brand-us')).alerts;
    expect([eu[0]?.alertId, us[0]?.alertId]).toEqual(['watch-started.brand-eu', 'watch-started.brand-us']);
    expect(eu.map((alert) => alert.rendered.attributes.account)).toEqual(['brand-eu', 'brand-eu']);
  });

  it('summarises the first run even below the threshold, and only when asked to', () => {
    expect(planAlerts(events(['a']), { firstRun: true, now: NOW }, policy, {}).alerts[0]?.alertId).toBe('watch-started');
    const unsummarised = planAlerts(events(['a']), { firstRun: true, now: NOW }, { ...policy, firstRunSummary: false }, {});
    expect(unsummarised.alerts.map((a) => a.alertId)).toEqual(['a.new.pending.v1']);
  });

  it('sends nothing for an empty first run when told not to announce one, but still summarises one with requests waiting', () => {
    const quiet = { ...policy, announceEmptyFirstRun: false };
    expect(planAlerts([], { firstRun: true, now: NOW }, policy, {}).alerts.map((a) => a.alertId)).toEqual(['watch-started']);
    expect(planAlerts([], { firstRun: true, now: NOW }, quiet, {}).alerts).toEqual([]);
    expect(planAlerts(events(['a']), { firstRun: true, now: NOW }, quiet, {}).alerts.map((a) => a.alertId)).toEqual(['watch-started', 'a.new.pending.v1']);
  });
});
