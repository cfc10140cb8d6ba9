import { describe, expect, it } from 'vitest';
import { METRICS } from '../../../functions/poller/telemetry.ts';
import { ENV } from '../../../functions/poller/config.ts';
import { alarmMetricCount, DEFAULT_ASSUMPTIONS, estimateMonthlyCost, fleetOf, type CfnTemplate } from '../../../tools/cost/estimate.ts';

/** The smallest template the estimator prices: a function on a 5-minute schedule with a log group. */
function template(extra: CfnTemplate['Resources'] = {}): CfnTemplate {
  return {
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 512 } },
      Schedule: { Type: 'AWS::Scheduler::Schedule', Properties: { ScheduleExpression: 'rate(5 minutes)', Target: { Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } } } },
      Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 90 } },
      ...extra,
    },
  };
}

const alarm = (properties: Record<string, unknown>) => ({ Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 300, ...properties } });
const singleMetricAlarm = alarm({ AlarmName: 'x-errors', MetricName: 'Errors', Namespace: 'AWS/Lambda' });
const mathAlarm = alarm({
  AlarmName: 'x-math',
  Period: undefined,
  Metrics: [
    { Id: 'e', Expression: 'a + b' },
    { Id: 'a', MetricStat: { Metric: { MetricName: 'A' }, Period: 300 } },
    { Id: 'b', MetricStat: { Metric: { MetricName: 'B' }, Period: 300 } },
  ],
});
const delta = (extra: CfnTemplate['Resources']) => estimateMonthlyCost(template(extra)).total - estimateMonthlyCost(template()).total;

