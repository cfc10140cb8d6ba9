import { CfnResource, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, type IDestination } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, TimeWindow, type IScheduleTarget } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ENV } from '../functions/poller/config.ts';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../functions/poller/telemetry.ts';
import { ConfigError, POLLER_SETTINGS, pollerEnvValue, type FunctionSettings, type PollSchedule, type PollerSettings } from './config.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import { bundlingProject, handlerEntry } from './lambda-sources.ts';
import { TelnyxApiKeySecret, secretsOf, type TelnyxKeys } from './telnyx-api-key-secret.ts';

export const POLLER_ENTRY = handlerEntry('poller/handler.ts');

/**
 * Everything the state store and the doorbell do, and nothing else:
 * TransactWriteItems is authorized per item (Put, Update, Delete, ConditionCheck); BatchGetItem by its own action.
 */
export const TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

/** With managed accounts the poller also reads the ids it watched before (one item, by key, once per container). */
export const MANAGED_TABLE_ACTIONS = [...TABLE_ACTIONS, 'dynamodb:GetItem'] as const;

/**
 * What DynamoDB uses a customer-managed table key for on the caller's behalf: CDK's `grantEncryptDecrypt`,
 * with its `ReEncrypt*` and `GenerateDataKey*` spelled out for a symmetric key.
 */
export const TABLE_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
] as const;

/** How every function of the stack is bundled: locally with esbuild (no Docker), for Node 24, ESM. */
export const LAMBDA_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: true,
  // Stack traces need only the mappings; without the sources the map is 1 MB instead of 6 MB.
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // ESM bundles that contain CommonJS dependencies need a `require`; Node's ESM scope has none.
  banner: "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);",
  // Bundled, the SDK loads faster than the runtime's copy, and its version is the one the tests ran (docs/deploying.md).
  bundleAwsSDK: true,
  forceDockerBundling: false,
};

/** Control Tower proactive controls (cdk-validator-cfnguard) that this stack acknowledges, by the rule name synth reports. */
export const CONTROL_TOWER = {
  logRetentionAtLeastOneYear: 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
  logGroupKmsKey: 'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check',
  lambdaInVpc: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
  lambdaPublicAccess: 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
  functionUrlAuth: 'cdk-validator-cfnguard::lambda_function_url_auth_check',
} as const;

/**
 * Lambda refuses a function whose environment, measured as the JSON of its variables (a value's own quotes escaped),
 * passes 4 KB; CloudFormation finds out only at deploy time, so synth checks it first.
 */
export const MAX_ENVIRONMENT_BYTES = 4_096;

/** The settings each variable grows with, to name them when the environment is too big. */
const SETTINGS_OF_VARIABLE: Record<string, string> = {
  [ENV.telnyxAccounts]: 'telnyxAccounts',
  [ENV.managerKeySecretArn]: 'managedAccounts.managerKeySecret',
  [ENV.apiKeySecretArn]: 'telnyxApiKeySecret',
  [ENV.chatTopics]: 'alerts.slack and alerts.teams: one topic per distinct filterPolicy',
  [ENV.smsDisplayName]: 'alerts.displayName',
  ...Object.fromEntries(POLLER_SETTINGS.map((setting) => [ENV[setting], `poller.${setting}`])),
};

/** Scheduler's own retries when Lambda won't take the event (throttled Invoke API, service error). */
const SCHEDULER_RETRY_ATTEMPTS = 2;
/** Lambda's async event queue keeps events at most six hours. */
const MAX_ASYNC_EVENT_AGE_MINUTES = 6 * 60;

export interface PollerFunctionProps {
  readonly table: ITableV2;
  readonly alertTopic: ITopic;
  readonly keys: TelnyxKeys;
  readonly schedule: PollSchedule;
  /** Unique within the account and region's default schedule group. */
  readonly scheduleName: string;
  readonly settings: FunctionSettings;
  readonly poller: PollerSettings;
  /** The alert topic's display name, which SNS puts before every SMS: the poller budgets each SMS around it. */
  readonly smsDisplayName: string;
  /** Where failed runs and events Lambda or Scheduler gave up on wait: the stack's shared dead-letter queue. */
  readonly failedRuns: DeadLetterQueue;
}

