import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STATE_TABLE } from '../state-table.ts';
import type { KnownManagedAccounts } from './telnyx-managed-accounts.ts';

/** One item beside the lease and the doorbell; a poll's Query reads only its account's OPEN partition, never this. */
export const KNOWN_MANAGED_ACCOUNTS_KEY = { [STATE_TABLE.partitionKey]: 'MANAGED', [STATE_TABLE.sortKey]: 'known' } as const;

/**
 * The Telnyx ids of the managed accounts watched, as a list in one item (a set can't be empty). 10,000 ids of 36
 * characters, as many as a listing reads, fit its 400 KB. Read strongly consistent, as a write by the container
 * before must be seen; written whole, since containers that overlap each write what their own listings showed.
 */
export function createDynamoKnownManagedAccounts({ client, tableName }: { client: DynamoDBDocumentClient; tableName: string }): KnownManagedAccounts {
  return {
    async load() {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: KNOWN_MANAGED_ACCOUNTS_KEY, ConsistentRead: true }));
      if (Item === undefined) return [];
      const { ids } = Item;
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
        throw new Error('the item pk=MANAGED, sk=known holds no list of ids: delete it, and the next run writes it again');
      }
      return ids;
    },
    async save(ids) {
      await client.send(new PutCommand({ TableName: tableName, Item: { ...KNOWN_MANAGED_ACCOUNTS_KEY, ids, savedAt: new Date().toISOString() } }));
    },
  };
}
