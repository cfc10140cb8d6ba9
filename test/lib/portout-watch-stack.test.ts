import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, ENV } from '../../functions/poller/config.ts';
import { EVENT_TYPES } from '../../functions/poller/core/alert-types.ts';
import { STATE_TABLE } from '../../functions/poller/state-table.ts';
import { METRIC, METRIC_NAMESPACE, SERVICE_NAME } from '../../functions/poller/telemetry.ts';
import { TABLE_ACTIONS, TABLE_KEY_ACTIONS } from '../../lib/poller-function.ts';
import type { PortoutWatchStack } from '../../lib/portout-watch-stack.ts';
import { FULL_CONFIG, synthesize } from './synth.ts';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

function ids(stack: PortoutWatchStack) {
  const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  return {
    table: id(stack.watch.stateTable.table),
    alertTopic: id(stack.watch.alertTopic.topic),
    opsTopic: id(stack.watch.operations.topic),
    key: id(stack.watch.key),
    fn: id(stack.watch.poller.function),
    role: id(stack.watch.poller.role),
    logGroup: id(stack.watch.poller.logGroup),
    failedRuns: id(stack.watch.poller.failedRuns.queue),
    secret: stack.watch.apiKey?.createdSecret ? id(stack.watch.apiKey.createdSecret) : undefined,
  };
}

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const ref = (logicalId: string) => ({ Ref: logicalId });

/** Every statement of every identity policy in the template. */
function identityStatements(template: Template): { Action: unknown; Resource: unknown; Effect: string }[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources);
  return policies.flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: { Action: unknown; Resource: unknown; Effect: string }[] }).Statement);
}

function expectNoWildcards(template: Template): void {
  const statements = identityStatements(template);
  expect(statements.length).toBeGreaterThan(0);
  for (const statement of statements) {
    expect(statement.Effect).toBe('Allow');
    expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|:\*"/);
    for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
  }
}

interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Principal?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, string>>;
}

/**
 * Whether a Deny statement whose only conditions are BoolIfExists applies to a request: IAM's rule for
 * BoolIfExists is that a key the request lacks satisfies the condition.
 */
function denies(statement: PolicyStatementJson, action: string, context: Record<string, 'true' | 'false'>): boolean {
  if (statement.Effect !== 'Deny' || ![statement.Action].flat().includes(action)) return false;
  const { BoolIfExists, ...others } = statement.Condition ?? {};
  expect(others).toEqual({});
  return Object.entries(BoolIfExists ?? {}).every(([key, value]) => context[key] === undefined || context[key] === value);
}

function policyOfRole(template: Template, roleId: string): unknown[] {
  const [policy, ...others] = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }) as Resources,
  );
  expect(others).toEqual([]);
  return (policy?.Properties?.PolicyDocument as { Statement: unknown[] }).Statement;
}

