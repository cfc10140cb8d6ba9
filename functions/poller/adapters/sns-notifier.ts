import {
  PublishBatchCommand,
  type MessageAttributeValue,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { mapConcurrent } from '../core/concurrency.ts';
import type { RenderedAlert } from '../core/model.ts';
import type { Notifier, OutgoingAlert, PublishResult } from '../core/ports.ts';

const MAX_BATCH_ENTRIES = 10;
/** PublishBatch caps the whole request, not each entry, at 256 KiB. */
const MAX_BATCH_BYTES = 256 * 1024;
const MAX_ATTEMPTS = 3;
const CONCURRENCY = 4;

export interface SnsNotifierOptions {
  client: SNSClient;
  topicArn: string;
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

function entryBytes(entry: PublishBatchRequestEntry): number {
  let size = Buffer.byteLength(entry.Message ?? '') + Buffer.byteLength(entry.Subject ?? '');
  for (const [name, attribute] of Object.entries(entry.MessageAttributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType ?? '') + Buffer.byteLength(attribute.StringValue ?? '');
  }
  return size;
}

/** Groups alerts into PublishBatch requests of at most 10 entries and 256 KiB. */
export function planBatches(alerts: OutgoingAlert[]): OutgoingAlert[][] {
  const batches: OutgoingAlert[][] = [];
  let current: OutgoingAlert[] = [];
  let bytes = 0;
  for (const alert of alerts) {
    const size = entryBytes(toBatchEntry(alert, 0));
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

/** Publishes through PublishBatch; entries SNS failed for its own reasons (throttling, 5xx) are retried within the deadline. */
export function createSnsNotifier(options: SnsNotifierOptions): Notifier {
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function publishBatch(batch: OutgoingAlert[], deadline: number, result: PublishResult): Promise<void> {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const entries = pending.map(toBatchEntry);
      const byEntryId = new Map(entries.map((entry, index) => [entry.Id, pending[index] as OutgoingAlert]));
      // Each entry keeps its own reason: one batch can fail entries for different causes.
      let retry: Array<{ alert: OutgoingAlert; reason: string }> = [];
      try {
        const response = await options.client.send(
          new PublishBatchCommand({ TopicArn: options.topicArn, PublishBatchRequestEntries: entries }),
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

  return {
    async publish(alerts, deadline) {
      const result: PublishResult = { delivered: [], failed: [] };
      await mapConcurrent(planBatches(alerts), CONCURRENCY, (batch) => publishBatch(batch, deadline, result));
      return result;
    },
  };
}
