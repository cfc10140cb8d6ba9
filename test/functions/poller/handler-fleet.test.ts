import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WEBHOOK_TRIGGER_SOURCE } from '../../../functions/poller/core/doorbell.ts';
import type { FleetReport } from '../../../functions/poller/core/poll-fleet.ts';
import { startTelnyxSimulator, type TelnyxAccount, type TelnyxSimulator } from '../../../local/telnyx-simulator.ts';
import { startDynamoOpCounter, type DynamoOpCounter } from '../../support/dynamo-op-counter.ts';
import { createTestTable, type TestTable } from '../../support/dynamo.ts';
import { sumEmfMetrics } from '../../support/emf-metrics.ts';
import { telnyxPortout } from '../../support/factories.ts';
import { loadHandler, logLines, type LoadedHandler } from '../../support/poller-handler.ts';

// Far enough ahead that no FOC reminder falls due while the suite runs.
const FOC = '2030-01-01T15:00:00.000Z';
const portout = (id: string) => telnyxPortout({ id, foc_date: FOC, requested_foc_date: FOC });

/** The handler as Lambda runs it for a deployment with two Telnyx accounts, over one simulator and DynamoDB Local. */
describe('poller handler with two Telnyx accounts, one of which fails auth', () => {
  let sim: TelnyxSimulator;
  let brandB: TelnyxAccount;
  let keyB: string;
  let table: TestTable;
  let dynamoOps: DynamoOpCounter;
  let lambda: LoadedHandler;
  const poll = async () => (await lambda.poll()) as FleetReport;
  const result = (report: FleetReport, name: string) => report.accounts.find((account) => account.account.name === name);
  const tableKeys = async () =>
    ((await table.doc.send(new ScanCommand({ TableName: table.tableName }))).Items ?? []).map((item) => `${item.pk} ${item.sk}`).sort();

  beforeAll(async () => {
    sim = await startTelnyxSimulator();
    brandB = sim.addAccount();
    keyB = brandB.apiKey;
    table = await createTestTable();
    dynamoOps = await startDynamoOpCounter(inject('dynamoEndpoint'));
    lambda = await loadHandler({
      TABLE_NAME: table.tableName,
      TELNYX_BASE_URL: sim.baseUrl,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoOps.endpoint,
      TELNYX_ACCOUNTS: JSON.stringify([
        { name: 'brand-a', apiKey: sim.apiKey },
        { name: 'brand-b', apiKey: keyB },
      ]),
    });
  });
  afterAll(async () => {
    lambda.restore();
    await sim.close();
    await dynamoOps.close();
    await table.drop();
  });

  it('poll 1: each account sends its own first-run summary and records under its own keys', async () => {
    sim.upsert(portout('A1'));
    brandB.upsert(portout('B1'));
    const report = await poll();
    expect(report.accounts.map((account) => [account.account.name, account.kind])).toEqual([['brand-a', 'polled'], ['brand-b', 'polled']]);
    // Every message carries its account, for filter policies; each account's summary is its own alert.
    expect(lambda.published.map((alert) => `${alert.account} ${alert.alertId}`).sort()).toEqual([
      'brand-a A1.new.pending.v1',
      'brand-a watch-started.brand-a',
      'brand-b B1.new.pending.v1',
      'brand-b watch-started.brand-b',
    ]);
    expect(await tableKeys()).toEqual([
      'OPEN#brand-a #initialized',
      'OPEN#brand-a A1',
      'OPEN#brand-b #initialized',
      'OPEN#brand-b B1',
    ]);
  });

  it("poll 2: brand-b's key is refused even after re-reading it; brand-a keeps alerting and recording", async () => {
    brandB.setApiKey('KEY_B_ROTATED_ELSEWHERE');
    sim.upsert(portout('A2'));
    const logStart = lambda.logged.length;
    const alertStart = lambda.published.length;
    const report = await poll();

    expect(result(report, 'brand-a')).toMatchObject({ kind: 'polled', report: { outcome: 'ok', published: 1, recorded: 1 } });
    expect(result(report, 'brand-b')).toMatchObject({ kind: 'threw', error: { name: 'TelnyxAuthError' } });
    expect(lambda.published.slice(alertStart).map((alert) => `${alert.account} ${alert.alertId}`)).toEqual(['brand-a A2.new.pending.v1']);
    expect(await tableKeys()).toContain('OPEN#brand-a A2');

    const logs = lambda.logged.slice(logStart);
    const [failure] = logLines(logs, 'poll failed');
    expect(failure).toMatchObject({ level: 'ERROR', account: 'brand-b', error: { name: 'TelnyxAuthError' } });
    expect(String((failure?.error as { message: string }).message)).toContain('the secret of account "brand-b" in TELNYX_ACCOUNTS');
    expect(logLines(logs, 'poll finished')).toMatchObject([{ account: 'brand-a', published: 1 }]);
    expect(logLines(logs, 'fleet run finished')).toMatchObject([{ level: 'WARN', accounts: 2, down: ['brand-b'], disabled: [], skipped: [] }]);

    const metrics = sumEmfMetrics(logs);
    expect(metrics.get('PollSucceeded')).toBe(0);
    expect(metrics.get('AccountDown{account=brand-b}')).toBe(1);
    expect(metrics.has('AccountDown{account=brand-a}')).toBe(false);
    expect(metrics.get('TelnyxAuthFailures')).toBe(1);
    expect(metrics.get('AlertsPublished')).toBe(1);
  });

  it('poll 3: with the key fixed, a quiet run costs each account its lower bound: three requests, one Query, no write', async () => {
    brandB.setApiKey(keyB);
    await poll();
    sim.resetRequests();
    brandB.resetRequests();
    const opsBefore = dynamoOps.operations.length;
    const logStart = lambda.logged.length;
    const report = await poll();
    expect(report.accounts.map((account) => account.kind === 'polled' && account.report.outcome)).toEqual(['ok', 'ok']);
    // The watched listing, the rejected (fraud-gap) query and the comment feed: one page each, per account.
    expect([sim.requests.length, brandB.requests.length]).toEqual([3, 3]);
    expect(dynamoOps.operations.slice(opsBefore)).toEqual(['Query', 'Query']);
    expect(sumEmfMetrics(lambda.logged.slice(logStart)).get('PollSucceeded')).toBe(1);
    expect(logLines(lambda.logged.slice(logStart), 'fleet run finished')).toMatchObject([{ level: 'INFO', down: [], telnyxRequests: 6 }]);
  });

  it('a webhook polls the whole fleet, and sees a change recorded in any account\'s records', async () => {
    const trigger = (portoutId: string) => ({ source: WEBHOOK_TRIGGER_SOURCE, hint: { portoutId, change: 'status', status: 'pending' }, receivedAt: Date.now() });
    brandB.upsert(portout('B2'));
    const alertStart = lambda.published.length;
    // The webhook doesn't say whose port-out it is: brand-b's new request is alerted by the fleet poll it causes.
    expect(await lambda.invoke(trigger('B2'))).toMatchObject({ outcome: 'answered', polls: 1, hintsSeen: 1, followUps: 0 });
    expect(lambda.published.slice(alertStart).map((alert) => `${alert.account} ${alert.alertId}`)).toEqual(['brand-b B2.new.pending.v1']);
    // Already recorded as pending in brand-b's records: that poll saw it, so no follow-up polls.
    expect(await lambda.invoke(trigger('B2'))).toMatchObject({ outcome: 'answered', polls: 1, hintsSeen: 1, followUps: 0 });
  });

  it('never logs an API key or personal data', () => {
    const output = lambda.logged.join('');
    for (const secret of [sim.apiKey, keyB, 'KEY_B_ROTATED_ELSEWHERE', '+13035551212', 'Jane Doe', 'Acme Corp', '100 Main St']) {
      expect(output).not.toContain(secret);
    }
  });
});
