import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  type PublishBatchCommandOutput,
  type PublishCommandOutput,
} from '@aws-sdk/client-sns';

export interface DynamoCounts {
  /** Commands sent, by name without the `Command` suffix (`Query`, `TransactWriteItems`, ...). */
  commands: Record<string, number>;
  reads: number;
  writes: number;
  /** As DynamoDB (Local) reported it with ReturnConsumedCapacity TOTAL. */
  readUnits: number;
  /** As DynamoDB Local reported it: it charges a TransactWriteItems call 2 units whatever it holds, AWS 2 per item. */
  writeUnits: number;
  /** Actions in all TransactWriteItems calls. */
  transactWriteActions: number;
}

export interface DynamoCounter {
  counts(): DynamoCounts;
  reset(): void;
}

const READS = new Set(['Query', 'GetItem', 'BatchGetItem', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'DeleteItem', 'UpdateItem', 'BatchWriteItem', 'TransactWriteItems']);

interface Capacity {
  CapacityUnits?: number;
}

function emptyCounts(): DynamoCounts {
  return { commands: {}, reads: 0, writes: 0, readUnits: 0, writeUnits: 0, transactWriteActions: 0 };
}

/** Write units as AWS bills them for items under 1 KB: 1 per single-item write, 2 per transactional action. */
export function billedWriteUnits(counts: DynamoCounts): number {
  const transactions = counts.commands.TransactWriteItems ?? 0;
  return counts.writes - transactions + 2 * counts.transactWriteActions;
}

/**
 * Counts every command the client (and any DocumentClient built on it, which shares its middleware stack) sends,
 * and asks DynamoDB for the capacity each one consumed.
 */
export function countDynamoDb(client: DynamoDBClient): DynamoCounter {
  let counts = emptyCounts();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      counts.commands[name] = (counts.commands[name] ?? 0) + 1;
      if (READS.has(name)) counts.reads += 1;
      if (WRITES.has(name)) counts.writes += 1;
      counts.transactWriteActions += (args.input as { TransactItems?: unknown[] }).TransactItems?.length ?? 0;
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
      const units = [consumed ?? []].flat().reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
      if (READS.has(name)) counts.readUnits += units;
      else counts.writeUnits += units;
      return result;
    },
    { step: 'initialize', name: 'benchCountRequests' },
  );
  return {
    counts: () => structuredClone(counts),
    reset: () => {
      counts = emptyCounts();
    },
  };
}

export const TELNYX_ROUTES = ['watched', 'rejected', 'comments', 'retrieve'] as const;
export type TelnyxCounts = Record<(typeof TELNYX_ROUTES)[number], number>;

export interface TelnyxCounter {
  /** Pass as the SDK's `fetch`: counts each request by what it asks for, then sends it. */
  fetch: typeof fetch;
  counts(): TelnyxCounts;
  reset(): void;
}

function telnyxRoute(url: URL): (typeof TELNYX_ROUTES)[number] {
  if (url.pathname.endsWith('/portouts/events')) return 'comments';
  if (!url.pathname.endsWith('/portouts')) return 'retrieve';
  return url.searchParams.has('filter[status_in]') ? 'watched' : 'rejected';
}

/** Counts Telnyx requests per query: the watched listing, the born-rejected query, the comment feed, lookups. */
export function countTelnyx(): TelnyxCounter {
  let counts: TelnyxCounts = { watched: 0, rejected: 0, comments: 0, retrieve: 0 };
  return {
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      counts[telnyxRoute(url)] += 1;
      return fetch(input, init);
    },
    counts: () => ({ ...counts }),
    reset: () => {
      counts = { watched: 0, rejected: 0, comments: 0, retrieve: 0 };
    },
  };
}

export interface SnsCounts {
  PublishBatch: number;
  Publish: number;
  /** Messages accepted, over both APIs. */
  messages: number;
}

export interface SnsCounter {
  counts(): SnsCounts;
  reset(): void;
}

/**
 * Every SNSClient in this process answers from here, at once: PublishBatch and Publish succeed, and are counted.
 * This is what aws-sdk-client-mock does (a stub on the prototype's `send`), minus its call history: that keeps every
 * request, and with it every message, which would show up in the peak RSS being measured.
 */
export function fakeSns(): SnsCounter {
  let counts: SnsCounts = { PublishBatch: 0, Publish: 0, messages: 0 };
  const answer = async (command: unknown): Promise<PublishBatchCommandOutput | PublishCommandOutput> => {
    if (command instanceof PublishBatchCommand) {
      const entries = command.input.PublishBatchRequestEntries ?? [];
      counts.PublishBatch += 1;
      counts.messages += entries.length;
      return { Successful: entries.map((entry) => ({ Id: entry.Id, MessageId: randomUUID() })), Failed: [], $metadata: {} };
    }
    if (command instanceof PublishCommand) {
      counts.Publish += 1;
      counts.messages += 1;
      return { MessageId: randomUUID(), $metadata: {} };
    }
    throw new Error(`the benchmark's SNS fake has no answer for ${(command as object).constructor.name}`);
  };
  Object.defineProperty(SNSClient.prototype, 'send', { value: answer, configurable: true, writable: true });
  return {
    counts: () => ({ ...counts }),
    reset: () => {
      counts = { PublishBatch: 0, Publish: 0, messages: 0 };
    },
  };
}
