import { createHash } from 'node:crypto';
import { Duration, Stack } from 'aws-cdk-lib';
import { CfnMicrosoftTeamsChannelConfiguration, SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { ChatTopic } from '../functions/poller/adapters/sns-notifier.ts';
import { ENV } from '../functions/poller/config.ts';
import type { AlertFilterPolicy, SlackChannelSettings, TeamsChannelSettings } from './config.ts';
import type { PollerFunction } from './poller-function.ts';

export interface ChatChannelsProps {
  readonly slack: readonly SlackChannelSettings[];
  readonly teams: readonly TeamsChannelSettings[];
  /** The poller publishes to the chat topics: it gets their ARNs (CHAT_TOPICS) and sns:Publish on them. */
  readonly poller: PollerFunction;
  /** Where the alarm on chat deliveries SNS gave up on goes: the ops topic. */
  readonly alarmTopic: ITopic;
  readonly alarmNamePrefix: string;
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

/** Filter policies that differ only in key or value order are one policy: their channels share a topic. */
function policyKey(policy: AlertFilterPolicy | undefined): string {
  if (!policy) return '';
  const sorted = Object.entries(policy)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, match]) => [name, Array.isArray(match) ? [...match].sort() : { anythingBut: [...match.anythingBut].sort() }]);
  return JSON.stringify(sorted);
}

/**
 * Slack and Microsoft Teams channels, through AWS Chatbot (Amazon Q Developer in chat applications).
 *
 * Chat has topics of its own, one per distinct filter policy: Chatbot subscribes over `https` and would read the
 * alert topic's `https` text, which generic webhooks read too, and it makes its own subscription, where no filter
 * policy can be set, so the poller applies each topic's policy before publishing (CHAT_TOPICS). With no channel
 * configured, none of this exists and the poller publishes nowhere else.
 *
 * The alerts ask nothing of chat: the channel role has no permissions, and the guardrail (which defaults to
 * AdministratorAccess when none is given) denies every action, so no one in the channel can run AWS commands
 * through it.
 */
export class ChatChannels extends Construct {
  readonly topics: Topic[] = [];
  readonly role: Role;
  readonly guardrail: ManagedPolicy;
  readonly slack: SlackChannelConfiguration[] = [];
  readonly teams: CfnMicrosoftTeamsChannelConfiguration[] = [];
  readonly deliveryAlarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;

    this.role = new Role(this, 'ChannelRole', {
      assumedBy: new ServicePrincipal('chatbot.amazonaws.com'),
      description: 'portout-watch chat channels: posts alerts only, so it is allowed nothing',
    });
    this.guardrail = new ManagedPolicy(this, 'Guardrail', {
      description: 'portout-watch chat channels: alerts need no AWS action from chat, so every action is denied',
      statements: [new PolicyStatement({ effect: Effect.DENY, actions: ['*'], resources: ['*'] })],
    });

    const topicsByPolicy = new Map<string, { topic: Topic; filterPolicy: AlertFilterPolicy | undefined }>();
    const topicFor = (filterPolicy: AlertFilterPolicy | undefined): Topic => {
      const key = policyKey(filterPolicy);
      const existing = topicsByPolicy.get(key);
      if (existing) return existing.topic;
      const topic = new Topic(this, `Topic${key ? shortHash(key) : 'All'}`, {
        masterKey: Alias.fromAliasName(this, `AwsManagedSnsKey${key ? shortHash(key) : 'All'}`, 'alias/aws/sns'),
        enforceSSL: true,
      });
      // Not grantPublish: with a KMS alias it adds kms:GenerateDataKey* on key/*, and the AWS-managed SNS key needs no grant.
      props.poller.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
      this.deliveryAlarms.push(this.deliveryAlarm(topic, key ? shortHash(key) : 'all', props));
      topicsByPolicy.set(key, { topic, filterPolicy });
      this.topics.push(topic);
      return topic;
    };

    for (const channel of props.slack) {
      const channelHash = shortHash(`${channel.workspaceId}/${channel.channelId}`);
      this.slack.push(
        new SlackChannelConfiguration(this, `Slack${channelHash}`, {
          slackChannelConfigurationName: `${stackName}-slack-${channelHash}`.slice(-128),
          slackWorkspaceId: channel.workspaceId,
          slackChannelId: channel.channelId,
          notificationTopics: [topicFor(channel.filterPolicy)],
          role: this.role,
          guardrailPolicies: [this.guardrail],
        }),
      );
    }
    for (const channel of props.teams) {
      const channelHash = shortHash(`${channel.teamId}/${channel.channelId}`.toLowerCase());
      this.teams.push(
        new CfnMicrosoftTeamsChannelConfiguration(this, `Teams${channelHash}`, {
          configurationName: `${stackName}-teams-${channelHash}`.slice(-128),
          teamId: channel.teamId,
          teamsChannelId: channel.channelId,
          teamsTenantId: channel.tenantId,
          iamRoleArn: this.role.roleArn,
          snsTopicArns: [topicFor(channel.filterPolicy).topicArn],
          guardrailPolicies: [this.guardrail.managedPolicyArn],
        }),
      );
    }

    const chatTopics = [...topicsByPolicy.values()].map(
      ({ topic, filterPolicy }): ChatTopic => ({ topicArn: topic.topicArn, ...(filterPolicy ? { filterPolicy } : {}) }),
    );
    if (chatTopics.length > 0) props.poller.addEnvironment(ENV.chatTopics, Stack.of(this).toJsonString(chatTopics));
  }

  /** SNS gives up on an https delivery after its retries; Chatbot's subscription can have no dead-letter queue. */
  private deliveryAlarm(topic: Topic, name: string, props: ChatChannelsProps): Alarm {
    const alarm = new Alarm(this, `DeliveryFailed${name}`, {
      alarmName: `${props.alarmNamePrefix}-chat-delivery-failed-${name}`,
      alarmDescription:
        'SNS could not deliver an alert to AWS Chatbot (Slack or Teams). Check the channel configuration in the Chatbot console; the alert still went out by email and SMS.',
      metric: topic.metricNumberOfNotificationsFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(props.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }
}
