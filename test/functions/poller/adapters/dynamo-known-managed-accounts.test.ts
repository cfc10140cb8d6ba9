import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDynamoKnownManagedAccounts, KNOWN_MANAGED_ACCOUNTS_KEY } from '../../../../functions/poller/adapters/dynamo-known-managed-accounts.ts';
import { createDynamoStateStore } from '../../../../functions/poller/adapters/dynamo-state-store.ts';
import { createTestTable, type TestTable } from '../../../support/dynamo.ts';

describe('the known managed accounts item in DynamoDB Local', () => {
  const tables: TestTable[] = [];
  afterEach(async () => {
    await Promise.all(tables.splice(0).map((table) => table.drop()));
  });
  const fresh = async () => {
    const table = await createTestTable();
    tables.push(table);
    return { table, memory: createDynamoKnownManagedAccounts({ client: table.doc, tableName: table.tableName }) };
  };

  it('reads [] before the first write, then what was last written, the empty set included', async () => {
    const { memory } = await fresh();
    expect(await memory.load()).toEqual([]);
    await memory.save(['ma-0001', 'ma-0002']);
    expect(await memory.load()).toEqual(['ma-0001', 'ma-0002']);
    await memory.save([]);
    expect(await memory.load()).toEqual([]);
  });

  it('a malformed item fails the read with the fix, rather than reading as no accounts', async () => {
    const { table, memory } = await fresh();
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: { ...KNOWN_MANAGED_ACCOUNTS_KEY, ids: 'ma-0001' } }));
    await expect(memory.load()).rejects.toThrow(/pk=MANAGED, sk=known .*delete it/);
  });

  it('lives outside every OPEN partition: a poll never reads it', async () => {
    const { table, memory } = await fresh();
    await memory.save(['ma-0001']);
    for (const account of ['default', 'managed-ma-0001']) {
      const store = createDynamoStateStore({ client: table.doc, tableName: table.tableName, account, closedRetentionDays: 90 });
      expect((await store.loadOpen()).records.size).toBe(0);
    }
  });
});
