import { CfnOutput, Duration, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DEFAULT_ACCOUNT_NAME } from '../functions/poller/core/accounts.ts';
import { SERVICE_NAME } from '../functions/poller/telemetry.ts';
import { AlertTopic } from './alert-topic.ts';
import { ChatChannels } from './chat-channels.ts';
import { ConfigError, parseConfig, type PortoutWatchConfig, type PortoutWatchSettings } from './config.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { Operations } from './operations.ts';
import { PollerFunction } from './poller-function.ts';
import { StateTable } from './state-table.ts';
import { accountOutputSuffix } from '../functions/poller/core/accounts.ts';
import { addTelnyxKeyOutputs, createTelnyxKeys, type TelnyxApiKeySecret, type TelnyxKeys } from './telnyx-api-key-secret.ts';
import { WebhookReceiver, type WebhookPublicKeys } from './webhook-receiver.ts';

/**
 * The same settings as the app's JSON config (docs/deploying.md#configuration), all optional, but for
 * `account` and `region`: where it deploys is the stack's `env`.
 */
export type PortoutWatchProps = Omit<PortoutWatchSettings, 'account' | 'region'>;

const STACK_SETTINGS = ['account', 'region'] as const;

/** Validates the props as the app validates its JSON config: a bad value throws a ConfigError naming the setting and the fix. */
function parseProps(props: PortoutWatchProps, stack: Stack, source: string): PortoutWatchConfig {
  const misplaced = STACK_SETTINGS.filter((key) => key in props);
  if (misplaced.length > 0) {
    throw new ConfigError(
      `invalid portout-watch configuration in ${source}:\n  - ${misplaced.map((key) => `${key}: is the stack's to set, not PortoutWatch's: remove it and give its stack env: { account, region }`).join('\n  - ')}`,
    );
  }
  // A customer-managed table key needs a concrete region; the construct's comes from its stack.
  return parseConfig({ ...props, ...(Token.isUnresolved(stack.region) ? {} : { region: stack.region }) }, source);
}

/**
 * One portout-watch: the poller on a schedule, its state, the alert topic, and what watches them. Every
 * cdk-nag and Control Tower acknowledgement sits on the resource it excuses, so it travels with the construct.
 */
export class PortoutWatch extends Construct {
  readonly stateTable: StateTable;
  readonly alertTopic: AlertTopic;
  /** Each watched account's key secret, and the manager's. */
  readonly telnyxKeys: TelnyxKeys;
  /** The `default` account's key: the single account's, or the one named `default` in telnyxAccounts; else unset. */
  readonly apiKey?: TelnyxApiKeySecret;
  readonly poller: PollerFunction;
  readonly operations: Operations;
  /** Only when Slack or Teams is configured. */
  readonly chat?: ChatChannels;
  readonly key: Key;
  /** Only when a webhook public key is configured (webhook.publicKey, or an account's webhookPublicKey). */
  readonly webhook?: WebhookReceiver;
  /** The props, validated, with every default filled in. */
  readonly config: PortoutWatchConfig;