describe('the stack with no configuration', () => {
  let stack: PortoutWatchStack;
  let template: Template;
  let id: ReturnType<typeof ids>;
  beforeAll(() => {
    ({ stack, template } = synthesize({}));
    id = ids(stack);
  });

  it('is environment-agnostic, so it synthesizes without AWS credentials', () => {
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' });
    expect(stack.resolve(stack.region)).toEqual({ Ref: 'AWS::Region' });
  });

  it('has exactly the resources this issue asks for, and no subscriptions', () => {
    const counts: Record<string, number> = {};
    for (const resource of Object.values(template.toJSON().Resources as Resources)) counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
    expect(counts).toEqual({
      'AWS::KMS::Key': 1,
      'AWS::DynamoDB::GlobalTable': 1,
      'AWS::SNS::Topic': 2,
      'AWS::SNS::TopicPolicy': 2,
      'AWS::SecretsManager::Secret': 1,
      'AWS::Logs::LogGroup': 1,
      'AWS::SQS::Queue': 1,
      'AWS::SQS::QueuePolicy': 1,
      'AWS::IAM::Role': 2,
      'AWS::IAM::Policy': 2,
      'AWS::Lambda::Function': 1,
      'AWS::Lambda::EventInvokeConfig': 1,
      'AWS::Scheduler::Schedule': 1,
      'AWS::CloudWatch::Alarm': 6,
    });
  });

  // Pinned literally: a changed logical id makes CloudFormation replace the resource, and a replaced table,
  // key or secret loses the state, the encrypted data or the API key of every deployed stack.
  it('keeps the logical ids deployed stacks already have, outputs included', () => {
    expect(id).toEqual({
      table: 'StateTable962DE04C',
      alertTopic: 'AlertsTopicCF7C81C9',
      opsTopic: 'OperationsTopic6D6844EA',
      key: 'Key961B73FD',
      fn: 'PollerFunctionD1C91003',
      role: 'PollerRoleEBEB422E',
      logGroup: 'PollerLogs034015E3',
      failedRuns: 'DeadLettersQueue631681B1',
      secret: 'TelnyxApiKeySecret4E560A29',
    });
    expect(Object.keys(template.toJSON().Outputs as object).sort()).toEqual([
      'AlertTopicArn',
      'OpsTopicArn',
      'PollerFunctionName',
      'SetTelnyxApiKeyCommand',
      'StateTableName',
      'TelnyxApiKeySecretId',
    ]);
  });

  it('has no dashboard unless asked for: it costs $3 a month', () => {
    expect(stack.watch.operations.dashboard).toBeUndefined();
    expect(Object.keys(template.findOutputs('DashboardName'))).toEqual([]);
  });

  describe('the poller function', () => {
    it('runs the newest Node.js runtime on arm64 as an ESM bundle, sized for the worst run', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: 120,
        LoggingConfig: { LogGroup: ref(id.logGroup) },
        Role: arnOf(id.role),
      });
      const fn = Object.values(template.findResources('AWS::Lambda::Function') as Resources)[0]?.Properties ?? {};
      expect(fn.ReservedConcurrentExecutions).toBeUndefined();
      expect(fn.TracingConfig).toBeUndefined();
    });

    it('gets exactly the environment the poller reads, from its own names', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.exact({
            [ENV.tableName]: ref(id.table),
            [ENV.topicArn]: ref(id.alertTopic),
            [ENV.apiKeySecretArn]: ref(id.secret ?? ''),
            POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
            POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
            POWERTOOLS_LOG_LEVEL: 'INFO',
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      });
    });

    it('does not retry a failed run itself, drops events older than one interval, and files failures in a queue', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref(id.fn),
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 300,
        DestinationConfig: { OnFailure: { Destination: arnOf(id.failedRuns) } },
      });
    });

    it('logs to its own log group, kept a year by default, that outlives the stack', () => {
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 365 },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('has a role trusted by Lambda alone, with no managed policies', () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
        },
        ManagedPolicyArns: Match.absent(),
      });
    });

    it("may touch only this stack's log group, table, alert topic, secret and failed-runs queue", () => {
      expect(policyOfRole(template, id.role)).toEqual([
        { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: arnOf(id.logGroup) },
        { Action: [...TABLE_ACTIONS], Effect: 'Allow', Resource: arnOf(id.table) },
        { Action: 'sns:Publish', Effect: 'Allow', Resource: ref(id.alertTopic) },
        { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: ref(id.secret ?? '') },
        {
          Action: 'kms:Decrypt',
          Effect: 'Allow',
          Resource: arnOf(id.key),
          Condition: {
            StringEquals: {
              'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
              'kms:EncryptionContext:SecretARN': ref(id.secret ?? ''),
            },
          },
        },
        { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(id.failedRuns) },
      ]);
    });
  });

  describe('the schedule', () => {
    it('invokes the function every 5 minutes through EventBridge Scheduler, filing undeliverable events', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: 'PortoutWatch-poll',
        ScheduleExpression: 'rate(5 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: arnOf(id.fn),
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PollerSchedulerRole'), 'Arn'] },
          DeadLetterConfig: { Arn: arnOf(id.failedRuns) },
          RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 },
        },
      });
    });

    it("uses a role that only this account's schedule can assume and that can only invoke the function", () => {
      const [roleId] = Object.keys(
        template.findResources('AWS::IAM::Role', {
          Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] } },
        }),
      );
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: {
                StringEquals: {
                  'aws:SourceAccount': { Ref: 'AWS::AccountId' },
                  'aws:SourceArn': {
                    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':schedule/default/PortoutWatch-poll']],
                  },
                },
              },
            },
          ],
        },
      });
      expect(policyOfRole(template, roleId ?? '')).toEqual([
        { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: arnOf(id.fn) },
        { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(id.failedRuns) },
      ]);
    });
  });

  it('grants nothing on Resource "*" and no wildcard actions', () => {
    expectNoWildcards(template);
  });

  describe('the state table', () => {
    it('is on-demand with the poller’s key schema, TTL attribute and point-in-time recovery', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [
          { AttributeName: STATE_TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: STATE_TABLE.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: STATE_TABLE.partitionKey, AttributeType: 'S' },
          { AttributeName: STATE_TABLE.sortKey, AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: STATE_TABLE.ttlAttribute, Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
            SSESpecification: Match.absent(),
          }),
        ],
        GlobalSecondaryIndexes: Match.absent(),
      });
    });

    it('survives stack deletion and replacement', () => {
      template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });
  });

  describe('the alert topic', () => {
    it('is a standard, encrypted topic with no display name', () => {
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alias/aws/sns']] },
        FifoTopic: Match.absent(),
        DisplayName: Match.absent(),
      });
    });

    it('refuses publishers that are not using TLS', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref(id.alertTopic)],
        PolicyDocument: {
          Statement: [
            {
              Sid: 'AllowPublishThroughSSLOnly',
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Resource: ref(id.alertTopic),
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      });
    });
  });

  describe('the Telnyx API key', () => {
    it('is a secret this stack creates, deleted with the stack', () => {
      template.hasResource('AWS::SecretsManager::Secret', {
        Properties: { GenerateSecretString: {}, Description: Match.stringLikeRegexp('bare key') },
        DeletionPolicy: 'Delete',
      });
    });

    it("is encrypted with the stack's key (the poller may decrypt with it only through Secrets Manager, above)", () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: arnOf(id.key) });
    });

    it('comes with the command that sets it as a stack output', () => {
      template.hasOutput('SetTelnyxApiKeyCommand', {
        Value: {
          'Fn::Join': [
            '',
            [
              'printf %s "$TELNYX_API_KEY" | aws secretsmanager put-secret-value --region ',
              { Ref: 'AWS::Region' },
              ' --secret-id ',
              ref(id.secret ?? ''),
              ' --secret-string file:///dev/stdin',
            ],
          ],
        },
      });
    });
  });

  describe('the failed-runs queue', () => {
    it('is encrypted, keeps messages 14 days and refuses requests without TLS', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
        // Declared a dead-letter queue, as Control Tower's CT.SQS.PR.1 asks.
        RedriveAllowPolicy: { redrivePermission: 'allowAll' },
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(id.failedRuns)],
        PolicyDocument: {
          Statement: [
            {
              Action: 'sqs:*',
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Resource: arnOf(id.failedRuns),
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      });
    });
  });

  describe('operations', () => {
    it('encrypts the ops topic with a rotating customer-managed key that CloudWatch may use', () => {
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf(id.key) });
      template.hasResource('AWS::KMS::Key', {
        Properties: {
          EnableKeyRotation: true,
          KeyPolicy: {
            Statement: Match.arrayWith([
              {
                Sid: 'AllowCloudWatchAlarmsToPublishToTheOpsTopic',
                Effect: 'Allow',
                Principal: { Service: 'cloudwatch.amazonaws.com' },
                Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
                Resource: '*',
              },
            ]),
          },
        },
        // Nothing retained depends on it unless the table uses it.
        DeletionPolicy: 'Delete',
      });
    });

    it("lets only this stack's alarms publish to the ops topic, over TLS", () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref(id.opsTopic)],
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            {
              Sid: 'AllowThisStacksAlarms',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: ref(id.opsTopic),
              Condition: {
                ArnLike: {
                  'aws:SourceArn': {
                    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:PortoutWatch-*']],
                  },
                },
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              },
            },
          ],
        },
      });
    });

    it('raises the heartbeat alarm after three intervals without a successful run, even with no data at all', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'PortoutWatch-heartbeat',
        Metrics: [
          { Id: 'expr_1', Expression: 'FILL(m, 0)', Label: 'Successful runs', ReturnData: true },
          {
            Id: 'm',
            MetricStat: {
              Metric: { Namespace: METRIC_NAMESPACE, MetricName: METRIC.pollSucceeded, Dimensions: [{ Name: 'service', Value: SERVICE_NAME }] },
              Period: 300,
              Stat: 'Sum',
            },
            ReturnData: false,
          },
        ],
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'breaching',
        AlarmActions: [ref(id.opsTopic)],
        OKActions: [ref(id.opsTopic)],
      });
    });

    it.each([
      ['status', 'PortoutWatch-status-watch-down', 'status watch down', 'the listing of pending port-outs or the lookups'],
      ['fraud-gap', 'PortoutWatch-fraud-gap-watch-down', 'fraud-gap watch down', 'set poller.watchRejected: false'],
      ['comments', 'PortoutWatch-comment-watch-down', 'comment watch down', 'set poller.watchComments: false'],
    ])('alarms when the %s watch is down in 3 of 4 intervals, naming it (%s)', (watch, alarmName, title, advice) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: alarmName,
        AlarmDescription: Match.stringLikeRegexp(`^portout-watch ${title}: in 3 runs of 4 intervals .*${advice.replace(/[.:]/g, '\\$&')}`),
        Namespace: METRIC_NAMESPACE,
        MetricName: METRIC.watchDown,
        Dimensions: [
          { Name: 'service', Value: SERVICE_NAME },
          { Name: 'watch', Value: watch },
        ],
        Statistic: 'Sum',
        Period: 300,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        // 3 of 4: one interval left empty by a run ending past its edge does not restart the count.
        EvaluationPeriods: 4,
        DatapointsToAlarm: 3,
        // WatchDown is sent only when the watch was down: no data is a healthy run.
        TreatMissingData: 'notBreaching',
        AlarmActions: [ref(id.opsTopic)],
      });
    });

    it('reads no metric twice and no metric the heartbeat or the dead-letter alarm already covers', () => {
      const read = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources).flatMap((alarm) => {
        const props = alarm.Properties ?? {};
        const metrics = (props.Metrics as Array<{ MetricStat?: { Metric: { MetricName: string; Dimensions: unknown } } }> | undefined) ?? [
          { MetricStat: { Metric: { MetricName: props.MetricName as string, Dimensions: props.Dimensions } } },
        ];
        return metrics.flatMap((metric) => (metric.MetricStat ? [JSON.stringify(metric.MetricStat.Metric)] : []));
      });
      expect(new Set(read).size).toBe(read.length);
      expect(read.join()).not.toMatch(/"Errors"|AsyncEventsDropped/);
    });

    it('alarms on the first Telnyx authentication failure', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'PortoutWatch-telnyx-auth-failures',
        Namespace: METRIC_NAMESPACE,
        MetricName: METRIC.telnyxAuthFailures,
        Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        AlarmActions: [ref(id.opsTopic)],
      });
    });

    it('alarms on every message arriving in the dead-letter queue, so an unpurged backlog hides no later one', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'PortoutWatch-dead-letters',
        Namespace: 'AWS/SQS',
        MetricName: 'NumberOfMessagesSent',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id.failedRuns, 'QueueName'] } }],
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [ref(id.opsTopic)],
      });
    });

    it('sends every alarm to the ops topic, and its recovery too', () => {
      for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources)) {
        expect(alarm.Properties).toMatchObject({ AlarmActions: [ref(id.opsTopic)], OKActions: [ref(id.opsTopic)] });
        expect(alarm.Properties?.AlarmName).toMatch(/^PortoutWatch-/);
        expect(alarm.Properties?.AlarmDescription).toBeTruthy();
        // CloudWatch refuses a longer description, and it is what the notification carries.
        expect(String(alarm.Properties?.AlarmDescription).length).toBeLessThanOrEqual(1024);
      }
    });
  });
});

