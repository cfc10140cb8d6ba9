import { PublishBatchCommand, SNSClient, type PublishBatchCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import type { FleetReport } from '../../functions/poller/core/poll-fleet.ts';
import type { PollReport } from '../../functions/poller/core/run-poll.ts';

export interface PublishedAlert {
  alertId: string;
  /** The `account` message attribute, when the alert names its account. */
  account: string | undefined;
  sms: string;
}

export interface LoadedHandler {
  /** One scheduled invocation of a freshly imported handler, as Lambda makes it. */
  poll(): Promise<PollReport | FleetReport>;
  /** One invocation with this event (a webhook trigger, a test alert), as Lambda makes it. */
  invoke(event: unknown): Promise<unknown>;
  /** What SNS accepted, in order. */
  published: PublishedAlert[];
  /** Every console line: the Powertools logs and metrics (POWERTOOLS_DEV is set for tests). */
  logged: string[];
  restore(): void;
}

/**
 * The poller's Lambda handler, imported afresh (a cold container) with `env` as its environment on top of what
 * every test needs, SNS mocked and the console captured. DynamoDB and Telnyx are whatever `env` points at.
 */
export async function loadHandler(env: Record<string, string>): Promise<LoadedHandler> {
  const sns = mockClient(SNSClient);
  const published: PublishedAlert[] = [];
  const logged: string[] = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
    });
  }
  sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
    const entries = input.PublishBatchRequestEntries ?? [];
    for (const entry of entries) {
      const message = JSON.parse(entry.Message ?? '{}');
      published.push({
        alertId: JSON.parse(message.default).alertId as string,
        account: entry.MessageAttributes?.account?.StringValue,
        sms: message.sms,
      });
    }
    return { Successful: entries.map((entry, index) => ({ Id: entry.Id!, MessageId: `m-${index}` })), Failed: [] };
  });
  const base = {
    TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:portout-alerts',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_METRICS_DISABLED: 'false',
  };
  for (const [name, value] of Object.entries({ ...base, ...env })) vi.stubEnv(name, value);
  vi.resetModules();
  const { handler } = await import('../../functions/poller/handler.ts');
  let invocation = 0;
  const context = () => ({ getRemainingTimeInMillis: () => 60_000, awsRequestId: `req-${++invocation}` });
  return {
    published,
    logged,
    poll: () => handler({}, context()),
    invoke: (event) => handler(event as never, context()),
    restore: () => {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
      sns.restore();
    },
  };
}

/** The JSON log lines with this message (or starting with it), parsed. */
export function logLines(logged: readonly string[], message: string): Array<Record<string, unknown>> {
  return logged.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return typeof parsed.message === 'string' && parsed.message.startsWith(message) ? [parsed] : [];
    } catch {
      return [];
    }
  });
}
