import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, SNSClient, type PublishBatchCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_ALERT_REQUEST } from '../../../functions/poller/core/test-alert.ts';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:portout-alerts';
const CHAT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:portout-chat';

/** The handler as Lambda runs it, invoked with the payload `npm run test-alert` sends. */
describe('poller handler, invoked for a test alert', () => {
  const sns = mockClient(SNSClient);
  const dynamo = mockClient(DynamoDBClient);
  const telnyx = vi.fn();
  let handler: typeof import('../../../functions/poller/handler.ts').handler;

  beforeAll(async () => {
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => ({
      Successful: (input.PublishBatchRequestEntries ?? []).map((entry) => ({ Id: entry.Id, MessageId: 'm' })),
      Failed: [],
    }));
    vi.stubGlobal('fetch', telnyx);
    vi.spyOn(console, 'info').mockImplementation(() => undefined);
    vi.stubEnv('TABLE_NAME', 'portout-watch-state');
    vi.stubEnv('TOPIC_ARN', TOPIC_ARN);
    vi.stubEnv('TELNYX_API_KEY', 'KEYtest');
    vi.stubEnv('CHAT_TOPICS', JSON.stringify([{ topicArn: CHAT_TOPIC_ARN }]));
    vi.stubEnv('SMS_DISPLAY_NAME', 'Portouts');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    ({ handler } = await import('../../../functions/poller/handler.ts'));
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    sns.restore();
    dynamo.restore();
  });

  it('sends one marked alert to the alert topic and the chat topic, touching neither Telnyx nor the state table', async () => {
    const report = await handler(TEST_ALERT_REQUEST, { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'req-7' });

    expect(report).toEqual({ outcome: 'test-alert-sent', alertId: 'test.req-7', failed: [] });
    const calls = sns.commandCalls(PublishBatchCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.TopicArn)).toEqual([TOPIC_ARN, CHAT_TOPIC_ARN]);
    const [main, chat] = calls.map((input) => input.PublishBatchRequestEntries?.[0]);
    const channels = JSON.parse(main?.Message ?? '{}') as { default: string; sms: string };
    expect(JSON.parse(channels.default)).toMatchObject({ type: 'test', test: true, alertId: 'test.req-7' });
    expect(channels.sms).toMatch(/^portout-watch TEST alert/);
    expect(main?.MessageAttributes?.eventType).toEqual({ DataType: 'String', StringValue: 'test' });
    expect(JSON.parse(chat?.Message ?? '{}')).toMatchObject({ version: '1.0', source: 'custom', metadata: { eventType: 'test' } });
    expect(dynamo.calls()).toHaveLength(0);
    expect(telnyx).not.toHaveBeenCalled();
  });
});
