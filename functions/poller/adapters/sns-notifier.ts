import {
  PublishBatchCommand,
  type MessageAttributeValue,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { ALERT_ATTRIBUTES } from '../core/alert-types.ts';
import { mapConcurrent } from '../core/concurrency.ts';
import type { RenderedAlert } from '../core/model.ts';
import { AUDIENCE } from '../core/plan-alerts.ts';
import type { Notifier, OutgoingAlert, PublishResult } from '../core/ports.ts';
import { matchesFilterPolicy, type FilterPolicy } from './sns-filter-policy.ts';

const MAX_BATCH_ENTRIES = 10;
/** PublishBatch caps the whole request, not each entry, at 256 KiB. */
const MAX_BATCH_BYTES = 256 * 1024;
const MAX_ATTEMPTS = 3;
const CONCURRENCY = 4;

/** A topic AWS Chatbot reads, and the filter policy of the chat channels on it (none: every alert for people). */
export interface ChatTopic {
  topicArn: string;
  filterPolicy?: FilterPolicy;
}

export interface SnsNotifierOptions {
  client: SNSClient;
  topicArn: string;
  /** Empty unless Slack or Teams is configured: then each alert for people also goes to the chat topics it matches. */
  chatTopics?: readonly ChatTopic[];
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

function attributesOf(alert: RenderedAlert): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(alert.attributes)) {
    out[name] = Array.isArray(value)
      ? { DataType: 'String.Array', StringValue: JSON.stringify(value) }
      : { DataType: 'String', StringValue: value };
  }
  return out;
}

export function toBatchEntry(alert: OutgoingAlert, index: number): PublishBatchRequestEntry {
  const { rendered } = alert;
  return {
    // Batch entry ids only need to be unique within one request.
    Id: `e${index}`,
    Subject: rendered.subject,
    MessageStructure: 'json',
    Message: JSON.stringify({ default: JSON.stringify(rendered.json), email: rendered.email, sms: rendered.sms }),
    MessageAttributes: attributesOf(rendered),
  };
}

/**
 * The chat topic's message: Chatbot's custom notification alone. A second topic, because Chatbot subscribes over
 * `https` and reads a `MessageStructure: json` message's `https` text, which every other HTTPS subscriber reads too:
 * on one topic, they would get the chat message instead of the v1 document.
 */
function toChatBatchEntry(alert: OutgoingAlert, index: number): PublishBatchRequestEntry {
  const { rendered } = alert;
  return { Id: `e${index}`, Message: JSON.stringify(rendered.chat), MessageAttributes: attributesOf(rendered) };
}

type ToEntry = (alert: OutgoingAlert, index: number) => PublishBatchRequestEntry;

/** Chat channels are people: they get what email and SMS get, as their own filter policy allows. */
function routesToChat(alert: OutgoingAlert, topic: ChatTopic): boolean {
  const audience = alert.rendered.attributes[ALERT_ATTRIBUTES.audience.name];
  const forPeople = Array.isArray(audience) ? audience.includes(AUDIENCE.people) : audience === AUDIENCE.people;
  return forPeople && (topic.filterPolicy === undefined || matchesFilterPolicy(topic.filterPolicy, alert.rendered.attributes));
}

function entryBytes(entry: PublishBatchRequestEntry): number {
  let size = Buffer.byteLength(entry.Message ?? '') + Buffer.byteLength(entry.Subject ?? '');
  for (const [name, attribute] of Object.entries(entry.MessageAttributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType ?? '') + Buffer.byteLength(attribute.StringValue ?? '');
  }
  return size;
}

