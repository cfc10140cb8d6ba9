import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoStateStore } from '../../../../functions/poller/adapters/dynamo-state-store.ts';
import { readStatus } from '../../../../functions/poller/core/portout.ts';
import type { StateChange, StateStore, TrackedPortout } from '../../../../functions/poller/core/ports.ts';
import { createTestTable, type TestTable } from '../../../support/dynamo.ts';
import { trackedPortout } from '../../../support/factories.ts';

const NOW = Date.parse('2026-11-27T12:00:00Z');

function record(id: string, version = 1, status: TrackedPortout['status'] = 'pending'): TrackedPortout {
  return trackedPortout({ id, version, status, remindedHours: [24], lastCommentAt: '2026-11-27T11:00:00.000Z' });
}

function open(id: string, version = 1): StateChange {
  return { kind: 'upsert-open', record: record(id, version), expectedVersion: version === 1 ? null : version - 1 };
}

describe('DynamoDB state store', () => {
  let table: TestTable;
  let store: StateStore;

  beforeEach(async () => {
    table = await createTestTable();
    store = createDynamoStateStore({ client: table.doc, tableName: table.tableName, closedRetentionDays: 90, sleep: async () => {} });
  });
  afterEach(() => table.drop());

  it('round-trips open records', async () => {
    await store.apply([open('a'), open('b')], NOW);
    const loaded = (await store.loadOpen()).records;
    expect([...loaded.keys()].sort()).toEqual(['a', 'b']);
    expect(loaded.get('a')).toEqual(record('a'));
  });

  it('round-trips a status Telnyx added, so the next run diffs against it', async () => {
    const onHold = record('h', 1, readStatus('on-hold')!);
    await store.apply([{ kind: 'upsert-open', record: onHold, expectedVersion: null }], NOW);
    expect((await store.loadOpen()).records.get('h')).toEqual(onHold);
  });

  it('reads every open record across Query pages without reading closed ones', async () => {
    // ~100 KB per record so the 1 MB Query page limit is crossed.
    const numbers = Array.from({ length: 6_000 }, (_, i) => `+1303555${String(i).padStart(4, '0')}`);
    const changes: StateChange[] = Array.from({ length: 14 }, (_, i) => ({
      kind: 'upsert-open',
      record: { ...record(`id-${i}`), phoneNumbers: numbers },
      expectedVersion: null,
    }));
    await store.apply(changes, NOW);
    await store.apply([{ kind: 'close', record: record('id-0', 2, 'ported'), expectedVersion: 1 }], NOW);
    const loaded = (await store.loadOpen()).records;
    expect(loaded.size).toBe(13);
    expect(loaded.has('id-0')).toBe(false);
  });

  it('closes a record: gone from the open set, kept with a TTL of the retention period', async () => {
    await store.apply([open('a')], NOW);
    const result = await store.apply([{ kind: 'close', record: record('a', 2, 'authorized'), expectedVersion: 1 }], NOW);
    expect(result).toEqual({ applied: ['a'], conflicted: [], failed: [] });
    expect((await store.loadOpen()).records.size).toBe(0);
    const closed = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: { pk: 'CLOSED', sk: 'a' } }));
    expect(closed.Item).toMatchObject({ status: 'authorized', version: 2, expiresAt: Math.floor(NOW / 1000) + 90 * 86_400 });
  });

  it('refuses a write based on a stale version and applies the rest', async () => {
    await store.apply([open('a'), open('b')], NOW);
    await store.apply([open('a', 2)], NOW);
    const result = await store.apply([open('a', 2), open('b', 2)], NOW);
    expect(result).toEqual({ applied: ['b'], conflicted: ['a'], failed: [] });
    expect((await store.loadOpen()).records.get('b')?.version).toBe(2);
  });

  it('refuses to create a record another run created first', async () => {
    await store.apply([open('a')], NOW);
    expect(await store.apply([open('a')], NOW)).toEqual({ applied: [], conflicted: ['a'], failed: [] });
  });

  it('splits more than 100 actions into several transactions', async () => {
    const changes = Array.from({ length: 130 }, (_, i) => open(`n${i}`));
    const result = await store.apply(changes, NOW);
    expect(result.applied).toHaveLength(130);
    const closes: StateChange[] = Array.from({ length: 60 }, (_, i) => ({
      kind: 'close',
      record: record(`n${i}`, 2, 'ported'),
      expectedVersion: 1,
    }));
    expect((await store.apply(closes, NOW)).applied).toHaveLength(60);
    expect((await store.loadOpen()).records.size).toBe(70);
  });

  it('grants the lease to one holder at a time until it expires', async () => {
    expect(await store.acquireLease('run-1', NOW, NOW + 60_000)).toBe(true);
    expect(await store.acquireLease('run-2', NOW + 1_000, NOW + 61_000)).toBe(false);
    expect(await store.acquireLease('run-2', NOW + 60_001, NOW + 120_000)).toBe(true);
    // run-1 outlived its lease: releasing must not free run-2's.
    await store.releaseLease('run-1');
    expect(await store.acquireLease('run-3', NOW + 60_002, NOW + 120_000)).toBe(false);
    await store.releaseLease('run-2');
    expect(await store.acquireLease('run-3', NOW + 60_003, NOW + 120_000)).toBe(true);
  });

  it('gives the lease item a TTL so a crashed run leaves nothing behind for long', async () => {
    await store.acquireLease('run-1', NOW, NOW + 60_000);
    const lease = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: { pk: 'LEASE', sk: 'poller' } }));
    expect(lease.Item?.expiresAt).toBe(Math.ceil((NOW + 60_000) / 1000) + 3_600);
  });

  it('names a malformed open record instead of guessing', async () => {
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: { pk: 'OPEN', sk: 'bad', status: 42, version: 1 } }));
    await expect(store.loadOpen()).rejects.toThrow(/malformed open record \(sk=bad\)/);
  });

  it('says whether a first run was recorded, from the same Query', async () => {
    expect(await store.loadOpen()).toEqual({ records: new Map(), initialized: false });
    await store.apply([{ kind: 'mark-initialized' }, open('a')], NOW);
    const state = await store.loadOpen();
    expect(state.initialized).toBe(true);
    expect([...state.records.keys()]).toEqual(['a']);
    expect(await store.apply([{ kind: 'mark-initialized' }], NOW)).toEqual({ applied: [], conflicted: ['#initialized'], failed: [] });
  });

  it('remembers a born-rejected request among the closed ones exactly once', async () => {
    const fraud: StateChange = { kind: 'remember-closed', record: record('f1', 1, 'rejected') };
    expect(await store.apply([fraud], NOW)).toEqual({ applied: ['f1'], conflicted: [], failed: [] });
    expect(await store.apply([fraud], NOW)).toEqual({ applied: [], conflicted: ['f1'], failed: [] });
    expect((await store.loadOpen()).records.size).toBe(0);
  });

  it('finds which ids are closed, and at which version, in batches of 100', async () => {
    await store.apply([open('a')], NOW);
    await store.apply([{ kind: 'close', record: record('a', 2, 'ported'), expectedVersion: 1 }], NOW);
    await store.apply([{ kind: 'remember-closed', record: record('f1', 1, 'rejected') }], NOW);
    const ids = ['a', 'f1', ...Array.from({ length: 150 }, (_, i) => `unknown-${i}`)];
    expect(await store.loadClosedVersions(ids)).toEqual(new Map([['a', 2], ['f1', 1]]));
    expect(await store.loadClosedVersions(['a'], { consistent: true })).toEqual(new Map([['a', 2]]));
  });

  it('re-reads only the records asked for, by key and consistently, with the first-run marker', async () => {
    await store.apply([{ kind: 'mark-initialized' }, open('a'), open('b'), open('c')], NOW);
    await store.apply([open('b', 2)], NOW);
    const state = await store.reloadOpen(['b', 'c', 'never-seen', ...Array.from({ length: 120 }, (_, i) => `x${i}`)], false);
    expect(state.initialized).toBe(true);
    expect([...state.records.keys()].sort()).toEqual(['b', 'c']);
    expect(state.records.get('b')?.version).toBe(2);
  });

  it('reports no first run when the marker is absent', async () => {
    await store.apply([open('a')], NOW);
    expect(await store.reloadOpen(['a'], false)).toMatchObject({ initialized: false });
  });

  it('does not re-read the first-run marker once the run has seen it, so 100 ids stay one request', async () => {
    await store.apply([{ kind: 'mark-initialized' }, open('a')], NOW);
    let requests = 0;
    table.doc.middlewareStack.add((next) => async (args) => {
      requests += 1;
      return next(args);
    });
    const ids = ['a', ...Array.from({ length: 99 }, (_, i) => `x${i}`)];
    const state = await store.reloadOpen(ids, true);
    expect(state).toMatchObject({ initialized: true });
    expect([...state.records.keys()]).toEqual(['a']);
    expect(requests).toBe(1);
  });

  describe('with several accounts in one table', () => {
    const storeOf = (account?: string) =>
      createDynamoStateStore({ client: table.doc, tableName: table.tableName, account, closedRetentionDays: 90, sleep: async () => {} });
    const keysInTable = async () =>
      ((await table.doc.send(new ScanCommand({ TableName: table.tableName }))).Items ?? []).map((item) => `${item.pk} ${item.sk}`).sort();

    it("keeps each account's open and closed records, first-run marker and lease apart", async () => {
      const brandB = storeOf('brand-b');
      await store.apply([{ kind: 'mark-initialized' }, open('a'), open('shared')], NOW);
      await store.apply([{ kind: 'close', record: record('a', 2, 'ported'), expectedVersion: 1 }], NOW);
      // The same id in another account is another port-out record: each account diffs its own.
      await brandB.apply([open('shared')], NOW);
      await brandB.apply([{ kind: 'remember-closed', record: record('f1', 1, 'rejected') }], NOW);

      expect(await brandB.loadOpen()).toEqual({ records: new Map([['shared', record('shared')]]), initialized: false });
      expect([...(await store.loadOpen()).records.keys()]).toEqual(['shared']);
      expect(await brandB.loadClosedVersions(['a', 'f1'])).toEqual(new Map([['f1', 1]]));
      expect(await store.loadClosedVersions(['a', 'f1'])).toEqual(new Map([['a', 2]]));
      expect(await brandB.reloadOpen(['a', 'shared'], false)).toMatchObject({ initialized: false });

      expect(await store.acquireLease('run-1', NOW, NOW + 60_000)).toBe(true);
      expect(await brandB.acquireLease('run-2', NOW, NOW + 60_000)).toBe(true);
      expect(await storeOf('brand-c').acquireLease('run-3', NOW, NOW + 60_000)).toBe(true);
      expect(await brandB.acquireLease('run-4', NOW, NOW + 60_000)).toBe(false);
      await brandB.releaseLease('run-2');
      expect(await store.acquireLease('run-4', NOW + 1, NOW + 60_000)).toBe(false);

      // The default account keeps the keys a single-account table always had, so an upgrade reads it as before.
      expect(await keysInTable()).toEqual([
        'CLOSED a',
        'CLOSED#brand-b f1',
        'LEASE poller',
        'LEASE poller#brand-c',
        'OPEN #initialized',
        'OPEN shared',
        'OPEN#brand-b shared',
      ]);
    });

    it('names the default account explicitly with the same keys as no name', async () => {
      await storeOf('default').apply([{ kind: 'mark-initialized' }, open('a')], NOW);
      expect(await store.loadOpen()).toEqual({ records: new Map([['a', record('a')]]), initialized: true });
      expect(await keysInTable()).toEqual(['OPEN #initialized', 'OPEN a']);
    });
  });
});
