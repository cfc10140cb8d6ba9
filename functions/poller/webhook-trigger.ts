import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createDynamoDoorbell } from './adapters/dynamo-doorbell.ts';
import { answerDoorbell, type Doorbell, type DoorbellReport, type WebhookTrigger } from './core/doorbell.ts';
import type { StateStore, TrackedPortout } from './core/ports.ts';
import type { PollReport } from './core/run-poll.ts';

/** A poll needs this much of the invocation's time left to start; later hints wait for the schedule's poll. */
export const POLL_START_RESERVE_MS = 30_000;

/** One account's part of a poll: what it reported, and the store it recorded into. */
export interface PolledAccount {
  report: PollReport;
  store: StateStore;
}

export interface WebhookTriggerParts {
  tableName: string;
  /**
   * One poll exactly as a scheduled invocation runs it (observed: logs and metrics included), of the accounts the
   * answered hints name (each account's webhook URL names it), or of every account when one names none.
   */
  poll: (accounts: readonly string[] | undefined) => Promise<PolledAccount[]>;
  logger: Logger;
}

let doorbell: Doorbell | undefined;

/**
 * The poller invoked by the webhook receiver: ring the doorbell in the state table and, unless another invocation
 * is already answering it, poll now and follow up while the listing lags the webhook. The content of the webhook
 * never becomes an alert.
 */
export async function answerWebhookTrigger(
  trigger: WebhookTrigger,
  context: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>,
  parts: WebhookTriggerParts,
): Promise<DoorbellReport> {
  doorbell ??= createDynamoDoorbell({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: parts.tableName });
  const hardStop = Date.now() + context.getRemainingTimeInMillis();
  // The stores the last poll recorded into: a port-out's record is in its own account's.
  let stores: StateStore[] = [];
  const report = await answerDoorbell(
    {
      doorbell,
      holder: context.awsRequestId || `invocation-${hardStop}`,
      poll: async (accounts) => {
        const polled = await parts.poll(accounts);
        stores = polled.map((account) => account.store);
        return { alertedIds: polled.flatMap((account) => account.report.events.map((event) => event.portoutId)) };
      },
      currentRecords: async (ids) => {
        const found = await Promise.all(stores.map(async (store) => (await store.reloadOpen(ids, true)).records));
        return new Map<string, TrackedPortout>(found.flatMap((records) => [...records]));
      },
    },
    trigger.hint,
    { lastPollStart: hardStop - POLL_START_RESERVE_MS, hardStop },
  );
  const summary = {
    outcome: report.outcome,
    ...(trigger.hint.account ? { account: trigger.hint.account } : {}),
    portoutId: trigger.hint.portoutId,
    change: trigger.hint.change,
    waitedMs: Date.now() - trigger.receivedAt,
    polls: report.polls,
    hintsTaken: report.hintsTaken,
    hintsSeen: report.hintsSeen,
    followUps: report.followUps,
  };
  if (report.leftToSchedule.length > 0) {
    parts.logger.warn('webhook changes not yet in the listing after every follow-up; the scheduled poll will see them', {
      ...summary,
      leftToSchedule: report.leftToSchedule.map((hint) => ({ portoutId: hint.portoutId, change: hint.change })),
    });
  } else {
    parts.logger.info(report.outcome === 'joined' ? 'webhook joined the session already polling' : 'webhook answered', summary);
  }
  return report;
}