/** Groups alerts into PublishBatch requests of at most 10 entries and 256 KiB. */
export function planBatches(alerts: OutgoingAlert[], toEntry: ToEntry = toBatchEntry): OutgoingAlert[][] {
  const batches: OutgoingAlert[][] = [];
  let current: OutgoingAlert[] = [];
  let bytes = 0;
  for (const alert of alerts) {
    const size = entryBytes(toEntry(alert, 0));
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(alert);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Publishes through PublishBatch; entries SNS failed for its own reasons (throttling, 5xx) are retried within the
 * deadline. With chat topics, an alert the alert topic accepted then goes to each chat topic it matches, and counts
 * as delivered only if they all accepted it: otherwise the next run sends it again, on every topic.
 */
export function createSnsNotifier(options: SnsNotifierOptions): Notifier {
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  const chatTopics = options.chatTopics ?? [];

  async function publishBatch(
    topicArn: string,
    toEntry: ToEntry,
    batch: OutgoingAlert[],
    deadline: number,
    result: PublishResult,
  ): Promise<void> {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const entries = pending.map(toEntry);
      const byEntryId = new Map(entries.map((entry, index) => [entry.Id, pending[index] as OutgoingAlert]));
      // Each entry keeps its own reason: one batch can fail entries for different causes.
      let retry: Array<{ alert: OutgoingAlert; reason: string }> = [];
      try {
        const response = await options.client.send(
          new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
        );
        for (const ok of response.Successful ?? []) {
          const alert = ok.Id ? byEntryId.get(ok.Id) : undefined;
          if (alert) result.delivered.push(alert.alertId);
        }
        for (const failed of response.Failed ?? []) {
          const alert = failed.Id ? byEntryId.get(failed.Id) : undefined;
          if (!alert) continue;
          const reason = `${failed.Code ?? 'Failed'}${failed.SenderFault ? ' (sender fault)' : ''}`;
          // A sender fault (bad parameter) fails the same way every time; the next run re-renders and tries again.
          if (failed.SenderFault) result.failed.push({ alertId: alert.alertId, reason });
          else retry.push({ alert, reason });
        }
        // Entries SNS answered neither way were not accepted.
        const answered = new Set([...(response.Successful ?? []), ...(response.Failed ?? [])].map((entry) => entry.Id));
        for (const [id, alert] of byEntryId) {
          if (!answered.has(id)) retry.push({ alert, reason: 'no answer for this entry' });
        }
      } catch (error) {
        const reason = error instanceof Error ? error.name : 'unknown error';
        retry = pending.map((alert) => ({ alert, reason }));
      }
      const wait = 200 * 2 ** attempt;
      if (retry.length > 0 && (attempt >= MAX_ATTEMPTS || clock() + wait >= deadline)) {
        result.failed.push(...retry.map(({ alert, reason }) => ({ alertId: alert.alertId, reason })));
        return;
      }
      if (retry.length > 0) await sleep(wait);
      pending = retry.map(({ alert }) => alert);
    }
  }

  async function publishTo(topicArn: string, toEntry: ToEntry, alerts: OutgoingAlert[], deadline: number): Promise<PublishResult> {
    const result: PublishResult = { delivered: [], failed: [] };
    await mapConcurrent(planBatches(alerts, toEntry), CONCURRENCY, (batch) =>
      publishBatch(topicArn, toEntry, batch, deadline, result),
    );
    return result;
  }

  return {
    async publish(alerts, deadline) {
      const result = await publishTo(options.topicArn, toBatchEntry, alerts, deadline);
      if (chatTopics.length === 0) return result;
      const accepted = new Set(result.delivered);
      const chatResults = await Promise.all(
        chatTopics.map((topic) =>
          publishTo(
            topic.topicArn,
            toChatBatchEntry,
            alerts.filter((alert) => accepted.has(alert.alertId) && routesToChat(alert, topic)),
            deadline,
          ),
        ),
      );
      // One failure per alert, the first chat topic's reason, however many chat topics refused it.
      const chatFailed = new Map<string, string>();
      for (const failure of chatResults.flatMap((chat) => chat.failed)) {
        if (!chatFailed.has(failure.alertId)) chatFailed.set(failure.alertId, `chat topic: ${failure.reason}`);
      }
      return {
        delivered: result.delivered.filter((alertId) => !chatFailed.has(alertId)),
        failed: [...result.failed, ...[...chatFailed].map(([alertId, reason]) => ({ alertId, reason }))],
        partlyDelivered: [...chatFailed.keys()],
      };
    },
  };
}
