import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { FleetReport } from '../../../functions/poller/core/poll-fleet.ts';
import type { PollReport } from '../../../functions/poller/core/run-poll.ts';
import { startTelnyxSimulator, type TelnyxAccount, type TelnyxSimulator } from '../../../local/telnyx-simulator.ts';
import { createTestTable, type TestTable } from '../../support/dynamo.ts';
import { telnyxPortout } from '../../support/factories.ts';
import { loadHandler, type LoadedHandler } from '../../support/poller-handler.ts';

const FOC = '2030-01-01T15:00:00.000Z';
const RECORDED_AT = '2026-11-30T12:00:00.000Z';
const HOUR_MS = 3_600_000;

/**
 * A single-account table exactly as the poller before #13 wrote it (adapters/dynamo-state-store.ts at 6580d07):
 * open records under pk OPEN, the first-run marker, a closed record with its TTL, and a lease left by a run.
 */
function legacyItems(nowMs: number): Array<Record<string, unknown>> {
  const open = (id: string) => ({
    pk: 'OPEN',
    sk: id,
    status: 'pending',
    focDate: FOC,
    phoneNumbers: ['+13035551212'],
    supportKey: `PO_${id}`,
    remindedHours: [],
    lastCommentAt: null,
    version: 1,
    recordedAt: RECORDED_AT,
  });
  return [
    open('A'),
    open('B'),
    { pk: 'OPEN', sk: '#initialized', recordedAt: RECORDED_AT },
    // A born-rejected request already alerted as possible fraud: remembered among the closed ones.
    {
      pk: 'CLOSED',
      sk: 'R',
      status: 'rejected',
      focDate: null,
      phoneNumbers: ['+13035551212'],
      supportKey: 'PO_R',
      remindedHours: [],
      lastCommentAt: null,
      version: 1,
      recordedAt: RECORDED_AT,
      expiresAt: Math.floor(nowMs / 1000) + 90 * 86_400,
    },
    // The last run's lease, long expired.
    { pk: 'LEASE', sk: 'poller', holder: 'old-run', leaseUntil: nowMs - HOUR_MS, expiresAt: Math.ceil((nowMs - HOUR_MS) / 1000) + 3_600 },
  ];
}

/** Upgrading a single-account deployment re-alerts nothing, with several accounts configured or none. */
describe('upgrading a single-account table', () => {
  let sim: TelnyxSimulator;
  let brandB: TelnyxAccount;
  let table: TestTable;
  let lambda: LoadedHandler | undefined;
  const items = async () => ((await table.doc.send(new ScanCommand({ TableName: table.tableName }))).Items ?? []).filter((item) => item.pk !== 'LEASE');

  beforeEach(async () => {
    const now = Date.now();
    const port = (id: string, extra: Record<string, unknown> = {}) =>
      telnyxPortout({ id, foc_date: FOC, requested_foc_date: FOC, support_key: `PO_${id}`, ...extra });
    sim = await startTelnyxSimulator();
    // The default account's Telnyx data is what the table already knows: two waiting, one rejected an hour ago.
    sim.upsert(port('A'), port('B'), port('R', { status: 'rejected', foc_date: null, inserted_at: new Date(now - HOUR_MS).toISOString() }));
    brandB = sim.addAccount();
    brandB.upsert(port('X'), port('Y'));
    table = await createTestTable();
    for (const item of legacyItems(now)) await table.doc.send(new PutCommand({ TableName: table.tableName, Item: item }));
  });
  afterEach(async () => {
    lambda?.restore();
    await sim.close();
    await table.drop();
  });

  const env = () => ({ TABLE_NAME: table.tableName, TELNYX_BASE_URL: sim.baseUrl, AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint') });

  it('configured with TELNYX_ACCOUNTS [default, brand-b]: nothing for default, only its first-run summary for brand-b', async () => {
    const before = await items();
    lambda = await loadHandler({
      ...env(),
      TELNYX_ACCOUNTS: JSON.stringify([
        { name: 'default', apiKey: sim.apiKey },
        { name: 'brand-b', apiKey: brandB.apiKey },
      ]),
    });
    const report = (await lambda.poll()) as FleetReport;

    const [defaultAccount, b] = report.accounts;
    expect(defaultAccount).toMatchObject({ account: { name: 'default' }, kind: 'polled', report: { outcome: 'ok', firstRun: false, tracked: 2, events: [] } });
    expect(b).toMatchObject({ account: { name: 'brand-b' }, kind: 'polled', report: { outcome: 'ok', firstRun: true } });
    // People get brand-b's one summary; machines get one document per port-out it covers.
    expect(lambda.published.map((alert) => `${alert.account} ${alert.alertId}`).sort()).toEqual([
      'brand-b X.new.pending.v1',
      'brand-b Y.new.pending.v1',
      'brand-b watch-started.brand-b',
    ]);
    // The default account's items are exactly as they were; brand-b's are beside them under its own keys.
    const after = await items();
    expect(after.filter((item) => !String(item.pk).endsWith('#brand-b'))).toEqual(before);
    expect(after.filter((item) => String(item.pk).endsWith('#brand-b')).map((item) => `${item.pk} ${item.sk}`).sort()).toEqual([
      'OPEN#brand-b #initialized',
      'OPEN#brand-b X',
      'OPEN#brand-b Y',
    ]);

    // And the next run is quiet for both.
    expect(((await lambda.poll()) as FleetReport).accounts.map((account) => account.kind === 'polled' && account.report.events.length)).toEqual([0, 0]);
    expect(lambda.published).toHaveLength(3);
  });

  it('with TELNYX_ACCOUNTS unset, as before: no alert, and the table is untouched', async () => {
    const before = await items();
    lambda = await loadHandler({ ...env(), TELNYX_API_KEY: sim.apiKey });
    const report = (await lambda.poll()) as PollReport;
    expect(report).toMatchObject({ outcome: 'ok', firstRun: false, tracked: 2, events: [] });
    expect(lambda.published).toEqual([]);
    // A single-account deployment's alerts stay as they were: no account attribute (checked by the handler test).
    expect(await items()).toEqual(before);
  });
});