/**
 * The poller, its log group, and the EventBridge Scheduler schedule that invokes it asynchronously.
 * A failed run, or an event Lambda or Scheduler gave up on, lands in `failedRuns`; the next scheduled
 * run is the retry, so Lambda doesn't retry on its own and an event older than one interval is dropped.
 */
export class PollerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly failedRuns: DeadLetterQueue;
  readonly schedule: Schedule;
  readonly interval: Duration;
  /** Every variable set so far, as given (tokens unresolved), for the size check. */
  private readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: PollerFunctionProps) {
    super(scope, id);
    const { settings } = props;
    const stack = Stack.of(this);
    this.interval = Duration.minutes(props.schedule.intervalMinutes);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: settings.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeLogGroupFindings(this.logGroup, settings.logRetentionDays);
    this.failedRuns = props.failedRuns;

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `portout-watch poller: its own log group, state table, alert topic and API key secret${props.keys.kind === 'single' ? '' : 's'} only`,
    });
    const role = this.role;
    this.logGroup.grantWrite(role);
    role.addToPolicy(
      new PolicyStatement({ actions: [...(props.keys.kind !== 'single' && props.keys.managerKey ? MANAGED_TABLE_ACTIONS : TABLE_ACTIONS)], resources: [props.table.tableArn] }),
    );
    if (props.table.encryptionKey) {
      // The key also guards the API key secret and the ops topic: the poller may use it for the table, through DynamoDB only.
      role.addToPolicy(
        new PolicyStatement({
          actions: [...TABLE_KEY_ACTIONS],
          resources: [props.table.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.${stack.urlSuffix}` } },
        }),
      );
    }
    role.addToPolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [props.alertTopic.topicArn] }));
    TelnyxApiKeySecret.grantRead(role, secretsOf(props.keys));
    // Lambda needs only SendMessage to file a failed run; the stock SqsDestination also grants GetQueueAttributes and GetQueueUrl.
    role.addToPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.failedRuns.queue.queueArn] }));
    const onFailure: IDestination = { bind: () => ({ destination: this.failedRuns.queue.queueArn }) };

    const pollerOverrides = Object.fromEntries(
      Object.entries(props.poller).map(([setting, value]) => [ENV[setting as keyof PollerSettings], pollerEnvValue(value)]),
    );

    this.environment = {
      [ENV.tableName]: props.table.tableName,
      [ENV.topicArn]: props.alertTopic.topicArn,
      ...telnyxKeysEnvironment(props.keys, stack),
      ...pollerOverrides,
      ...(props.smsDisplayName ? { [ENV.smsDisplayName]: props.smsDisplayName } : {}),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: settings.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };
    checkEnvironmentSize(stack, this.environment);
    this.function = new NodejsFunction(this, 'Function', {
      description: 'portout-watch: lists Telnyx port-outs and publishes an alert for each change',
      entry: POLLER_ENTRY,
      handler: 'handler',
      ...bundlingProject(),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: settings.memoryMb,
      timeout: Duration.seconds(settings.timeoutSeconds),
      reservedConcurrentExecutions: settings.reservedConcurrency,
      role,
      logGroup: this.logGroup,
      retryAttempts: 0,
      maxEventAge: Duration.minutes(Math.min(props.schedule.intervalMinutes, MAX_ASYNC_EVENT_AGE_MINUTES)),
      onFailure,
      environment: { ...this.environment },
      bundling: LAMBDA_BUNDLING,
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Failed asynchronous runs go to an on-failure destination (the failed-runs queue), which AWS recommends over the older DeadLetterConfig because it records the error and the response as well as the event.',
    });
    Validations.of(this.function).acknowledge({
      id: CONTROL_TOWER.lambdaInVpc,
      reason:
        'The poller only calls Telnyx and AWS APIs over HTTPS and serves nothing. In a VPC it would need a NAT gateway to reach api.telnyx.com (about $33 a month per Availability Zone at us-east-1 list prices, over ten times the rest of the stack) and would gain no protection without an egress firewall as well.',
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason:
        'A run is a few sequential calls that Powertools logs and metrics already describe; X-Ray would need an xray:Put* grant on Resource "*", the only unscoped statement this stack would have.',
    });

    const scheduleArn = stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `default/${props.scheduleName}` });
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': scheduleArn } },
      }),
      description: 'portout-watch schedule: invokes the poller and files undeliverable events in its failed-runs queue',
    });
    schedulerRole.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }));
    schedulerRole.addToPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.failedRuns.queue.queueArn] }));

    // The stock LambdaInvoke target also grants invoke on every version and alias (`<arn>:*`); this grants the function alone.
    const target: IScheduleTarget = {
      bind: () => ({
        arn: this.function.functionArn,
        role: schedulerRole,
        deadLetterConfig: { arn: this.failedRuns.queue.queueArn },
        retryPolicy: {
          maximumEventAgeInSeconds: this.interval.toSeconds(),
          maximumRetryAttempts: SCHEDULER_RETRY_ATTEMPTS,
        },
      }),
    };
    this.schedule = new Schedule(this, 'Schedule', {
      scheduleName: props.scheduleName,
      description: `Runs the portout-watch poller ${props.schedule.expression}`,
      schedule: ScheduleExpression.expression(props.schedule.expression),
      timeWindow: TimeWindow.off(),
      target,
    });
  }

  /** Sets one more of the poller's variables, checking the whole environment still fits. */
  addEnvironment(name: string, value: string): void {
    this.environment[name] = value;
    checkEnvironmentSize(Stack.of(this), this.environment);
    this.function.addEnvironment(name, value);
  }
}

/** Throws a ConfigError, naming the settings that take the most room and the fixes, if `environment` could pass Lambda's limit. */
function checkEnvironmentSize(stack: Stack, environment: Record<string, string>): void {
  const resourceTypes = new Map(
    stack.node.findAll().flatMap((construct) => (construct instanceof CfnResource ? [[stack.resolve(construct.logicalId) as string, construct.cfnResourceType]] : [])),
  );
  const worst = Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, longestValue(stack.resolve(value), stack, resourceTypes)]));
  const bytes = JSON.stringify(worst).length;
  if (bytes <= MAX_ENVIRONMENT_BYTES) return;
  const byteCount = (count: number) => count.toLocaleString('en-US');
  const contributors = Object.entries(worst)
    .filter(([name]) => SETTINGS_OF_VARIABLE[name] !== undefined)
    .map(([name, value]) => ({ name, size: JSON.stringify(name).length + JSON.stringify(value).length + 2 }))
    .sort((a, b) => b.size - a.size)
    .map(({ name, size }) => `${name} (${SETTINGS_OF_VARIABLE[name]}) ${byteCount(size)} bytes`);
  throw new ConfigError(
    `invalid portout-watch configuration: the poller's environment could take up to ${byteCount(bytes)} bytes once deployed, more than the ${byteCount(MAX_ENVIRONMENT_BYTES)} Lambda allows a function: ${contributors.join(', ')}. ` +
      'To make room, give accounts an existing secret by a short name (apiKeySecret: a secret the stack creates is known by its full ARN, over 100 characters), ' +
      `give chat channels fewer distinct filter policies (channels with the same filterPolicy share a topic), watch the accounts as managed accounts (managedAccounts), or split them across deployments`,
  );
}

/** The longest pseudo parameters: GovCloud's partition, the longest region names, China's URL suffix. */
const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws-us-gov',
  'AWS::Region': 'ap-southeast-5',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com.cn',
};
/** CloudFormation ends a name it generates with a dash and up to 13 random characters; Secrets Manager ends an ARN with 6 more. */
const GENERATED_SUFFIX = `-${'x'.repeat(13)}`;
const SECRET_ARN_SUFFIX = `-${'x'.repeat(6)}`;
/** The longest stack name CloudFormation takes, for a stack whose name is not known at synth. */
const MAX_STACK_NAME = 128;
/** Any other reference: the longest name most AWS resources take. */
const OTHER_REFERENCE = 'x'.repeat(256);

/**
 * The longest a resolved value can be once deployed. A reference to a resource is its value at its longest: a name
 * CloudFormation generates holds the stack name, the logical id and a random suffix, cut to the resource's limit;
 * a created secret's generated name is its logical id and the suffix.
 */
function longestValue(value: unknown, stack: Stack, resourceTypes: ReadonlyMap<string, string>): string {
  if (typeof value === 'string') return value;
  const { Ref: ref, 'Fn::Join': join } = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
  if (join) return join[1].map((part) => longestValue(part, stack, resourceTypes)).join(join[0]);
  if (ref === undefined) return OTHER_REFERENCE;
  const pseudo = PSEUDO_PARAMETERS[ref];
  if (pseudo) return pseudo;
  const stackName = Token.isUnresolved(stack.stackName) ? 'x'.repeat(MAX_STACK_NAME) : stack.stackName;
  const generated = (limit: number) => `${stackName}-${ref}${GENERATED_SUFFIX}`.slice(0, limit);
  const arn = (service: string, resource: string) =>
    `arn:${PSEUDO_PARAMETERS['AWS::Partition']}:${service}:${PSEUDO_PARAMETERS['AWS::Region']}:${PSEUDO_PARAMETERS['AWS::AccountId']}:${resource}`;
  switch (resourceTypes.get(ref)) {
    case 'AWS::SecretsManager::Secret':
      return arn('secretsmanager', `secret:${ref}${GENERATED_SUFFIX}${SECRET_ARN_SUFFIX}`);
    case 'AWS::SNS::Topic':
      return arn('sns', generated(256));
    case 'AWS::DynamoDB::GlobalTable':
      return generated(255);
    default:
      return OTHER_REFERENCE;
  }
}

/**
 * Where the poller finds its keys: today's one variable for a single account; otherwise every configured account
 * by name and secret (`[]` when only managed accounts are watched) and the manager's secret.
 */
function telnyxKeysEnvironment(keys: TelnyxKeys, stack: Stack): Record<string, string> {
  if (keys.kind === 'single') return { [ENV.apiKeySecretArn]: keys.apiKey.secretId };
  return {
    // Created secrets' ARNs are tokens until deploy: toJsonString writes them into the JSON as Fn::Join parts.
    [ENV.telnyxAccounts]: stack.toJsonString(keys.accounts.map(({ name, apiKey }) => ({ name, secretId: apiKey.secretId }))),
    ...(keys.managerKey ? { [ENV.managerKeySecretArn]: keys.managerKey.secretId } : {}),
  };
}

/** A function's own log group: why it has no customer-managed key, and why its retention is short if config made it so. */
export function acknowledgeLogGroupFindings(logGroup: LogGroup, retentionDays: RetentionDays): void {
  Validations.of(logGroup).acknowledge({
    id: CONTROL_TOWER.logGroupKmsKey,
    reason:
      'CloudWatch Logs encrypts every log group at rest already, and the poller logs ids, counts and field names, never the API key or personal data (masked before logging). A customer-managed key would have to outlive the retained log group: a key left behind after every teardown at $1 a month, for no data that needs it.',
  });
  if (retentionDays !== RetentionDays.INFINITE && retentionDays < RetentionDays.ONE_YEAR) {
    Validations.of(logGroup).acknowledge({
      id: CONTROL_TOWER.logRetentionAtLeastOneYear,
      reason: `Kept ${retentionDays} days because the stack config sets function.logRetentionDays to ${retentionDays}; the default is 365, for fraud investigated months later.`,
    });
  }
}
