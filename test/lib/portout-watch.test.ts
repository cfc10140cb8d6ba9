import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigError, TOP_LEVEL } from '../../lib/config.ts';
import { PortoutWatch, type PortoutWatchProps } from '../../lib/portout-watch.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

/** A consumer's stack, bundling skipped, holding one PortoutWatch with `props`. */
function consumerStack(props: unknown, env?: { account: string; region: string }): { stack: Stack; watch: PortoutWatch } {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Platform', env ? { env } : {});
  return { stack, watch: new PortoutWatch(stack, 'Watch', props as PortoutWatchProps) };
}

describe('PortoutWatch in a consumer stack', () => {
  it('takes the JSON config settings as props and validates them with the app config parser', () => {
    const { watch } = consumerStack({ schedule: 'rate(10 minutes)', alerts: { sms: ['+14155550100'] }, function: { logLevel: 'DEBUG' } });
    expect(watch.config.schedule).toEqual({ expression: 'rate(10 minutes)', intervalMinutes: 10 });
    expect(watch.config.alerts.sms).toEqual([{ phoneNumber: '+14155550100' }]);
    expect(watch.config.function).toMatchObject({ logLevel: 'DEBUG', timeoutSeconds: 120 });
  });

  it('rejects a bad value, naming the setting, the construct and the fix', () => {
    expect(() => consumerStack({ schedule: 'every 5 minutes', alerts: { sms: ['415-555-0100'] } })).toThrow(
      new ConfigError(
        'invalid portout-watch configuration in the props of PortoutWatch Platform/Watch:\n' +
          '  - schedule: "every 5 minutes" is not a rate expression: write rate(5 minutes), rate(1 hour) and so on (cron is not supported: the heartbeat alarm needs a fixed interval)\n' +
          '  - alerts.sms[0]: "415-555-0100" is not an E.164 phone number: write + then the country code and number, no spaces or dashes, e.g. +14155550100',
      ),
    );
  });

  it.each(['account', 'region'])('rejects %s: where it deploys is the stack’s env', (key) => {
    expect(() => consumerStack({ [key]: key === 'account' ? '123456789012' : 'us-east-1' })).toThrow(
      `${key}: is the stack's to set, not PortoutWatch's: remove it and give its stack env: { account, region }`,
    );
  });

  it('encrypts the table with its own key in the region of a stack that has one, and says to set env when it has none', () => {
    const { stack } = consumerStack({ table: { encryption: 'customer-managed' } }, { account: '123456789012', region: 'eu-west-1' });
    const [table] = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::GlobalTable'));
    expect(table?.Properties).toMatchObject({
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [{ Region: 'eu-west-1', SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^WatchKey/), 'Arn'] } } }],
    });
    expect(() => consumerStack({ table: { encryption: 'customer-managed' } })).toThrow("or for the PortoutWatch construct in its stack's env");
  });

  it('names its schedule and alarms after the consumer’s stack', () => {
    const template = Template.fromStack(consumerStack({}).stack);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { Name: 'Platform-poll' });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect((alarm.Properties as { AlarmName: string }).AlarmName).toMatch(/^Platform-/);
    }
  });

  it('refuses a second PortoutWatch in the same stack, whose names and metrics would collide', () => {
    const { stack } = consumerStack({});
    expect(() => new PortoutWatch(stack, 'Again')).toThrow(
      'Platform/Again: Platform already has a PortoutWatch (Platform/Watch): add one per stack',
    );
  });
});

describe('the README on the construct', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it in your own CDK app'), readme.indexOf('\n## ', readme.indexOf('## Use it in your own CDK app') + 1));

  it('lists every prop in its props table', () => {
    const rows = [...section.matchAll(/^\s*\| `(\w+)` \|/gm)].map((match) => match[1]);
    expect(rows.sort()).toEqual(TOP_LEVEL.filter((key) => key !== 'account' && key !== 'region').sort());
  });

  it('names every part the construct exposes, and says which may be unset', () => {
    const { watch } = consumerStack({ telnyxAccounts: [], managedAccounts: {} });
    const reach = section.slice(section.indexOf('**What you can reach.**'), section.indexOf('- **Checks.**'));
    const parts = Object.keys(watch).filter((key) => key !== 'node');
    for (const part of [...parts, 'chat', 'webhook', 'apiKey']) expect(reach).toContain(`\`${part}\``);
    // Managed accounts alone: no `default` account, so no apiKey.
    expect(watch.apiKey).toBeUndefined();
    expect(reach).toMatch(/`apiKey`[^.]*unset/);
  });
});
