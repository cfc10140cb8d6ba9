import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDoorbell, DOORBELL_KEY } from '../../../../functions/poller/adapters/dynamo-doorbell.ts';
import { answerDoorbell, type DoorbellHint } from '../../../../functions/poller/core/doorbell.ts';
import { createDynamoStateStore } from '../../../../functions/poller/adapters/dynamo-state-store.ts';
import { createTestTable, type TestTable } from '../../../support/dynamo.ts';

const hint = (portoutId: string, status = 'pending'): DoorbellHint => ({ portoutId, change: 'status', status });

describe('the doorbell item in DynamoDB Local', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createTestTable();
  });
  afterAll(async () => table.drop());
  const fresh = async () => {
    const t = await createTestTable();
    return { doorbell: createDynamoDoorbell({ client: t.doc, tableName: t.tableName }), t };
  };

  it('rings coalesce duplicate hints; take empties the set and reports the ring count', async () => {
    const { doorbell, t } = await fresh();
    expect(await doorbell.ring(hint('po-1'), 1_000)).toEqual({ answering: false });
    await doorbell.ring(hint('po-1'), 1_001);
    await doorbell.ring(hint('po-2'), 1_002);
    const taken = await doorbell.take('a');
    expect(taken.rings).toBe(3);
    expect(taken.hints.map((h) => h.portoutId).sort()).toEqual(['po-1', 'po-2']);
    expect((await doorbell.take('a')).hints).toEqual([]);
    await t.drop();
  });

  it('one session answers at a time; the claim lapses at its end time; a ring says someone is answering', async () => {
    const { doorbell, t } = await fresh();
    expect((await doorbell.claim('a', 1_000, 5_000)).claimed).toBe(true);
    expect((await doorbell.claim('b', 2_000, 6_000)).claimed).toBe(false);
    expect(await doorbell.ring(hint('po-1'), 2_000)).toEqual({ answering: true });
    expect((await doorbell.claim('b', 5_000, 9_000)).claimed).toBe(true);
    await t.drop();
  });

  it('release fails as "rung" if a ring came after the take, and remembers the last poll for the next claim', async () => {
    const { doorbell, t } = await fresh();
    await doorbell.ring(hint('po-1'), 1_000);
    await doorbell.claim('a', 1_000, 9_000);
    const { rings } = await doorbell.take('a');
    await doorbell.ring(hint('po-2'), 1_500);
    expect(await doorbell.release('a', rings, 1_200)).toBe('rung');
    const again = await doorbell.take('a');
    expect(await doorbell.release('a', again.rings, 1_200)).toBe('released');
    expect(await doorbell.release('a', again.rings, 1_200)).toBe('released');
    expect(await doorbell.claim('b', 2_000, 9_000)).toEqual({ claimed: true, lastPollAt: 1_200 });
    expect(await doorbell.release('a', undefined, 0)).toBe('lost');
    await t.drop();
  });

  it('the doorbell lives outside the OPEN partition: a poll never reads it', async () => {
    const { doorbell, t } = await fresh();
    await doorbell.ring(hint('po-1'), 1_000);
    const store = createDynamoStateStore({ client: t.doc, tableName: t.tableName, closedRetentionDays: 90 });
    expect((await store.loadOpen()).records.size).toBe(0);
    expect((await t.doc.send(new GetCommand({ TableName: t.tableName, Key: DOORBELL_KEY }))).Item).toBeDefined();
    await t.drop();
  });

  it('200 invocations ringing at once through real conditional writes: never more than one poll start per gap', async () => {
    const doorbell = createDynamoDoorbell({ client: table.doc, tableName: table.tableName });
    const seen = new Set<string>();
    const pollStarts: number[] = [];
    const reports = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        answerDoorbell(
          {
            doorbell,
            holder: `inv-${n}`,
            poll: async () => {
              pollStarts.push(Date.now());
              return { alertedIds: [] };
            },
            // Every port-out is listed and recorded by the poll after its ring (1,000 at once: the in-memory test).
            currentRecords: async (ids) => {
              for (const id of ids) seen.add(id);
              return new Map(ids.map((id) => [id, { id, status: 'pending' as const, focDate: null, phoneNumbers: [], supportKey: null, remindedHours: [], lastCommentAt: null, version: 1 }]));
            },
            timing: { minPollGapMs: 200, followUpDelaysMs: [200, 500] },
          },
          hint(`po-${n}`),
          { lastPollStart: Date.now() + 120_000, hardStop: Date.now() + 150_000 },
        ),
      ),
    );
    const burstMs = Math.max(...pollStarts) - Math.min(...pollStarts);
    expect(reports.filter((r) => r.outcome === 'answered').length).toBeGreaterThanOrEqual(1);
    expect(pollStarts.length).toBeLessThanOrEqual(Math.floor(burstMs / 200) + 1);
    expect(seen.size).toBe(200);
    expect(reports.reduce((sum, r) => sum + r.hintsSeen, 0)).toBe(200);
    const gaps = pollStarts.slice(1).map((at, n) => at - pollStarts[n]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(199);
  }, 120_000);
});