describe('the estimate counts from the template', () => {
  it('an alarm adds $0.10 for each metric it reads; metric math counts its metrics, not its expressions', () => {
    expect(delta({ A: singleMetricAlarm })).toBeCloseTo(0.1, 10);
    expect(alarmMetricCount(mathAlarm)).toBe(2);
    expect(delta({ A: mathAlarm })).toBeCloseTo(0.2, 10);
    expect(delta({ A: singleMetricAlarm, B: mathAlarm })).toBeCloseTo(0.3, 10);
  });

  it('a high-resolution alarm costs $0.30 a metric', () => {
    expect(delta({ A: alarm({ MetricName: 'Errors', Period: 10 }) })).toBeCloseTo(0.3, 10);
  });

  it('a dashboard adds $3.00, nothing within the three free ones', () => {
    const dashboard = { D: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} } };
    expect(delta(dashboard)).toBeCloseTo(3, 10);
    expect(estimateMonthlyCost(template(dashboard)).totalWithFreeTier).toBeCloseTo(estimateMonthlyCost(template()).totalWithFreeTier, 10);
  });

  it('a key adds $1.00, and a rotating one $2.00 more once it has rotated twice', () => {
    expect(delta({ K: { Type: 'AWS::KMS::Key', Properties: {} } })).toBeCloseTo(1, 2);
    expect(estimateMonthlyCost(template({ K: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } } })).afterTwoRotations).toBe(2);
  });

  it('a secret adds $0.40 and a read per cold start', () => {
    const added = delta({ S: { Type: 'AWS::SecretsManager::Secret', Properties: {} } });
    expect(added).toBeCloseTo(0.4 + (DEFAULT_ASSUMPTIONS.coldStartsPerMonth / 10_000) * 0.05, 10);
  });

  it('a table under the stack key costs a KMS request a run; under the AWS-managed key, none', () => {
    const key = { K: { Type: 'AWS::KMS::Key', Properties: {} } };
    const table = (sse: unknown) => ({ T: { Type: 'AWS::DynamoDB::GlobalTable', Properties: { Replicas: [{ SSESpecification: sse }] } } });
    const kmsRequests = (extra: CfnTemplate['Resources']) =>
      estimateMonthlyCost(template({ ...key, ...extra })).lines.find((line) => line.price === 'kmsRequests')?.quantity ?? 0;
    const runs = (730 * 60) / 5;
    expect(kmsRequests(table({ KMSMasterKeyId: { 'Fn::GetAtt': ['K', 'Arn'] } })) - kmsRequests(table(undefined))).toBeCloseTo(runs / 10_000, 10);
  });

  it('a secret outside the stack is not priced, and says so', () => {
    expect(estimateMonthlyCost(template()).notes.join(' ')).toMatch(/outside this stack/);
  });

  it('log storage follows the retention in the template', () => {
    const storage = (days: number) =>
      estimateMonthlyCost({ Resources: { ...template().Resources, Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: days } } } })
        .lines.find((line) => line.price === 'logStorage')?.monthly ?? 0;
    expect(storage(365) / storage(90)).toBeCloseTo(365 / 90, 10);
    expect(storage(365)).toBeGreaterThan(0);
  });

  it('the schedule in the template sets the runs: every 10 minutes halves Lambda and Scheduler', () => {
    const lambda = (expression: string) => {
      const resources = { ...template().Resources, Schedule: { Type: 'AWS::Scheduler::Schedule', Properties: { ScheduleExpression: expression, Target: { Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } } } } };
      return estimateMonthlyCost({ Resources: resources }).lines.filter((line) => line.service !== 'CloudWatch').reduce((sum, line) => sum + line.monthly, 0);
    };
    expect(lambda('rate(10 minutes)') / lambda('rate(5 minutes)')).toBeCloseTo(0.5, 2);
  });

  it('custom metrics come from the poller’s declaration: the every-run ones a full $0.30, the others by the hour', () => {
    const metricLines = estimateMonthlyCost(template()).lines.filter((line) => line.price === 'customMetric');
    expect(metricLines).toHaveLength(Object.values(METRICS).filter((declared) => !declared.onlyWith).length);
    const everyRun = Object.values(METRICS).filter((declared) => declared.emitted === 'every-run').length;
    expect(metricLines.filter((line) => line.monthly === 0.3)).toHaveLength(everyRun);
    const sometimes = metricLines.filter((line) => line.monthly < 0.3);
    expect(sometimes.every((line) => line.monthly <= (0.3 * Math.max(DEFAULT_ASSUMPTIONS.alertRunsPerMonth, DEFAULT_ASSUMPTIONS.faultHoursPerMonth)) / 730 + 1e-12)).toBe(true);
  });

  it('email notifications are counted per subscription, alerts to the alert topic and alarms to the ops topic', () => {
    const resources = {
      Ops: { Type: 'AWS::SNS::Topic', Properties: {} },
      Alerts: { Type: 'AWS::SNS::Topic', Properties: {} },
      A: alarm({ MetricName: 'Errors', AlarmActions: [{ Ref: 'Ops' }] }),
      E1: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', TopicArn: { Ref: 'Alerts' } } },
      E2: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', TopicArn: { Ref: 'Ops' } } },
      S1: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'sms', TopicArn: { Ref: 'Alerts' } } },
    };
    const estimate = estimateMonthlyCost(template(resources));
    const emails = DEFAULT_ASSUMPTIONS.alertsPerMonth + DEFAULT_ASSUMPTIONS.alarmNotificationsPerMonth;
    expect(estimate.lines.find((line) => line.price === 'snsEmail')?.item).toBe(`${emails} email notifications`);
    expect(estimate.notes.join(' ')).toContain(`${DEFAULT_ASSUMPTIONS.alertsPerMonth} SMS a month are not priced here`);
  });

  describe('metrics sent only with several accounts', () => {
    /** The template's function with these environment variables. */
    const withEnvironment = (variables: Record<string, unknown>): CfnTemplate => {
      const base = template();
      return { Resources: { ...base.Resources, Fn: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 512, Environment: { Variables: variables } } } } };
    };
    const metricNames = (t: CfnTemplate) =>
      estimateMonthlyCost(t).lines.filter((line) => line.price === 'customMetric').map((line) => /^metric (\w+)/.exec(line.item)?.[1]);
    const onlyWith = (kind: string) => Object.entries(METRICS).filter(([, declared]) => declared.onlyWith === kind).map(([name]) => name);
    const accountsJoin = { 'Fn::Join': ['', ['[{"name":"default","secretId":"', { Ref: 'S1' }, '"},{"name":"eu","secretId":"telnyx/eu"}]']] };

    it('are not priced for a single-account deployment', () => {
      const names = metricNames(withEnvironment({ [ENV.apiKeySecretArn]: 'x' }));
      for (const name of [...onlyWith('several-accounts'), ...onlyWith('managed-accounts')]) expect(names).not.toContain(name);
    });

    it('read the fleet from the poller\'s environment, created secrets\' ARNs included', () => {
      expect(fleetOf(withEnvironment({ [ENV.telnyxAccounts]: accountsJoin }))).toEqual({ configuredAccounts: 2, managed: false });
      expect(fleetOf(withEnvironment({ [ENV.telnyxAccounts]: '[]', [ENV.managerKeySecretArn]: 'm' }))).toEqual({ configuredAccounts: 0, managed: true });
      expect(fleetOf(template())).toEqual({ managed: false });
    });

    it('price AccountDown once per configured account, and the managed-account metrics only with a manager key', () => {
      const several = withEnvironment({ [ENV.telnyxAccounts]: accountsJoin });
      const accountDown = estimateMonthlyCost(several).lines.find((line) => line.item.startsWith('metric AccountDown'));
      expect(accountDown?.item).toContain('× 2 configured accounts');
      expect(accountDown?.quantity).toBeCloseTo((2 * DEFAULT_ASSUMPTIONS.faultHoursPerMonth) / 730, 10);
      for (const name of onlyWith('managed-accounts')) expect(metricNames(several)).not.toContain(name);
      const managed = metricNames(withEnvironment({ [ENV.telnyxAccounts]: '[]', [ENV.managerKeySecretArn]: 'm' }));
      for (const name of onlyWith('managed-accounts')) expect(managed).toContain(name);
      expect(managed).not.toContain('AccountDown');
    });
  });
});
