import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config.ts';
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
