import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_ACCOUNT_NAME_LENGTH } from '../../functions/poller/core/accounts.ts';
import { ConfigError, MAX_CONFIGURED_ACCOUNTS, parseConfig } from '../../lib/config.ts';
import { RECEIVER_CONCURRENCY } from '../../lib/webhook-receiver.ts';
import { createWebhookSigner } from '../../local/webhook-signer.ts';
import { synthesize } from './synth.ts';

const publicKey = createWebhookSigner().publicKey;
const findings = (pack: NagPack, app: App) =>
  pack.validateScope(app).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`));
const receiverFunction = (template: Template) =>
  Object.entries(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('webhooks') } }));

describe('webhook.publicKey in the stack config', () => {
  it('accepts the portal’s base64 Ed25519 key', () => {
    expect(parseConfig({ webhook: { publicKey } }, 'test').webhook).toEqual({ publicKey });
    expect(parseConfig({}, 'test').webhook).toBeUndefined();
  });

  it.each([
    ['an API key', 'KEY0183A9F2E1D_aBcDeF', /webhook\.publicKey: is not base64/],
    ['a key of the wrong length', Buffer.alloc(16).toString('base64'), /webhook\.publicKey: decodes to 16 bytes, not the 32/],
    ['an empty string', '', /webhook\.publicKey: is empty: paste the Public Key/],
    ['a number', 42, /webhook\.publicKey: 42 must be a string/],
  ])('refuses %s, naming the setting and the fix', (_label, value, message) => {
    expect(() => parseConfig({ webhook: { publicKey: value } }, 'test')).toThrow(message);
  });

  it('refuses a webhook block without a key, or with unknown settings', () => {
    expect(() => parseConfig({ webhook: {} }, 'test')).toThrow(/webhook\.publicKey: is empty/);
    expect(() => parseConfig({ webhook: { publicKey, url: 'x' } }, 'test')).toThrow(ConfigError);
  });
});

describe('the stack without webhook settings', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthesize({}));
  });

  it('has no receiver, no public URL and no WebhookUrl output', () => {
    expect(receiverFunction(template)).toEqual([]);
    template.resourceCountIs('AWS::Lambda::Url', 0);
    expect(Object.keys(template.findOutputs('WebhookUrl'))).toEqual([]);
  });
});

describe('the stack with webhook.publicKey', () => {
  let template: Template;
  let app: App;
  beforeAll(() => {
    ({ template, app } = synthesize({ webhook: { publicKey }, operations: { alarmEmail: 'oncall@example.com' } }));
  });

  it('serves a public Function URL, and outputs it as WebhookUrl', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    template.hasOutput('WebhookUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhookFunctionFunctionUrl'), 'FunctionUrl'] } });
  });

  it('grants the public both lambda:InvokeFunctionUrl and lambda:InvokeFunction, as required since October 2025', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhookFunction'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: '*',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhookFunction'), 'Arn'] },
    });
  });

  it('the receiver may only write its logs and invoke the poller', () => {
    const [[, fn]] = receiverFunction(template) as [[string, { Properties: { Role: { 'Fn::GetAtt': [string] }; Environment: { Variables: Record<string, unknown> } } }]];
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId),
    );
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const actions = statements.flatMap((statement) => [statement.Action].flat()).sort();
    expect(actions).toEqual(['lambda:InvokeFunction', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    const invoke = statements.find((statement) => statement.Action === 'lambda:InvokeFunction');
    expect(invoke?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PollerFunction/), 'Arn'] });
    expect(fn.Properties.Environment.Variables).toMatchObject({ TELNYX_PUBLIC_KEY: publicKey, POLLER_FUNCTION_NAME: { Ref: expect.stringMatching(/^PollerFunction/) } });
  });

  it('logs to its own log group, with the retention the poller uses', () => {
    const groups = Object.entries(template.findResources('AWS::Logs::LogGroup'));
    const retention = (prefix: string) => groups.filter(([id]) => id.startsWith(prefix)).map(([, group]) => group.Properties.RetentionInDays);
    expect(retention('WebhookLogs')).toEqual(retention('PollerLogs'));
    expect(retention('WebhookLogs')).toHaveLength(1);
  });

  it('alarms on a burst of signature failures and on a poll it could not trigger, each reading one metric', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'PortoutWatch-webhook-signature-failures',
      MetricName: 'WebhookSignatureFailures',
      Threshold: 20,
      TreatMissingData: 'notBreaching',
      Dimensions: [{ Name: 'service', Value: 'portout-watch' }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'PortoutWatch-webhook-poll-not-triggered',
      MetricName: 'WebhookTriggerFailures',
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^OperationsTopic') }],
    });
  });

  it("describes the signature-failures alarm as before several accounts existed: one URL, one key", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'PortoutWatch-webhook-signature-failures',
      AlarmDescription:
        '20 or more webhook requests in 5 minutes were unsigned, wrongly signed or stale: someone is probing the URL, or the public key was rotated in the Telnyx portal and webhook.publicKey still holds the old one. Polling on the schedule is unaffected.',
    });
  });

  it('alarms when the receiver itself throws, on Lambda’s own Errors metric', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'PortoutWatch-webhook-receiver-errors',
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^WebhookFunction') } }],
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('reserves the receiver a few executions, so a flood on the public URL cannot take the poller’s concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('verifies Telnyx port-out webhooks'),
      ReservedConcurrentExecutions: RECEIVER_CONCURRENCY,
    });
    expect(RECEIVER_CONCURRENCY).toBeLessThanOrEqual(10);
  });

  it('passes cdk-nag’s AwsSolutions and Serverless packs (the receiver acknowledges DLQ and tracing, with reasons)', () => {
    expect(findings(new AwsSolutionsChecks(), app)).toEqual([]);
    expect(findings(new ServerlessChecks(), app)).toEqual([]);
  });
});

describe('webhook keys of several accounts in the stack config', () => {
  const keyEu = createWebhookSigner().publicKey;
  const accounts = (eu: Record<string, unknown> = { webhookPublicKey: keyEu }) => [{ name: 'default' }, { name: 'brand-eu', apiKeySecret: 'telnyx/brand-eu', ...eu }];

  it("keeps each account's webhookPublicKey; webhook.publicKey stays the default account's", () => {
    const config = parseConfig({ telnyxAccounts: accounts(), webhook: { publicKey } }, 'test');
    expect(config.webhook).toEqual({ publicKey });
    expect(config.telnyxAccounts?.map((account) => [account.name, account.webhookPublicKey])).toEqual([
      ['default', undefined],
      ['brand-eu', keyEu],
    ]);
  });

  it('checks an account’s key as it checks webhook.publicKey, naming the entry', () => {
    expect(() => parseConfig({ telnyxAccounts: accounts({ webhookPublicKey: 'KEY0183A9F2E1D_aBcDeF' }) }, 'test')).toThrow(
      /telnyxAccounts\[1\]\.webhookPublicKey: is not base64.*or leave it out to watch "brand-eu" on the schedule alone/,
    );
    expect(() => parseConfig({ telnyxAccounts: accounts({ webhookPublicKey: Buffer.alloc(16).toString('base64') }) }, 'test')).toThrow(
      /telnyxAccounts\[1\]\.webhookPublicKey: decodes to 16 bytes/,
    );
  });

  it("refuses the default account's key anywhere but webhook.publicKey, and webhook.publicKey where no default account is watched", () => {
    expect(() => parseConfig({ telnyxAccounts: [{ name: 'default', webhookPublicKey: publicKey }] }, 'test')).toThrow(
      /telnyxAccounts\[0\]\.webhookPublicKey: the "default" account's webhook key is webhook\.publicKey/,
    );
    expect(() => parseConfig({ telnyxAccounts: [{ name: 'brand-eu' }], webhook: { publicKey } }, 'test')).toThrow(
      /webhook\.publicKey: is the webhook key of the account named "default", which this deployment does not watch: give it to the account it belongs to, as its webhookPublicKey/,
    );
    expect(() => parseConfig({ telnyxAccounts: [], managedAccounts: {}, webhook: { publicKey } }, 'test')).toThrow(
      /webhook\.publicKey: is the webhook key of the account named "default"/,
    );
    // Managed accounts added to a single-account deployment keep its default account, webhook key included.
    expect(parseConfig({ managedAccounts: {}, webhook: { publicKey } }, 'test').webhook).toEqual({ publicKey });
  });

  it('telnyxAccounts with the lone default account is the single-account deployment, webhook included', () => {
    const config = parseConfig({ telnyxAccounts: [{ name: 'default' }], webhook: { publicKey } }, 'test');
    expect(config.telnyxAccounts).toBeUndefined();
    expect(config.webhook).toEqual({ publicKey });
  });
});

describe('the stack with several accounts and their webhook keys', () => {
  const keyEu = createWebhookSigner().publicKey;
  const SEVERAL = {
    telnyxAccounts: [{ name: 'default' }, { name: 'brand-eu', apiKeySecret: 'telnyx/brand-eu', webhookPublicKey: keyEu }, { name: 'brand-us' }],
    webhook: { publicKey },
  };
  const environment = (template: Template) => {
    const [[, fn]] = receiverFunction(template) as [[string, { Properties: { Environment: { Variables: Record<string, unknown> } } }]];
    return fn.Properties.Environment.Variables;
  };
  const functionUrl = { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhookFunctionFunctionUrl'), 'FunctionUrl'] };

  it('gives the receiver every configured account, with its key or null, and no single key', () => {
    const variables = environment(synthesize(SEVERAL).template);
    expect(JSON.parse(variables.WEBHOOK_ACCOUNTS as string)).toEqual({ default: publicKey, 'brand-eu': keyEu, 'brand-us': null });
    expect(variables).not.toHaveProperty('TELNYX_PUBLIC_KEY');
  });

  it('outputs a URL per account with a key: the bare one for default (as before), the one naming the account for the others', () => {
    const { template } = synthesize(SEVERAL);
    template.hasOutput('WebhookUrl', { Value: functionUrl });
    template.hasOutput('WebhookUrlbrandXeu', {
      Description: Match.stringLikeRegexp('of account "brand-eu"'),
      Value: { 'Fn::Join': ['', [functionUrl, '?account=brand-eu']] },
    });
    expect(Object.keys(template.findOutputs('*')).filter((id) => id.startsWith('WebhookUrl')).sort()).toEqual(['WebhookUrl', 'WebhookUrlbrandXeu']);
  });

  it("the signature-failures alarm's description names the accounts' URLs and their webhookPublicKey", () => {
    synthesize(SEVERAL).template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'PortoutWatch-webhook-signature-failures',
      AlarmDescription: Match.stringLikeRegexp("the URL of an account with no public key configured.*the account's webhookPublicKey"),
    });
  });

  it('builds the receiver when any account has a key, and none when no account has one', () => {
    const { template } = synthesize({ ...SEVERAL, webhook: undefined });
    expect(receiverFunction(template)).toHaveLength(1);
    expect(Object.keys(template.findOutputs('*')).filter((id) => id.startsWith('WebhookUrl'))).toEqual(['WebhookUrlbrandXeu']);
    const none = synthesize({ telnyxAccounts: [{ name: 'default' }, { name: 'brand-eu', apiKeySecret: 'telnyx/brand-eu' }] }).template;
    expect(receiverFunction(none)).toEqual([]);
    none.resourceCountIs('AWS::Lambda::Url', 0);
  });

  it("the largest fleet's keys fit the receiver's 4 KB environment: 50 accounts, 20-character names, every key set", () => {
    const name = (i: number) => `brand-${String(i).padStart(2, '0')}-`.padEnd(MAX_ACCOUNT_NAME_LENGTH, 'x');
    const telnyxAccounts = [
      { name: 'default' },
      ...Array.from({ length: MAX_CONFIGURED_ACCOUNTS - 1 }, (_, i) => ({ name: name(i), apiKeySecret: `t/${i}`, webhookPublicKey: createWebhookSigner().publicKey })),
    ];
    expect(telnyxAccounts.every((account) => account.name === 'default' || account.name.length === MAX_ACCOUNT_NAME_LENGTH)).toBe(true);
    const variables = environment(synthesize({ telnyxAccounts, webhook: { publicKey } }).template);
    // Lambda counts every name and value; the poller's function name (a reference here) is at most 64 characters.
    const bytes = Object.entries(variables).reduce((sum, [key, value]) => sum + key.length + (typeof value === 'string' ? value.length : 64), 0);
    expect(Object.keys(JSON.parse(variables.WEBHOOK_ACCOUNTS as string))).toHaveLength(MAX_CONFIGURED_ACCOUNTS);
    expect(bytes).toBeLessThan(4 * 1024);
  });
});
