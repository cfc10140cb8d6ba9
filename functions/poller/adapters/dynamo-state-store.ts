import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isPortoutStatus } from '../core/portout.ts';
import type { ApplyResult, StateChange, StateStore, TrackedPortout } from '../core/ports.ts';
import { STATE_TABLE } from '../state-table.ts';

/**
 * Table layout (one table, string keys pk/sk):
 * - pk=OPEN,   sk=<port-out id>: what was last alerted for a watched port-out. One Query reads them all.
 * - pk=CLOSED, sk=<port-out id>: kept for audit until `expiresAt`; never read by a poll.
 * - pk=LEASE,  sk=poller:        held by the run that is publishing, so overlapping runs can't double-alert.
 */
const OPEN = 'OPEN';
const CLOSED = 'CLOSED';
const LEASE_KEY = { [STATE_TABLE.partitionKey]: 'LEASE', [STATE_TABLE.sortKey]: 'poller' };
const MAX_TRANSACTION_ACTIONS = 100;
const MAX_APPLY_ATTEMPTS = 3;

export interface DynamoStateStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  closedRetentionDays: number;
  sleep?: (ms: number) => Promise<void>;
}

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

function toItem(partition: string, record: TrackedPortout, nowMs: number): Item {
  return {
    [STATE_TABLE.partitionKey]: partition,
    [STATE_TABLE.sortKey]: record.id,
    status: record.status,
    focDate: record.focDate,
    phoneNumbers: record.phoneNumbers,
    supportKey: record.supportKey,
    version: record.version,
    recordedAt: new Date(nowMs).toISOString(),
  };
}

function fromItem(item: Item): TrackedPortout {
  const id = item[STATE_TABLE.sortKey];
  const { status, version } = item;
  if (typeof id !== 'string' || !isPortoutStatus(status) || typeof version !== 'number') {
    throw new Error(`state table holds a malformed open record (sk=${String(id)}): fix or delete that item`);
  }
  return {
    id,
    status,
    version,
    focDate: typeof item.focDate === 'string' ? item.focDate : null,
    phoneNumbers: Array.isArray(item.phoneNumbers) ? item.phoneNumbers.filter((n): n is string => typeof n === 'string') : [],
    supportKey: typeof item.supportKey === 'string' ? item.supportKey : null,
  };
}

function isConditionalFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function createDynamoStateStore(options: DynamoStateStoreOptions): StateStore {
  const { client, tableName } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pk = STATE_TABLE.partitionKey;
  const sk = STATE_TABLE.sortKey;

  function actionsFor(change: StateChange, nowMs: number): TransactItem[] {
    const { record, expectedVersion } = change;
    const versionGuard: { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } =
      expectedVersion === null
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': pk } }
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          };
    if (change.kind === 'upsert-open') {
      return [{ Put: { TableName: tableName, Item: toItem(OPEN, record, nowMs), ...versionGuard } }];
    }
    const expiresAt = Math.floor(nowMs / 1000) + options.closedRetentionDays * 86_400;
    return [
      { Delete: { TableName: tableName, Key: { [pk]: OPEN, [sk]: record.id }, ...versionGuard } },
      { Put: { TableName: tableName, Item: { ...toItem(CLOSED, record, nowMs), [STATE_TABLE.ttlAttribute]: expiresAt } } },
    ];
  }

  /** Chunks changes so no transaction exceeds DynamoDB's action limit; a close takes two actions. */
  function chunk(changes: StateChange[]): StateChange[][] {
    const chunks: StateChange[][] = [];
    let current: StateChange[] = [];
    let actions = 0;
    for (const change of changes) {
      const cost = change.kind === 'close' ? 2 : 1;
      if (actions + cost > MAX_TRANSACTION_ACTIONS) {
        chunks.push(current);
        current = [];
        actions = 0;
      }
      current.push(change);
      actions += cost;
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  async function applyChunk(changes: StateChange[], nowMs: number, result: ApplyResult): Promise<void> {
    let pending = changes;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const owners: StateChange[] = [];
      const items = pending.flatMap((change) => {
        const actions = actionsFor(change, nowMs);
        for (const _ of actions) owners.push(change);
        return actions;
      });
      try {
        await client.send(new TransactWriteCommand({ TransactItems: items }));
        result.applied.push(...pending.map((change) => change.record.id));
        return;
      } catch (error) {
        const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
        const conflicted = new Set<StateChange>();
        reasons?.forEach((reason, index) => {
          const owner = owners[index];
          if (owner && reason.Code === 'ConditionalCheckFailed') conflicted.add(owner);
        });
        result.conflicted.push(...[...conflicted].map((change) => change.record.id));
        pending = pending.filter((change) => !conflicted.has(change));
        if (attempt >= MAX_APPLY_ATTEMPTS) {
          const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
          result.failed.push(...pending.map((change) => ({ id: change.record.id, reason })));
          return;
        }
        // Only conflicts: the rest can go again at once. Throttling or a transaction conflict: back off first.
        const onlyConditional = reasons?.every((r) => r.Code === 'None' || r.Code === 'ConditionalCheckFailed');
        if (!onlyConditional) await sleep(100 * 2 ** attempt);
      }
    }
  }

  return {
    async loadOpen() {
      const open = new Map<string, TrackedPortout>();
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :open',
            ExpressionAttributeNames: { '#pk': pk },
            ExpressionAttributeValues: { ':open': OPEN },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const record = fromItem(item);
          open.set(record.id, record);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return open;
    },

    async acquireLease(holder, nowMs, untilMs) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...LEASE_KEY,
              holder,
              leaseUntil: untilMs,
              [STATE_TABLE.ttlAttribute]: Math.ceil(untilMs / 1000) + 3_600,
            },
            ConditionExpression: 'attribute_not_exists(#pk) OR #until < :now OR #holder = :holder',
            ExpressionAttributeNames: { '#pk': pk, '#until': 'leaseUntil', '#holder': 'holder' },
            ExpressionAttributeValues: { ':now': nowMs, ':holder': holder },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionalFailure(error)) return false;
        throw error;
      }
    },

    async releaseLease(holder) {
      try {
        await client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: LEASE_KEY,
            ConditionExpression: '#holder = :holder',
            ExpressionAttributeNames: { '#holder': 'holder' },
            ExpressionAttributeValues: { ':holder': holder },
          }),
        );
      } catch (error) {
        // Someone else holds it now (ours expired): theirs is not ours to delete.
        if (!isConditionalFailure(error)) throw error;
      }
    },

    async apply(changes, nowMs) {
      const result: ApplyResult = { applied: [], conflicted: [], failed: [] };
      for (const part of chunk(changes)) await applyChunk(part, nowMs, result);
      return result;
    },
  };
}
