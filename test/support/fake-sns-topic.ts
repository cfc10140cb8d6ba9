import {
  PublishBatchCommand,
  type PublishBatchCommandInput,
  type PublishBatchResultEntry,
  type BatchResultErrorEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';

/** One alert SNS accepted, read from its `default` channel (the versioned JSON document). */
export interface Delivery {
  alertId: string;
  type: string;
  portoutId: string | null;
  status: string | null;
  /** The lab's poll counter when SNS accepted it. */
  poll: number;
  /** The `audience` attribute: who the message is for (absent: everyone). */
  audience?: string[];
  /** The FOC date the document shows. */
  focDate?: string | null;
  /** Ids of the comments the document carries. */
  commentIds?: string[];
  /** A reminder's threshold. */
  reminderHours?: number | null;
  /** A summary's or digest's alertIds: the events it tells people about. */
  covers?: string[];
}

/** What a plan can tell apart: the entry's place in its request, and the alert it carries. */
export interface EntryInfo {
  index: number;
  alertId: string;
}

type Plan =
  /** Entries for which `which` is true come back in the Failed list. */
  | { kind: 'fail-entries'; remaining: number; code: string; senderFault: boolean; which: (entry: EntryInfo) => boolean }
  /** The whole request fails: the service is down or unreachable. */
  | { kind: 'down'; remaining: number; error: string; status: number }
  /** SNS accepts every entry, then the answer is lost (a timeout): the caller can't know it went out. */
  | { kind: 'answer-lost'; remaining: number }
  /** Answers success and delivers nothing: only for checking that the oracle notices a lost alert. */
  | { kind: 'black-hole'; remaining: number };

/**
 * The SNS topic, as PublishBatch answers: it records what it accepted, by alertId, and fails as planned.
 * Each container's SNSClient is mocked with aws-sdk-client-mock and answers from here.
 */
export class FakeSnsTopic {
  readonly deliveries: Delivery[] = [];
  calls = 0;
  private plans: Plan[] = [];

  constructor(
    private readonly currentPoll: () => number,
    private readonly gate: (step: string) => void,
  ) {}

  attach(client: SNSClient): void {
    mockClient(client)
      .on(PublishBatchCommand)
      .callsFake((input: PublishBatchCommandInput) => this.publishBatch(input));
  }

  /** Fails the entries `which` picks (by default every other one) in the next `times` PublishBatch calls. */
  failEntries(options: { code: string; times?: number; senderFault?: boolean; which?: (entry: EntryInfo) => boolean }): void {
    this.plans.push({
      kind: 'fail-entries',
      remaining: options.times ?? 1,
      code: options.code,
      senderFault: options.senderFault ?? false,
      which: options.which ?? (({ index }) => index % 2 === 1),
    });
  }

  down(options: { times?: number; error?: string; status?: number } = {}): void {
    this.plans.push({ kind: 'down', remaining: options.times ?? 1, error: options.error ?? 'InternalErrorException', status: options.status ?? 500 });
  }

  blackHole(times = 1): void {
    this.plans.push({ kind: 'black-hole', remaining: times });
  }

  loseAnswers(times = 1): void {
    this.plans.push({ kind: 'answer-lost', remaining: times });
  }

  clear(): void {
    this.plans = [];
  }

  private publishBatch(input: PublishBatchCommandInput) {
    this.gate('SNS PublishBatch');
    this.calls += 1;
    const plan = this.plans.find((candidate) => candidate.remaining > 0);
    if (plan) plan.remaining -= 1;
    if (plan?.kind === 'down') {
      throw Object.assign(new Error('SNS is unavailable'), { name: plan.error, $fault: 'server', $metadata: { httpStatusCode: plan.status } });
    }
    const Successful: PublishBatchResultEntry[] = [];
    const Failed: BatchResultErrorEntry[] = [];
    (input.PublishBatchRequestEntries ?? []).forEach((entry, index) => {
      const message = JSON.parse(entry.Message ?? '{}') as { default?: string };
      const document = JSON.parse(message.default ?? '{}') as {
        alertId?: string;
        type?: string;
        status?: string;
        portout?: { id?: string; focDate?: string | null };
        comments?: Array<{ id: string }>;
        reminderHours?: number;
        alertIds?: string[];
      };
      const audience = entry.MessageAttributes?.audience?.StringValue;
      if (plan?.kind === 'fail-entries' && plan.which({ index, alertId: document.alertId ?? '?' })) {
        Failed.push({ Id: entry.Id, Code: plan.code, SenderFault: plan.senderFault, Message: 'staged failure' });
        return;
      }
      if (plan?.kind === 'black-hole') {
        Successful.push({ Id: entry.Id, MessageId: 'nowhere' });
        return;
      }
      this.deliveries.push({
        alertId: document.alertId ?? '?',
        type: document.type ?? '?',
        portoutId: document.portout?.id ?? null,
        status: document.status ?? null,
        poll: this.currentPoll(),
        audience: audience === undefined ? undefined : (JSON.parse(audience) as string[]),
        focDate: document.portout?.focDate ?? null,
        commentIds: (document.comments ?? []).map((comment) => comment.id),
        reminderHours: document.reminderHours ?? null,
        covers: document.alertIds,
      });
      Successful.push({ Id: entry.Id, MessageId: `m-${this.deliveries.length}` });
    });
    if (plan?.kind === 'answer-lost') {
      throw Object.assign(new Error('Request timed out'), { name: 'TimeoutError', $metadata: {} });
    }
    return { Successful, Failed };
  }
}
