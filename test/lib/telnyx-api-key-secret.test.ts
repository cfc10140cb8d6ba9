import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/poller/config.ts';
import type { PortoutWatchStack } from '../../lib/portout-watch-stack.ts';
import { secretsOf, type TelnyxApiKeySecret } from '../../lib/telnyx-api-key-secret.ts';
import { build, MANAGED_CONFIG, SEVERAL_ACCOUNTS_CONFIG, synthesize } from './synth.ts';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const EU_ARN = SEVERAL_ACCOUNTS_CONFIG.telnyxAccounts[1]?.apiKeySecret;

function pollerVariables(template: Template): Record<string, unknown> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function') as Resources);
  return (fn?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** The poller role's statements that touch secrets or their key. */
function secretStatements(template: Template): unknown[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources);
  return policies
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: { Action: unknown }[] }).Statement)
    .filter((statement) => statement.Action === 'secretsmanager:GetSecretValue' || statement.Action === 'kms:Decrypt');
}

/** The TELNYX_ACCOUNTS value with each created secret's ARN written as `<logical id>`. */
function accountsJson(template: Template): unknown {
  const value = pollerVariables(template)[ENV.telnyxAccounts];
  if (typeof value === 'string') return JSON.parse(value);
  const [, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`)).join(''));
}

const logicalId = (stack: PortoutWatchStack, secret: TelnyxApiKeySecret | undefined) =>
  secret?.createdSecret ? stack.getLogicalId(secret.createdSecret.node.defaultChild as CfnElement) : undefined;

describe('a deployment of three Telnyx accounts', () => {
  let stack: PortoutWatchStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synthesize(SEVERAL_ACCOUNTS_CONFIG));
  });

  it('creates a secret per account without one, the default account\'s under the single-account logical id', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    const keys = stack.watch.telnyxKeys;
    expect(keys.kind).toBe('several');
    // The single-account deployment's secret, so the key already stored in it survives the upgrade.
    expect(logicalId(stack, stack.watch.apiKey)).toBe('TelnyxApiKeySecret4E560A29');
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: 'Telnyx API key of account "brand-us" for portout-watch: the SecretString is the bare key (no JSON).',
    });
  });

  it('passes every account by name and secret, and no single-account variable', () => {
    const variables = pollerVariables(template);
    expect(variables[ENV.apiKeySecretArn]).toBeUndefined();
    expect(variables[ENV.managerKeySecretArn]).toBeUndefined();
    const keys = stack.watch.telnyxKeys;
    if (keys.kind !== 'several') throw new Error('expected several accounts');
    const [defaultKey, , usKey] = keys.accounts;
    expect(accountsJson(template)).toEqual([
      { name: 'default', secretId: `<${logicalId(stack, defaultKey?.apiKey)}>` },
      { name: 'brand-eu', secretId: EU_ARN },
      { name: 'brand-us', secretId: `<${logicalId(stack, usKey?.apiKey)}>` },
    ]);
  });

  it('lets the poller read each account\'s secret, and decrypt only the created ones, through Secrets Manager', () => {
    const created = secretsOf(stack.watch.telnyxKeys).flatMap((secret) => (secret.createdSecret ? [logicalId(stack, secret)] : []));
    expect(created).toHaveLength(2);
    const statements = JSON.stringify(secretStatements(template));
    const [read, decrypt, ...others] = secretStatements(template) as Array<{ Action: string; Resource: unknown; Condition?: unknown }>;
    expect(others).toEqual([]);
    expect(read?.Action).toBe('secretsmanager:GetSecretValue');
    expect(read?.Resource).toEqual(expect.arrayContaining([{ Ref: created[0] }, EU_ARN, { Ref: created[1] }]));
    expect((read?.Resource as unknown[]).length).toBe(3);
    expect(decrypt?.Action).toBe('kms:Decrypt');
    expect(decrypt?.Condition).toMatchObject({
      StringEquals: { 'kms:EncryptionContext:SecretARN': created.map((id) => ({ Ref: id })) },
    });
    expect(statements).not.toMatch(/"\*"/);
  });

  it('outputs each account\'s secret and set-key command, the default account\'s under the existing names', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Description: string; Value: unknown }>;
    expect(outputs.TelnyxApiKeySecretId?.Description).toContain('account "default"');
    expect(outputs.TelnyxApiKeySecretIdbrandXeu).toEqual({ Description: 'The secret the poller reads account "brand-eu"\'s Telnyx API key from', Value: EU_ARN });
    expect(JSON.stringify(outputs.SetTelnyxApiKeyCommandbrandXeu?.Value)).toContain(`--secret-id ${EU_ARN} --secret-string file:///dev/stdin`);
    expect(outputs.SetTelnyxApiKeyCommandbrandXus?.Description).toBe('Run after `read -rs TELNYX_API_KEY` to put account "brand-us"\'s key in the secret');
  });

  it('says on the key that it encrypts the API key secrets', () => {
    template.hasResourceProperties('AWS::KMS::Key', { Description: 'PortoutWatch: encrypts the ops topic, the API key secrets' });
  });
});