describe('the stack with every setting', () => {
  let stack: PortoutWatchStack;
  let template: Template;
  let id: ReturnType<typeof ids>;
  beforeAll(() => {
    ({ stack, template } = synthesize(FULL_CONFIG, 'PortoutWatch-prod'));
    id = ids(stack);
  });

  it('deploys only into the configured account and region', () => {
    expect(stack.account).toBe('123456789012');
    expect(stack.region).toBe('us-east-1');
  });

  it('sizes and configures the function as set, passing poller overrides by their env names', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Timeout: 90,
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          [ENV.apiKeySecretArn]: FULL_CONFIG.telnyxApiKeySecret,
          [ENV.listConcurrency]: '2',
          [ENV.telnyxTimeoutMs]: '8000',
          [ENV.focReminderHours]: '24,4',
          [ENV.watchComments]: 'false',
          [ENV.digestThreshold]: '20',
          // The poller budgets every SMS around the display name SNS puts in front of it.
          [ENV.smsDisplayName]: 'Portouts',
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
        }),
      },
    });
    const variables = (Object.values(template.findResources('AWS::Lambda::Function') as Resources)[0]?.Properties?.Environment as {
      Variables: Record<string, unknown>;
    }).Variables;
    expect(variables[ENV.telnyxBaseUrl]).toBeUndefined();
    expect(variables[ENV.secretCacheSeconds]).toBeUndefined();
    expect(DEFAULTS.telnyxBaseUrl).toMatch(/^https:/);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('schedules every 10 minutes and scales the event ages and heartbeat period to match', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(10 minutes)',
      Target: Match.objectLike({ RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 2 } }),
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 600 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'PortoutWatch-prod-heartbeat',
      Metrics: Match.arrayWith([Match.objectLike({ Id: 'm', MetricStat: Match.objectLike({ Period: 600 }) })]),
    });
  });

  it('reads only the existing secret it was given, and creates none', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const secretStatements = identityStatements(template).filter((s) => JSON.stringify(s.Action).includes('secretsmanager'));
    expect(secretStatements).toEqual([{ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: FULL_CONFIG.telnyxApiKeySecret }]);
  });

  it('encrypts the table with the stack’s key, lets the function use that key alone, and keeps the key with the table', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ Region: 'us-east-1', SSESpecification: { KMSMasterKeyId: arnOf(id.key) } })],
    });
    expect(policyOfRole(template, id.role)).toContainEqual({
      Action: [...TABLE_KEY_ACTIONS],
      Effect: 'Allow',
      Resource: arnOf(id.key),
      // The same key guards the secret and the ops topic: for the table, only through DynamoDB.
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.us-east-1.', { Ref: 'AWS::URLSuffix' }]] } } },
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('lets only AWS services create grants on the key, so DynamoDB can still use it for the table', () => {
    const keyPolicy = template.findResources('AWS::KMS::Key')[id.key]?.Properties?.KeyPolicy as { Statement: PolicyStatementJson[] };
    const denyGrants = keyPolicy.Statement.filter((statement) => statement.Effect === 'Deny');
    expect(denyGrants).toHaveLength(1);
    const [statement] = denyGrants as [PolicyStatementJson];
    expect(statement).toMatchObject({ Principal: { AWS: '*' }, Resource: '*' });
    // DynamoDB creates the table's grants itself, on behalf of the deploying role: a grant for an AWS resource.
    expect(denies(statement, 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': 'true', 'aws:PrincipalIsAWSService': 'false' })).toBe(false);
    expect(denies(statement, 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'true' })).toBe(false);
    // A person or role handing the key out directly is refused, whether or not the request carries the keys.
    expect(denies(statement, 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' })).toBe(true);
    expect(denies(statement, 'kms:CreateGrant', {})).toBe(true);
    // What the poller and the table do with the key is untouched.
    for (const action of TABLE_KEY_ACTIONS) expect(denies(statement, action, {})).toBe(false);
  });

  it('still grants nothing on Resource "*" and no wildcard actions', () => {
    expectNoWildcards(template);
  });

  it('has a dashboard of runs, watches down, port-outs watched, Telnyx errors by kind, events, alerts, the function and the queue', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard') as Resources)[0];
    const body = JSON.stringify(dashboard?.Properties?.DashboardBody);
    for (const title of ['Alarms', 'Runs', 'Watches down', 'Port-outs watched', 'Telnyx errors by kind', 'Events by type', 'Poller function', 'Dead-letter queue']) {
      expect(body).toContain(title);
    }
    for (const name of [METRIC.pollSucceeded, METRIC.pollFailed, METRIC.watchDown, METRIC.telnyxAuthFailures, 'AsyncEventsDropped']) {
      expect(body).toContain(name);
    }
    for (const eventType of EVENT_TYPES) expect(body).toContain(`\\"eventType\\",\\"${eventType}\\"`);
    expect(body).toContain(`SEARCH('{${METRIC_NAMESPACE},kind,service} MetricName=\\\\\\"${METRIC.telnyxErrors}\\\\\\"`);
    // Gauges come from each run's summary line, not from metrics billed every hour.
    expect(body).toMatch(/filter \(message like \/\^poll finished\/ and not ispresent\(account\)\) or message like \/\^fleet run finished\/.*stats max\(watched\)/);
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
    expect(Object.keys(template.findOutputs('DashboardName'))).toHaveLength(1);
  });

  it('puts the short display name on the alert topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'Portouts' });
  });

  describe('subscriptions', () => {
    const subscription = (endpoint: string) =>
      Object.values(template.findResources('AWS::SNS::Subscription', { Properties: { Endpoint: endpoint } }) as Resources)[0]?.Properties ?? {};

    it('subscribes every configured endpoint, plus the alarm email to the ops topic', () => {
      template.resourceCountIs('AWS::SNS::Subscription', 4);
      expect(subscription('noc@example.com')).toMatchObject({ Protocol: 'email', TopicArn: ref(id.alertTopic) });
      expect(subscription('fraud@example.com')).toMatchObject({ Protocol: 'email', TopicArn: ref(id.alertTopic) });
      expect(subscription('+14155550100')).toMatchObject({ Protocol: 'sms', TopicArn: ref(id.alertTopic) });
      expect(subscription('oncall@example.com')).toMatchObject({ Protocol: 'email', TopicArn: ref(id.opsTopic) });
    });

    it('filters on the message attributes as configured, and only ever delivers the messages meant for people', () => {
      expect(subscription('noc@example.com').FilterPolicy).toEqual({ audience: ['people'] });
      expect(subscription('fraud@example.com').FilterPolicy).toEqual({ eventType: ['possible-fraud', 'new'], audience: ['people'] });
      expect(subscription('+14155550100').FilterPolicy).toEqual({
        eventType: [{ 'anything-but': ['digest', 'new-comment'] }],
        countryCodes: ['US', 'CA'],
        audience: ['people'],
      });
      expect(subscription('+14155550100').FilterPolicyScope).toBeUndefined();
      expect(subscription('oncall@example.com').FilterPolicy).toBeUndefined();
    });

    it('files what no subscription could deliver in the one dead-letter queue, which only these topics may write to', () => {
      for (const endpoint of ['noc@example.com', 'fraud@example.com', '+14155550100', 'oncall@example.com']) {
        expect(subscription(endpoint).RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(id.failedRuns) });
      }
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(id.failedRuns)],
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ...[id.alertTopic, id.opsTopic].map((topicId) => ({
              Action: 'sqs:SendMessage',
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Resource: arnOf(id.failedRuns),
              Condition: { ArnEquals: { 'aws:SourceArn': ref(topicId) } },
            })),
          ],
        },
      });
      // One queue and one alarm, however many subscriptions.
      template.resourceCountIs('AWS::SQS::Queue', 1);
      template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    });
  });
});

describe('the stack with other settings', () => {
  it('reads an existing secret by name, matching the suffix Secrets Manager adds', () => {
    const { stack, template } = synthesize({ telnyxApiKeySecret: 'prod/telnyx-api-key' });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.apiKeySecretArn]: 'prod/telnyx-api-key' }) },
    });
    const secretStatements = identityStatements(template).filter((s) => JSON.stringify(s.Action).includes('secretsmanager'));
    expect(secretStatements).toEqual([
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:prod/telnyx-api-key-??????'],
          ],
        },
      },
    ]);
    template.hasOutput('TelnyxApiKeySecretId', { Value: 'prod/telnyx-api-key' });
    expect(stack.watch.apiKey).toBeDefined();
    expect(stack.watch.apiKey?.createdSecret).toBeUndefined();
  });

  it('caps Lambda’s event age at its six-hour limit on long intervals', () => {
    const { template } = synthesize({ schedule: 'rate(8 hours)' });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 21_600 });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(8 hours)',
      Target: Match.objectLike({ RetryPolicy: { MaximumEventAgeInSeconds: 28_800, MaximumRetryAttempts: 2 } }),
    });
  });
});
