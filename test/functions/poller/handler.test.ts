import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { PublishBatchCommand, SNSClient, type PublishBatchCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi, inject } from 'vitest';
import type { PollReport } from '../../../functions/poller/core/run-poll.ts';
import { TABLE_ACTIONS } from '../../../lib/poller-function.ts';
import { startTelnyxSimulator, type TelnyxSimulator } from '../../../local/telnyx-simulator.ts';
import { createTestTable, type TestTable } from '../../support/dynamo.ts';
import { startDynamoOpCounter, type DynamoOpCounter } from '../../support/dynamo-op-counter.ts';
import { telnyxPortout } from '../../support/factories.ts';

type Handler = (event: unknown, context: { getRemainingTimeInMillis(): number; awsRequestId: string }) => Promise<PollReport>;

/** The handler wired as in Lambda, but to DynamoDB Local, the simulator and a mocked SNS. */
describe('poller handler, end to end over several polls', () => {
  const sns = mockClient(SNSClient);
  const published: Array<{ alertId: string; eventType: string; sms: string }> = [];
  const refuse = new Set<string>();
  let sim: TelnyxSimulator;
  let table: TestTable;
  let dynamoOps: DynamoOpCounter;
  let handler: Handler;
  let invocation = 0;
  const logged: string[] = [];

  const poll = () =>
    handler({}, { getRemainingTimeInMillis: () => 60_000, awsRequestId: `req-${++invocation}` });
  const scanTable = async () =>
    ((await table.doc.send(new ScanCommand({ TableName: table.tableName }))).Items ?? [])
      .filter((item) => item.pk !== 'LEASE' && item.sk !== '#initialized')
      .map((item) => ({ pk: item.pk, id: item.sk, status: item.status, version: item.version }))
      .sort((a, b) => `${a.pk}${a.id}`.localeCompare(`${b.pk}${b.id}`));
  const since = (count: number) => published.slice(count).map((p) => p.alertId);

  beforeAll(async () => {
    sim = await startTelnyxSimulator();
    table = await createTestTable();
    dynamoOps = await startDynamoOpCounter(inject('dynamoEndpoint'));
    // With POWERTOOLS_DEV set, the Powertools logger writes through the global console.
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      });
    }
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      const Successful: Array<{ Id: string; MessageId: string }> = [];
      const Failed: Array<{ Id: string; Code: string; SenderFault: boolean }> = [];
      for (const entry of input.PublishBatchRequestEntries ?? []) {
        const message = JSON.parse(entry.Message ?? '{}');
        const alertId = JSON.parse(message.default).alertId as string;
        if ([...refuse].some((id) => alertId.startsWith(id))) {
          Failed.push({ Id: entry.Id!, Code: 'InternalError', SenderFault: false });
          continue;
        }
        published.push({ alertId, eventType: entry.MessageAttributes?.eventType?.StringValue ?? '', sms: message.sms });
        Successful.push({ Id: entry.Id!, MessageId: `m-${published.length}` });
      }
      return { Successful, Failed };
    });
    vi.stubEnv('TABLE_NAME', table.tableName);
    vi.stubEnv('TOPIC_ARN', 'arn:aws:sns:us-east-1:123456789012:portout-alerts');
    vi.stubEnv('TELNYX_API_KEY', sim.apiKey);
    vi.stubEnv('TELNYX_BASE_URL', sim.baseUrl);
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamoOps.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    ({ handler } = (await import('../../../functions/poller/handler.ts')) as { handler: Handler });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    sns.restore();
    await sim.close();
    await dynamoOps.close();
    await table.drop();
  });

  it('poll 1: three waiting requests are summarised for people, sent one by one to machines, and recorded', async () => {
    sim.upsert(telnyxPortout({ id: 'A' }), telnyxPortout({ id: 'B' }), telnyxPortout({ id: 'C' }));
    const report = await poll();
    expect(report.outcome).toBe('ok');
    expect(report.firstRun).toBe(true);
    expect(since(0).sort()).toEqual(['A.new.pending.v1', 'B.new.pending.v1', 'C.new.pending.v1', 'watch-started']);
    expect(published.find((p) => p.alertId === 'watch-started')?.eventType).toBe('["new","watch-started"]');
    expect(await scanTable()).toEqual([
      { pk: 'OPEN', id: 'A', status: 'pending', version: 1 },
      { pk: 'OPEN', id: 'B', status: 'pending', version: 1 },
      { pk: 'OPEN', id: 'C', status: 'pending', version: 1 },
    ]);
  });

  it('poll 2: a rejection, one ported and one 404 are each alerted; the last two close', async () => {
    sim.setStatus('A', 'rejected-pending');
    sim.setStatus('B', 'ported');
    sim.remove('C');
    const opsBefore = dynamoOps.operations.length;
    const report = await poll();
    expect(report.outcome).toBe('ok');
    // The lease is taken and released around the one state write.
    expect(dynamoOps.writesSince(opsBefore)).toEqual(['PutItem', 'TransactWriteItems', 'DeleteItem']);
    expect(since(4).sort()).toEqual(['A.status-changed.rejected-pending.v2', 'B.status-changed.ported.v2', 'C.vanished.gone.v2']);
    expect(await scanTable()).toEqual([
      { pk: 'CLOSED', id: 'B', status: 'ported', version: 2 },
      { pk: 'CLOSED', id: 'C', status: 'pending', version: 2 },
      { pk: 'OPEN', id: 'A', status: 'rejected-pending', version: 2 },
    ]);
  });

  it('poll 3: a failed listing concludes nothing and changes nothing', async () => {
    sim.setStatus('A', 'pending');
    sim.injectFault({ match: { route: 'list' }, status: 503, times: Infinity });
    const before = await scanTable();
    const report = await poll();
    expect(report.outcome).toBe('partial');
    expect(report.listingComplete).toBe(false);
    expect(since(7)).toEqual([]);
    expect(await scanTable()).toEqual(before);
    sim.clearFaults();
  });

  it('poll 4: the missed change arrives; an alert SNS refuses is not recorded', async () => {
    sim.upsert(telnyxPortout({ id: 'D' }));
    refuse.add('D.');
    const report = await poll();
    expect(report.outcome).toBe('partial');
    expect(report.publishFailures).toEqual([{ alertId: 'D.new.pending.v1', reason: 'InternalError' }]);
    expect(since(7)).toEqual(['A.status-changed.pending.v3']);
    expect((await scanTable()).find((row) => row.id === 'D')).toBeUndefined();
  });

  it('poll 5: the refused alert goes out again, and an authorized request closes', async () => {
    refuse.clear();
    sim.setStatus('A', 'authorized');
    const report = await poll();
    expect(report.outcome).toBe('ok');
    expect(since(8).sort()).toEqual(['A.status-changed.authorized.v4', 'D.new.pending.v1']);
    expect(await scanTable()).toEqual([
      { pk: 'CLOSED', id: 'A', status: 'authorized', version: 4 },
      { pk: 'CLOSED', id: 'B', status: 'ported', version: 2 },
      { pk: 'CLOSED', id: 'C', status: 'pending', version: 2 },
      { pk: 'OPEN', id: 'D', status: 'pending', version: 1 },
    ]);
  });

  it('poll 6: nothing changed, so nothing is published and no write of any kind, not even the lease, goes out', async () => {
    const calls = sns.commandCalls(PublishBatchCommand).length;
    const opsBefore = dynamoOps.operations.length;
    const report = await poll();
    expect(report.outcome).toBe('ok');
    // The watched listing, the rejected (fraud-gap) query and the comment feed: one page each.
    expect(report.telnyxRequests).toBe(3);
    expect(sns.commandCalls(PublishBatchCommand).length).toBe(calls);
    expect(dynamoOps.operations.slice(opsBefore)).toEqual(['Query']);
    expect(dynamoOps.writesSince(opsBefore)).toEqual([]);
  });

  it('a 401 fails the run with an error that names the credential to fix', async () => {
    sim.setApiKey('KEY_ROTATED_ELSEWHERE');
    await expect(poll()).rejects.toThrow(/TELNYX_API_KEY_SECRET_ARN \(locally, TELNYX_API_KEY\)/);
  });

  it('never logs the API key or personal data, across every poll above', () => {
    const output = logged.join('');
    expect(output).toContain('poll finished');
    for (const secret of ['KEY_SIMULATOR', 'KEY_ROTATED_ELSEWHERE', '+13035551212', 'Jane Doe', 'Acme Corp', '100 Main St']) {
      expect(output).not.toContain(secret);
    }
  });

  it('made only DynamoDB calls the stack grants the poller, across every poll above', () => {
    // TransactWriteItems is authorized per item (Put, Update, Delete, ConditionCheck), each granted on its own.
    const called = new Set(dynamoOps.operations.filter((operation) => operation !== 'TransactWriteItems'));
    expect(called.size).toBeGreaterThan(2);
    for (const operation of called) expect(TABLE_ACTIONS, operation).toContain(`dynamodb:${operation}`);
  });
});