describe('the most accounts synth accepts', () => {
  /**
   * A value at its longest once deployed: pseudo parameters at their longest (GovCloud, a 14-character region, China's
   * URL suffix), and the names CloudFormation generates (stack name, logical id, 13 random characters) in each ARN.
   */
  function deployed(value: unknown, resources: Resources): string {
    if (typeof value === 'string') return value;
    const { Ref, 'Fn::Join': join } = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
    if (join) return join[1].map((part) => deployed(part, resources)).join(join[0]);
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws-us-gov', 'AWS::Region': 'ap-southeast-5', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com.cn' };
    if (Ref && pseudo[Ref]) return pseudo[Ref];
    const arn = (service: string) => `arn:aws-us-gov:${service}:ap-southeast-5:123456789012:`;
    switch (resources[Ref ?? '']?.Type) {
      case 'AWS::SecretsManager::Secret':
        return `${arn('secretsmanager')}secret:${Ref}-abcdefghijklm-AbCdEf`;
      case 'AWS::SNS::Topic':
        return `${arn('sns')}PortoutWatch-${Ref}-ABCDEFGHIJKLM`;
      case 'AWS::DynamoDB::GlobalTable':
        return `PortoutWatch-${Ref}-ABCDEFGHIJKLM`;
      default:
        throw new Error(`no longest value for ${JSON.stringify(value)}`);
    }
  }

  it('fit the 4 KB Lambda allows a function\'s environment (the JSON of its variables), with every other variable set', () => {
    const name = (i: number) => `brand-${String(i).padStart(14, '0')}`;
    const settings = (count: number) => ({
      telnyxAccounts: Array.from({ length: count }, (_, i) => ({ name: name(i) })),
      managedAccounts: { managerKeySecret: `arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:${'m'.repeat(60)}-AbCdEf` },
      poller: { listConcurrency: 2, telnyxConcurrency: 32, accountConcurrency: 16, telnyxTimeoutMs: 8000, secretCacheSeconds: 3600, closedRetentionDays: 365, deadlineMarginMs: 5000, firstRunSummary: false, digestThreshold: 20, focReminderHours: [24, 4], watchRejected: false, watchComments: false, lookbackHours: 96 },
      alerts: {
        displayName: 'Portouts12',
        slack: [{ workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' }, { workspaceId: 'T07EA123LEP', channelId: 'C07FRAUD001', filterPolicy: { eventType: ['possible-fraud', 'new'] } }],
      },
    });
    const builds = (count: number) => { try { return build(settings(count)); } catch { return undefined; } };
    let count = 15;
    expect(builds(count)).toBeDefined();
    while (count < 50 && builds(count + 1)) count += 1;
    const { template } = synthesize(settings(count));
    const resources = template.toJSON().Resources as Resources;
    const variables = Object.fromEntries(Object.entries(pollerVariables(template)).map(([key, value]) => [key, deployed(value, resources)]));
    expect(JSON.stringify(variables).length).toBeLessThanOrEqual(4_096);
  });
});

describe('fifty accounts with existing secrets', () => {
  it('synthesize within IAM\'s policy size and CloudFormation\'s outputs, with one alarm each', () => {
    const { template } = synthesize({ telnyxAccounts: Array.from({ length: 50 }, (_, i) => ({ name: `brand-${i}`, apiKeySecret: `telnyx/brand-${i}` })) });
    const json = template.toJSON() as { Resources: Resources; Outputs: object };
    const poller = Object.values(json.Resources).find((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource).includes('GetSecretValue'));
    // A role's inline policies may hold 10,240 characters; the template's references make this an overestimate.
    expect(JSON.stringify(poller?.Properties?.PolicyDocument).length).toBeLessThan(10_240);
    expect(Object.keys(json.Outputs).length).toBeLessThanOrEqual(200);
    expect(Object.values(json.Resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')).toHaveLength(6 + 50);
  });
});

describe('a deployment of managed accounts alone', () => {
  let stack: PortoutWatchStack;
  let template: Template;
  beforeAll(() => {
    ({ stack, template } = synthesize(MANAGED_CONFIG));
  });

  it('creates the manager\'s secret, no account secret, and passes an empty account list', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(stack.watch.apiKey).toBeUndefined();
    const keys = stack.watch.telnyxKeys;
    if (keys.kind !== 'several' || !keys.managerKey) throw new Error('expected a manager key');
    const variables = pollerVariables(template);
    expect(variables[ENV.telnyxAccounts]).toBe('[]');
    expect(variables[ENV.managerKeySecretArn]).toEqual({ Ref: logicalId(stack, keys.managerKey) });
    expect(variables[ENV.apiKeySecretArn]).toBeUndefined();
    const [read] = secretStatements(template) as Array<{ Resource: unknown }>;
    expect(read?.Resource).toEqual({ Ref: logicalId(stack, keys.managerKey) });
    expect(Object.keys(template.toJSON().Outputs as object)).toEqual(expect.arrayContaining(['ManagerKeySecretId', 'SetManagerKeyCommand']));
    expect(Object.keys(template.toJSON().Outputs as object)).not.toContain('TelnyxApiKeySecretId');
  });

  it('reads an existing manager secret by name and creates none', () => {
    const { template: existing } = synthesize({ telnyxAccounts: [{ name: 'default' }], managedAccounts: { managerKeySecret: 'telnyx/manager' } });
    existing.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(pollerVariables(existing)[ENV.managerKeySecretArn]).toBe('telnyx/manager');
  });
});

describe('managed accounts added to a single-account deployment', () => {
  it('keep watching its account, under the same secret and records', () => {
    const { template: today } = synthesize({});
    const { stack, template } = synthesize({ managedAccounts: {} });
    const secrets = (t: Template) => Object.keys(t.findResources('AWS::SecretsManager::Secret')).sort();
    // The single-account secret, with the key in it (its removal policy is DESTROY), stays; the manager's is added.
    expect(secrets(template)).toEqual([...secrets(today), 'TelnyxManagerKeySecretA8E956E2'].sort());
    expect(logicalId(stack, stack.watch.apiKey)).toBe('TelnyxApiKeySecret4E560A29');
    // Named `default`, the account keeps its table keys, so the upgrade alerts nothing again.
    expect(accountsJson(template)).toEqual([{ name: 'default', secretId: '<TelnyxApiKeySecret4E560A29>' }]);
    expect(pollerVariables(template)[ENV.managerKeySecretArn]).toEqual({ Ref: 'TelnyxManagerKeySecretA8E956E2' });
  });
});

describe('a deployment of the default account alone', () => {
  it('is today\'s single-account template, whether or not telnyxAccounts names it', () => {
    const today = synthesize({}).template.toJSON();
    expect(synthesize({ telnyxAccounts: [{ name: 'default' }] }).template.toJSON()).toEqual(today);
  });

  it('keeps today\'s resources, outputs and environment', () => {
    const { template } = synthesize({});
    const resources = template.toJSON().Resources as Resources;
    expect(Object.entries(resources).map(([id, resource]) => `${id} ${resource.Type}`).sort()).toEqual([
      'AlertsTopicCF7C81C9 AWS::SNS::Topic',
      'AlertsTopicPolicyFF1F97BA AWS::SNS::TopicPolicy',
      'DeadLettersQueue631681B1 AWS::SQS::Queue',
      'DeadLettersQueuePolicyD869E40F AWS::SQS::QueuePolicy',
      'Key961B73FD AWS::KMS::Key',
      'OperationsCommentWatchDown19FE517A AWS::CloudWatch::Alarm',
      'OperationsDeadLettersFD56B2FE AWS::CloudWatch::Alarm',
      'OperationsFraudGapWatchDown90130347 AWS::CloudWatch::Alarm',
      'OperationsHeartbeatA20E9D25 AWS::CloudWatch::Alarm',
      'OperationsStatusWatchDownCFE7760E AWS::CloudWatch::Alarm',
      'OperationsTelnyxAuthFailures703E440B AWS::CloudWatch::Alarm',
      'OperationsTopic6D6844EA AWS::SNS::Topic',
      'OperationsTopicPolicyDE7B1F02 AWS::SNS::TopicPolicy',
      'PollerFunctionD1C91003 AWS::Lambda::Function',
      'PollerFunctionEventInvokeConfig02AE66B4 AWS::Lambda::EventInvokeConfig',
      'PollerLogs034015E3 AWS::Logs::LogGroup',
      'PollerRoleDefaultPolicy9637F8A1 AWS::IAM::Policy',
      'PollerRoleEBEB422E AWS::IAM::Role',
      'PollerSchedule74EB746C AWS::Scheduler::Schedule',
      'PollerSchedulerRole9F266A57 AWS::IAM::Role',
      'PollerSchedulerRoleDefaultPolicyDBF04E17 AWS::IAM::Policy',
      'StateTable962DE04C AWS::DynamoDB::GlobalTable',
      'TelnyxApiKeySecret4E560A29 AWS::SecretsManager::Secret',
    ]);
    expect(Object.keys(template.toJSON().Outputs as object).sort()).toEqual([
      'AlertTopicArn',
      'OpsTopicArn',
      'PollerFunctionName',
      'SetTelnyxApiKeyCommand',
      'StateTableName',
      'TelnyxApiKeySecretId',
    ]);
    const variables = pollerVariables(template);
    expect(Object.keys(variables).sort()).toEqual([
      'NODE_OPTIONS',
      'POWERTOOLS_LOG_LEVEL',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_SERVICE_NAME',
      ENV.tableName,
      ENV.apiKeySecretArn,
      ENV.topicArn,
    ]);
    expect(variables[ENV.apiKeySecretArn]).toEqual({ Ref: 'TelnyxApiKeySecret4E560A29' });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 120 });
  });
});
