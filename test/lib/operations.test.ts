import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FLEET_FINISHED, METRIC, METRIC_NAMESPACE, SERVICE_NAME } from '../../functions/poller/telemetry.ts';
import { MANAGED_CONFIG, SEVERAL_ACCOUNTS_CONFIG, synthesize } from './synth.ts';

type Resources = Record<string, { Properties: Record<string, unknown> }>;

const alarmNames = (template: Template) =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources).map((alarm) => String(alarm.Properties.AlarmName));
const alarmNamed = (template: Template, name: string) =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: name } }) as Resources)[0]?.Properties;

const SINGLE_ACCOUNT_ALARMS = ['heartbeat', 'telnyx-auth-failures', 'status-watch-down', 'fraud-gap-watch-down', 'comment-watch-down', 'dead-letters'];

describe('alarms of a single-account deployment', () => {
  it('are today\'s six, with no account alarm', () => {
    const { template } = synthesize({});
    expect(alarmNames(template).sort()).toEqual(SINGLE_ACCOUNT_ALARMS.map((name) => `PortoutWatch-${name}`).sort());
  });

  it('keep the telnyx-auth-failures text of old', () => {
    const { template } = synthesize({});
    expect(alarmNamed(template, 'PortoutWatch-telnyx-auth-failures')?.AlarmDescription).toBe(
      'Telnyx rejected the API key even after a fresh read of the secret. Put a valid key in the secret (docs/deploying.md shows the command).',
    );
  });
});

describe('alarms of a deployment of several accounts', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthesize(SEVERAL_ACCOUNTS_CONFIG));
  });

  it('add one per configured account, on its AccountDown metric, 3 failing runs within 4 intervals', () => {
    expect(alarmNames(template).sort()).toEqual(
      [...SINGLE_ACCOUNT_ALARMS, 'account-default-down', 'account-brand-eu-down', 'account-brand-us-down'].map((name) => `PortoutWatch-${name}`).sort(),
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'PortoutWatch-account-brand-eu-down',
      Namespace: METRIC_NAMESPACE,
      MetricName: METRIC.accountDown,
      Dimensions: Match.arrayEquals([
        { Name: 'account', Value: 'brand-eu' },
        { Name: 'service', Value: SERVICE_NAME },
      ]),
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 4,
      DatapointsToAlarm: 3,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('name the account and how to find its log lines', () => {
    const description = String(alarmNamed(template, 'PortoutWatch-account-brand-eu-down')?.AlarmDescription);
    expect(description).toContain('Telnyx account "brand-eu" down');
    expect(description).toContain('the other accounts are still watched');
    expect(description).toContain('filter level in ["WARN", "ERROR"] and account = "brand-eu"');
    expect(description).toContain('SetTelnyxApiKeyCommand');
  });

  it("point telnyx-auth-failures to the account's alarm, its log lines and its secret", () => {
    const description = String(alarmNamed(template, 'PortoutWatch-telnyx-auth-failures')?.AlarmDescription);
    expect(description).toContain('account-<name>-down');
    expect(description).toContain('SetTelnyxApiKeyCommand');
    expect(description).toContain('fields @timestamp, account, message');
    expect(description).not.toContain('Managed accounts');
  });

  it('keep every description within the 1,024 characters CloudWatch takes', () => {
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources)) {
      expect(String(alarm.Properties.AlarmDescription).length, String(alarm.Properties.AlarmName)).toBeLessThanOrEqual(1024);
    }
  });
});

describe('the dashboard of a deployment of several and managed accounts', () => {
  it('graphs each configured account down and the managed-account counts', () => {
    const { template } = synthesize({ ...SEVERAL_ACCOUNTS_CONFIG, managedAccounts: {}, operations: { dashboard: true } });
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard') as Resources);
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    expect(body).toContain('Accounts down');
    for (const account of ['default', 'brand-eu', 'brand-us']) expect(body).toContain(`\\"account\\",\\"${account}\\"`);
    for (const metric of [METRIC.managedAccountsDown, METRIC.managedAccountsDisabled, METRIC.managedDiscoveryFailed]) expect(body).toContain(metric);
  });

  it("reads a fleet's totals from its fleet line, not the largest account's poll line", () => {
    const { template } = synthesize({ ...SEVERAL_ACCOUNTS_CONFIG, operations: { dashboard: true } });
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard') as Resources);
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    expect(body).toContain(`not ispresent(account)) or message like /^${FLEET_FINISHED}/`);
  });

  it('has no accounts widget in a single-account deployment', () => {
    const { template } = synthesize({ operations: { dashboard: true } });
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard') as Resources);
    expect(JSON.stringify(dashboard?.Properties.DashboardBody)).not.toContain('Accounts down');
  });
});

describe('alarms of a deployment of managed accounts', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthesize(MANAGED_CONFIG));
  });

  it('add managed-accounts-down and managed-account-discovery, and no per-account alarm', () => {
    expect(alarmNames(template).sort()).toEqual(
      [...SINGLE_ACCOUNT_ALARMS, 'managed-accounts-down', 'managed-account-discovery'].map((name) => `PortoutWatch-${name}`).sort(),
    );
    for (const [name, metric] of [
      ['managed-accounts-down', METRIC.managedAccountsDown],
      ['managed-account-discovery', METRIC.managedDiscoveryFailed],
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `PortoutWatch-${name}`,
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
        EvaluationPeriods: 4,
        DatapointsToAlarm: 3,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it("say in telnyx-auth-failures that managed accounts' keys come from Telnyx through the manager key", () => {
    const description = String(alarmNamed(template, 'PortoutWatch-telnyx-auth-failures')?.AlarmDescription);
    expect(description).toContain("Managed accounts' keys come from Telnyx");
    expect(description).toContain('SetManagerKeyCommand');
    expect(description.length).toBeLessThanOrEqual(1024);
  });

  it('say where the names of the managed accounts down are, with a Logs Insights query', () => {
    const down = String(alarmNamed(template, 'PortoutWatch-managed-accounts-down')?.AlarmDescription);
    expect(down).toContain('names them in a WARN line');
    expect(down).toContain('account like /^managed-/');
    const discovery = String(alarmNamed(template, 'PortoutWatch-managed-account-discovery')?.AlarmDescription);
    expect(discovery).toContain('new managed accounts are not picked up');
    expect(discovery).toContain('SetManagerKeyCommand');
    for (const description of [down, discovery]) expect(description.length).toBeLessThanOrEqual(1024);
  });
});
