import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { DEFAULT_ACCOUNT_NAME } from '../core/accounts.ts';
import { readStatus } from '../core/portout.ts';
import { changeKey, INITIALIZED_KEY, type ApplyResult, type StateChange, type StateStore, type TrackedPortout } from '../core/ports.ts';
import { STATE_TABLE } from '../state-table.ts';

/**
 * Table layout (one table, string keys pk/sk):
 * - pk=OPEN,   sk=<port-out id>: what was last alerted for a watched port-out. One Query reads them all.
 * - pk=OPEN,   sk=#initialized:   written by the first run, so that Query also says whether one happened.
 * - pk=CLOSED, sk=<port-out id>: kept until `expiresAt`; read only by id, to alert a born-rejected request once.
 * - pk=LEASE,  sk=poller:        held by the run that is publishing, so overlapping runs can't double-alert.
 * Those are the `default` account's keys, unchanged since there was only one account, so an upgrade reads its
 * records as before. Every other account has its own: pk=OPEN#<name>, CLOSED#<name>, and the lease sk=poller#<name>.
 */
function accountKeys(account: string) {
  const suffix = account === DEFAULT_ACCOUNT_NAME ? '' : `#${account}`;
  return {
    open: `OPEN${suffix}`,
    closed: `CLOSED${suffix}`,
    lease: { [STATE_TABLE.partitionKey]: 'LEASE', [STATE_TABLE.sortKey]: `poller${suffix}` },
  };
}
const MAX_TRANSACTION_ACTIONS = 100;
const MAX_BATCH_GET_KEYS = 100;
const MAX_APPLY_ATTEMPTS = 3;

export interface DynamoStateStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Whose records these are (an AccountRef name); `default` when omitted. */
  account?: string;
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
    remindedHours: record.remindedHours,
    lastCommentAt: record.lastCommentAt,
    version: record.version,
    recordedAt: new Date(nowMs).toISOString(),
  };
}

function fromItem(item: Item): TrackedPortout {
  const id = item[STATE_TABLE.sortKey];
  const { version } = item;
  // A status Telnyx added since is kept as the poller stored it (sanitized), so it can be diffed next run.
  const status = readStatus(item.status);
  if (typeof id !== 'string' || status === null || typeof version !== 'number') {
    throw new Error(`state table holds a malformed open record (sk=${String(id)}): fix or delete that item`);
  }
  return {
    id,
    status,
    version,
    focDate: typeof item.focDate === 'string' ? item.focDate : null,
    phoneNumbers: Array.isArray(item.phoneNumbers) ? item.phoneNumbers.filter((n): n is string => typeof n === 'string') : [],
    supportKey: typeof item.supportKey === 'string' ? item.supportKey : null,
    remindedHours: Array.isArray(item.remindedHours) ? item.remindedHours.filter((h): h is number => typeof h === 'number') : [],
    lastCommentAt: typeof item.lastCommentAt === 'string' ? item.lastCommentAt : null,
  };
}

/** A read or the lease write failed, so the run stops before publishing; the message names the table. */
export class StateTableError extends Error {
  override name = 'StateTableError';
}

function isConditionalFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function createDynamoStateStore(options: DynamoStateStoreOptions): StateStore {
  const { client, tableName } = options;
  const partition = accountKeys(options.account ?? DEFAULT_ACCOUNT_NAME);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pk = STATE_TABLE.partitionKey;
  const sk = STATE_TABLE.sortKey;
  // A bare "connect ECONNREFUSED" or "ThrottlingException" doesn't say which service or table to look at.
  const tableError = (doing: string, error: unknown) =>
    new StateTableError(
      `${doing} in DynamoDB table ${tableName} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error'}`,
      { cause: error },
    );

  function actionsFor(change: StateChange, nowMs: number): TransactItem[] {
    const absent = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': pk } };
    const expiresAt = Math.floor(nowMs / 1000) + options.closedRetentionDays * 86_400;
    const closedItem = (record: TrackedPortout) => ({ ...toItem(partition.closed, record, nowMs), [STATE_TABLE.ttlAttribute]: expiresAt });
    if (change.kind === 'mark-initialized') {
      const item = { [pk]: partition.open, [sk]: INITIALIZED_KEY, recordedAt: new Date(nowMs).toISOString() };
      return [{ Put: { TableName: tableName, Item: item, ...absent } }];
    }
    if (change.kind === 'remember-closed') {
      return [{ Put: { TableName: tableName, Item: closedItem(change.record), ...absent } }];
    }
    const { record, expectedVersion } = change;
    const versionGuard =
      expectedVersion === null
        ? absent
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          };
    if (change.kind === 'upsert-open') {
      return [{ Put: { TableName: tableName, Item: toItem(partition.open, record, nowMs), ...versionGuard } }];
    }
    return [
      { Delete: { TableName: tableName, Key: { [pk]: partition.open, [sk]: record.id }, ...versionGuard } },
      { Put: { TableName: tableName, Item: closedItem(record) } },
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
        result.applied.push(...pending.map(changeKey));
        return;
      } catch (error) {
        const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
        const conflicted = new Set<StateChange>();
        reasons?.forEach((reason, index) => {
          const owner = owners[index];
          if (owner && reason.Code === 'ConditionalCheckFailed') conflicted.add(owner);
        });
        result.conflicted.push(...[...conflicted].map(changeKey));
        pending = pending.filter((change) => !conflicted.has(change));
        if (attempt >= MAX_APPLY_ATTEMPTS) {
          const reason = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
          result.failed.push(...pending.map((change) => ({ id: changeKey(change), reason })));
          return;
        }
        // Only conflicts: the rest can go again at once. Throttling or a transaction conflict: back off first.
        const onlyConditional = reasons?.every((r) => r.Code === 'None' || r.Code === 'ConditionalCheckFailed');
        if (!onlyConditional) await sleep(100 * 2 ** attempt);
      }
    }
  }

  /** Reads items of one partition by sort key, 100 keys a request, asking again for any DynamoDB left unprocessed. */
  async function batchGet(
    partition: string,
    sortKeys: string[],
    how: { consistent: boolean; keysOnly: boolean },
    doing: string,
  ): Promise<Item[]> {
    const found: Item[] = [];
    for (let start = 0; start < sortKeys.length; start += MAX_BATCH_GET_KEYS) {
      let keys: Array<Record<string, unknown>> | undefined = sortKeys
        .slice(start, start + MAX_BATCH_GET_KEYS)
        .map((key) => ({ [pk]: partition, [sk]: key }));
      for (let attempt = 1; keys && keys.length > 0; attempt++) {
        const request = {
          Keys: keys,
          ConsistentRead: how.consistent,
          ...(how.keysOnly
            ? { ProjectionExpression: '#sk, #version', ExpressionAttributeNames: { '#sk': sk, '#version': 'version' } }
            : {}),
        };
        const response: BatchGetCommandOutput = await client
          .send(new BatchGetCommand({ RequestItems: { [tableName]: request } }))
          .catch((error: unknown) => {
            throw tableError(doing, error);
          });
        found.push(...(response.Responses?.[tableName] ?? []));
        keys = response.UnprocessedKeys?.[tableName]?.Keys;
        if (keys && keys.length > 0) {
          if (attempt >= MAX_APPLY_ATTEMPTS) {
            throw new StateTableError(`${doing} in DynamoDB table ${tableName}: keys left unprocessed after retries; the next run tries again`);
          }
          await sleep(100 * 2 ** attempt);
        }
      }
    }
    return found;
  }

  return {
    async loadOpen() {
      const open = new Map<string, TrackedPortout>();
      let initialized = false;
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client
          .send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: '#pk = :open',
              ExpressionAttributeNames: { '#pk': pk },
              ExpressionAttributeValues: { ':open': partition.open },
              ConsistentRead: true,
              ExclusiveStartKey: startKey,
            }),
          )
          .catch((error: unknown) => {
            throw tableError('reading the open records', error);
          });
        for (const item of page.Items ?? []) {
          if (item[sk] === INITIALIZED_KEY) {
            initialized = true;
            continue;
          }
          const record = fromItem(item);
          open.set(record.id, record);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return { records: open, initialized };
    },

    async loadClosedVersions(ids, readOptions = {}) {
      const items = await batchGet(partition.closed, ids, { consistent: readOptions.consistent ?? false, keysOnly: true }, 'reading closed records');
      return new Map(items.map((item) => [String(item[sk]), typeof item.version === 'number' ? item.version : 0]));
    },

    async reloadOpen(ids, knownInitialized) {
      const keys = knownInitialized ? [...new Set(ids)] : [INITIALIZED_KEY, ...new Set(ids)];
      const items = await batchGet(partition.open, keys, { consistent: true, keysOnly: false }, 're-reading open records');
      const records = new Map<string, TrackedPortout>();
      let initialized = knownInitialized;
      for (const item of items) {
        if (item[sk] === INITIALIZED_KEY) initialized = true;
        else {
          const record = fromItem(item);
          records.set(record.id, record);
        }
      }
      return { records, initialized };
    },

    async acquireLease(holder, nowMs, untilMs) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...partition.lease,
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
        throw tableError('taking the lease', error);
      }
    },

    async releaseLease(holder) {
      try {
        await client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: partition.lease,
            ConditionExpression: '#holder = :holder',
            ExpressionAttributeNames: { '#holder': 'holder' },
            ExpressionAttributeValues: { ':holder': holder },
          }),
        );
      } catch {
        // Someone else holds it now (ours expired: theirs is not ours to delete), or DynamoDB failed. The lease
        // expires on its own; throwing here would replace the report of a run whose alerts already went out.
      }
    },

    async apply(changes, nowMs) {
      const result: ApplyResult = { applied: [], conflicted: [], failed: [] };
      for (const part of chunk(changes)) await applyChunk(part, nowMs, result);
      return result;
    },
  };
}
