import type { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/poller/config.ts';
import type { PortoutWatchStack } from '../../lib/portout-watch-stack.ts';
import { synthesize } from './synth.ts';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const TEAM = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const TENANT = 'aaaabbbb-cccc-4ddd-8eee-ffff00001111';
const CHAT_CONFIG = {
  alerts: {
    email: ['noc@example.com'],
    slack: [
      { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' },
      { workspaceId: 'T07EA123LEP', channelId: 'C07FRAUD001', filterPolicy: { eventType: ['possible-fraud', 'digest'] } },
    ],
    teams: [{ teamId: TEAM, channelId: '19:0123abcd@thread.tacv2', tenantId: TENANT }],
  },
};

function environmentOfPoller(template: Template, stack: PortoutWatchStack): Record<string, unknown> {
  const fnId = stack.getLogicalId(stack.watch.poller.function.node.defaultChild as CfnElement);
  const fn = (template.findResources('AWS::Lambda::Function') as Resources)[fnId];
  return (fn?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
}

describe('the stack with Slack and Teams channels', () => {
  let stack: PortoutWatchStack;
  let template: Template;
  let chatTopics: string[];
  let guardrail: string;
  let role: string;
  beforeAll(() => {
    ({ stack, template } = synthesize(CHAT_CONFIG));
    const chat = stack.watch.chat;
    if (!chat) throw new Error('no chat channels built');
    chatTopics = chat.topics.map((topic) => stack.getLogicalId(topic.node.defaultChild as CfnElement));
    guardrail = stack.getLogicalId(chat.guardrail.node.defaultChild as CfnElement);
    role = stack.getLogicalId(chat.role.node.defaultChild as CfnElement);
  });

  it('posts to each Slack channel from its topic, with the guardrail and the channel role', () => {
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 2);
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T07EA123LEP',
      SlackChannelId: 'C07EZ1ABC23',
      SnsTopicArns: [{ Ref: chatTopics[0] }],
      GuardrailPolicies: [{ Ref: guardrail }],
      IamRoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
      ConfigurationName: Match.stringLikeRegexp('^PortoutWatch-slack-[0-9a-f]{8}$'),
    });
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackChannelId: 'C07FRAUD001',
      SnsTopicArns: [{ Ref: chatTopics[1] }],
    });
  });

  it('posts to the Teams channel, its id URL-encoded as Chatbot takes it', () => {
    template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 1);
    template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      TeamId: TEAM,
      TeamsChannelId: '19%3A0123abcd%40thread.tacv2',
      TeamsTenantId: TENANT,
      SnsTopicArns: [{ Ref: chatTopics[0] }],
      GuardrailPolicies: [{ Ref: guardrail }],
      IamRoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
    });
  });

  it('shares one topic between channels with the same filter policy, and gives another policy its own', () => {
    expect(chatTopics).toHaveLength(2);
    for (const id of chatTopics) {
      const topic = (template.findResources('AWS::SNS::Topic') as Resources)[id];
      expect(JSON.stringify(topic?.Properties?.KmsMasterKeyId)).toContain(':alias/aws/sns');
    }
  });

  it('never falls back to AdministratorAccess: the guardrail denies every action, and the role may do nothing', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] },
    });
    const roleResource = (template.findResources('AWS::IAM::Role') as Resources)[role];
    expect(roleResource?.Properties).not.toHaveProperty('ManagedPolicyArns');
    expect(roleResource?.Properties).not.toHaveProperty('Policies');
    expect(roleResource?.Properties?.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' } }],
    });
    expect(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } })).toEqual({});
    expect(JSON.stringify(template.toJSON())).not.toContain('AdministratorAccess');
  });

  it('tells the poller the chat topics and their filter policies, and lets it publish to them', () => {
    const value = environmentOfPoller(template, stack)[ENV.chatTopics];
    const joined = JSON.stringify(value);
    expect(joined).toContain(`{"Ref":"${chatTopics[0]}"}`);
    expect(joined).toContain(`{"Ref":"${chatTopics[1]}"}`);
    expect(joined).toContain('\\"filterPolicy\\":{\\"eventType\\":[\\"possible-fraud\\",\\"digest\\"]}');
    const pollerRole = stack.getLogicalId(stack.watch.poller.role.node.defaultChild as CfnElement);
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: pollerRole }] } }) as Resources);
    const statements = (policy?.Properties?.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }).Statement;
    const publish = statements.filter((statement) => statement.Action === 'sns:Publish').flatMap((statement) => [statement.Resource].flat());
    for (const id of chatTopics) expect(publish).toContainEqual({ Ref: id });
  });

  it('alarms to the ops topic when SNS cannot deliver to Chatbot', () => {
    const ops = stack.getLogicalId(stack.watch.operations.topic.node.defaultChild as CfnElement);
    for (const id of chatTopics) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'NumberOfNotificationsFailed',
        Namespace: 'AWS/SNS',
        Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [id, 'TopicName'] } }],
        AlarmActions: [{ Ref: ops }],
        Threshold: 1,
      });
    }
  });
});

describe('the stack with no chat channel', () => {
  it('builds no chat topic, no Chatbot configuration, and gives the poller no CHAT_TOPICS', () => {
    const { stack, template } = synthesize({ alerts: { email: ['noc@example.com'] } });
    expect(stack.watch.chat).toBeUndefined();
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 0);
    template.resourceCountIs('AWS::SNS::Topic', 2);
    expect(environmentOfPoller(template, stack)).not.toHaveProperty(ENV.chatTopics);
  });
});
