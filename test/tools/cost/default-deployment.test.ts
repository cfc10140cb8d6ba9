import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { estimateMonthlyCost, type Estimate } from '../../../tools/cost/estimate.ts';
import { DEFAULT_DEPLOYMENT, fleetDeployment, synthesizeTemplates } from '../../../tools/cost/synth.ts';

const TARGET_USD = 2.5;

describe('the default deployment, synthesized as cdk synth builds it', () => {
  let estimate: Estimate;
  beforeAll(() => {
    const [stack] = synthesizeTemplates({ config: DEFAULT_DEPLOYMENT });
    estimate = estimateMonthlyCost(stack!.template);
  });

  it(`costs at most $${TARGET_USD} a month at list prices in its first year`, () => {
    expect(estimate.total).toBeLessThanOrEqual(TARGET_USD);
  });

  it('has its alarms read six metrics, one dead-letter queue, and no dashboard', () => {
    const alarms = estimate.lines.filter((line) => line.price === 'alarmMetric');
    expect(alarms.reduce((sum, line) => sum + line.quantity, 0)).toBe(6);
    expect(estimate.lines.filter((line) => line.price === 'dashboard')).toEqual([]);
    expect(estimate.lines.find((line) => line.service === 'SQS')?.item).toMatch(/^1 dead-letter queue/);
  });

  it('the dashboard setting adds its $3.00', () => {
    const [stack] = synthesizeTemplates({ config: { ...DEFAULT_DEPLOYMENT, operations: { ...DEFAULT_DEPLOYMENT.operations, dashboard: true } } });
    expect(estimateMonthlyCost(stack!.template).total - estimate.total).toBeCloseTo(3, 10);
  });

  it('is the figure the README, the deploy guide and the operations guide quote', () => {
    const figures = [estimate.total, estimate.totalWithFreeTier, estimate.total + estimate.afterTwoRotations].map((usd) => `$${usd.toFixed(2)}`);
    for (const doc of ['README.md', 'docs/deploying.md', 'docs/operations.md']) {
      const text = readFileSync(new URL(`../../../${doc}`, import.meta.url), 'utf8');
      for (const figure of figures) expect(text.includes(figure), `${doc} quotes ${figure} (run npm run cost)`).toBe(true);
    }
  });
});

describe('the default deployment watching several Telnyx accounts', () => {
  const total = (config: unknown) => estimateMonthlyCost(synthesizeTemplates({ config })[0]!.template).total;
  let single: number;
  let two: number;
  let three: number;
  let managed: number;
  beforeAll(() => {
    single = total(DEFAULT_DEPLOYMENT);
    two = total(fleetDeployment(2, false));
    three = total(fleetDeployment(3, false));
    managed = total(fleetDeployment(1, true));
  });

  it('costs for each added account its secret ($0.40), its alarm ($0.10), and cents of metric and reads', () => {
    const perAccount = three - two;
    expect(perAccount).toBeGreaterThan(0.5);
    expect(perAccount).toBeLessThan(0.52);
    // The first added account also gives the default account its alarm.
    expect(two - single - perAccount).toBeCloseTo(0.1, 2);
  });

  it('costs for managed accounts the manager\'s secret and three alarms, whatever their number', () => {
    expect(managed - single).toBeGreaterThan(0.7);
    expect(managed - single).toBeLessThan(0.73);
  });

  it('is the figure the deploy guide quotes', () => {
    const text = readFileSync(new URL('../../../docs/deploying.md', import.meta.url), 'utf8');
    for (const figure of [three - two, managed - single, two, managed].map((usd) => `$${usd.toFixed(2)}`)) {
      expect(text.includes(figure), `docs/deploying.md quotes ${figure} (run npm run cost -- --accounts 3, --managed)`).toBe(true);
    }
  });
});