  constructor(scope: Construct, id: string, props: PortoutWatchProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const other = stack.node.findAll().find((construct) => construct !== this && construct instanceof PortoutWatch);
    if (other) {
      // Their schedule and alarm names derive from the stack name, and their alarms read the same metrics.
      throw new Error(
        `${this.node.path}: ${stack.stackName} already has a PortoutWatch (${other.node.path}): add one per stack, and let that one watch several Telnyx accounts (the telnyxAccounts setting)`,
      );
    }
    const config = parseProps(props, stack, `the props of PortoutWatch ${this.node.path}`);
    this.config = config;
    Tags.of(this).add('app', SERVICE_NAME);
    const tableUsesKey = config.table.encryption === 'customer-managed';
    const createdSecrets = [
      ...(config.telnyxAccounts ?? [{ apiKeySecret: config.telnyxApiKeySecret }]).map((account) => account.apiKeySecret),
      ...(config.managedAccounts ? [config.managedAccounts.managerKeySecret] : []),
    ].filter((source) => source.kind === 'create').length;
    const keyUses = [
      'the ops topic',
      ...(createdSecrets === 0 ? [] : [createdSecrets === 1 ? 'the API key secret' : 'the API key secrets']),
      ...(tableUsesKey ? ['the state table'] : []),
    ];

    this.key = new Key(this, 'Key', {
      description: `${stack.stackName}: encrypts ${keyUses.join(', ')}`,
      enableKeyRotation: true,
      // A retained table stays readable only while its key exists.
      removalPolicy: tableUsesKey ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(30),
    });
    this.key.addToResourcePolicy(denyGrantsExceptForAwsResources());
    this.stateTable = new StateTable(this, 'State', tableUsesKey ? { encryptionKey: this.key } : {});
    // One queue for everything undeliverable (failed runs, alerts, alarm emails), so one alarm watches it all.
    const deadLetters = new DeadLetterQueue(this, 'DeadLetters', { label: 'failed runs, undelivered alerts and alarm emails' });
    this.alertTopic = new AlertTopic(this, 'Alerts', { ...config.alerts, deadLetterQueue: deadLetters });
    this.telnyxKeys = createTelnyxKeys(this, config, this.key);
    const defaultKey =
      this.telnyxKeys.kind === 'single' ? this.telnyxKeys.apiKey : this.telnyxKeys.accounts.find((account) => account.name === DEFAULT_ACCOUNT_NAME)?.apiKey;
    if (defaultKey) this.apiKey = defaultKey;
    this.poller = new PollerFunction(this, 'Poller', {
      table: this.stateTable.table,
      alertTopic: this.alertTopic.topic,
      keys: this.telnyxKeys,
      schedule: config.schedule,
      scheduleName: `${stack.stackName}-poll`,
      settings: config.function,
      poller: config.poller,
      smsDisplayName: config.alerts.displayName,
      failedRuns: deadLetters,
    });
    this.operations = new Operations(this, 'Operations', {
      poller: this.poller,
      deadLetterQueue: deadLetters,
      key: this.key,
      alarmNamePrefix: stack.stackName,
      dashboard: config.operations.dashboard,
      ...(config.operations.alarmEmail ? { alarmEmail: config.operations.alarmEmail } : {}),
      ...(config.telnyxAccounts
        ? { accounts: { configured: config.telnyxAccounts.map((account) => account.name), managed: config.managedAccounts !== undefined } }
        : {}),
    });
    if (config.alerts.slack.length > 0 || config.alerts.teams.length > 0) {
      this.chat = new ChatChannels(this, 'Chat', {
        slack: config.alerts.slack,
        teams: config.alerts.teams,
        poller: this.poller,
        alarmTopic: this.operations.topic,
        alarmNamePrefix: stack.stackName,
      });
    }

    const publicKeys = webhookPublicKeys(config);
    if (publicKeys) {
      this.webhook = new WebhookReceiver(this, 'Webhook', {
        poller: this.poller,
        publicKeys,
        settings: config.function,
        alarmTopic: this.operations.topic,
        alarmNamePrefix: stack.stackName,
      });
      const served =
        publicKeys.kind === 'single'
          ? [{ name: DEFAULT_ACCOUNT_NAME, whose: '' }]
          : publicKeys.accounts.filter((account) => account.publicKey).map(({ name }) => ({ name, whose: ` of account "${name}"` }));
      for (const { name, whose } of served) {
        new CfnOutput(this, `WebhookUrl${accountOutputSuffix(name)}`, {
          description: `Give this URL to Telnyx as the webhook of a port-out notification setting${whose} (docs/deploying.md#webhooks)`,
          value: this.webhook.urlOf(name),
        });
      }
    }

    addTelnyxKeyOutputs(this, this.telnyxKeys);
    new CfnOutput(this, 'AlertTopicArn', { value: this.alertTopic.topic.topicArn });
    new CfnOutput(this, 'OpsTopicArn', { value: this.operations.topic.topicArn });
    new CfnOutput(this, 'StateTableName', { value: this.stateTable.table.tableName });
    new CfnOutput(this, 'PollerFunctionName', { value: this.poller.function.functionName });
    if (this.operations.dashboard) new CfnOutput(this, 'DashboardName', { value: this.operations.dashboard.dashboardName });
  }
}

/**
 * Whose webhooks the receiver verifies; undefined when no key is configured (no receiver, no public URL). With
 * several accounts, `webhook.publicKey` is the `default` account's and each other account's is its own.
 */
function webhookPublicKeys(config: PortoutWatchConfig): WebhookPublicKeys | undefined {
  if (!config.telnyxAccounts) return config.webhook && { kind: 'single', publicKey: config.webhook.publicKey };
  const accounts = config.telnyxAccounts.map(({ name, webhookPublicKey }) => {
    const publicKey = name === DEFAULT_ACCOUNT_NAME ? config.webhook?.publicKey : webhookPublicKey;
    return { name, ...(publicKey ? { publicKey } : {}) };
  });
  return accounts.some((account) => account.publicKey) ? { kind: 'several', accounts } : undefined;
}

/**
 * Only an AWS service may create a grant on the key (Control Tower's CT.KMS.PR.3): a grant is a second, quieter way
 * to hand out the key besides its policy. DynamoDB's grants for a customer-managed table key are made for an AWS
 * resource (kms:GrantIsForAWSResource is true), so they pass; a person or role creating one directly does not.
 */
function denyGrantsExceptForAwsResources(): PolicyStatement {
  return new PolicyStatement({
    sid: 'DenyGrantsExceptForAwsResources',
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  });
}
