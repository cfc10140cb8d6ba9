import { InvokeCommand, LambdaClient, type InvokeCommandInput } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, SNSClient, type PublishBatchCommandInput } from '@aws-sdk/client-sns';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import type { DoorbellReport } from '../../../functions/poller/core/doorbell.ts';
import type { PollReport } from '../../../functions/poller/core/run-poll.ts';
import { createWebhookSigner } from '../../../local/webhook-signer.ts';
import { startTelnyxSimulator, type TelnyxSimulator } from '../../../local/telnyx-simulator.ts';
import { createTestTable, type TestTable } from '../../support/dynamo.ts';
import { telnyxPortout } from '../../support/factories.ts';
import { signedRequest, statusChangedWebhook } from '../../support/webhooks.ts';

type Context = { getRemainingTimeInMillis(): number; awsRequestId: string };
type PollerHandler = (event: unknown, context: Context) => Promise<PollReport | DoorbellReport>;
type ReceiverHandler = (event: LambdaFunctionURLEvent) => Promise<APIGatewayProxyStructuredResultV2>;

function functionUrlEvent({ method, body, headers }: { method: string; body: string; headers: Record<string, string | undefined> }): LambdaFunctionURLEvent {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: headers as Record<string, string>,
    requestContext: { http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'telnyx-webhooks' } },
    body,
    isBase64Encoded: false,
  } as LambdaFunctionURLEvent;
}

/** Both functions as Lambda runs them: the receiver's Invoke starts the poller handler without waiting, as Event does. */
describe('webhook receiver → poller, end to end (simulator, DynamoDB Local, mocked Lambda and SNS)', () => {
  const lambda = mockClient(LambdaClient);
  const sns = mockClient(SNSClient);
  const signer = createWebhookSigner();
  const published: string[] = [];
  const logged: string[] = [];
  const invocations: Array<Promise<PollReport | DoorbellReport>> = [];
  let failInvoke = false;
  let sim: TelnyxSimulator;
  let table: TestTable;
  let poller: PollerHandler;
  let receiver: ReceiverHandler;
  let requestId = 0;
  const context = (): Context => ({ getRemainingTimeInMillis: () => 120_000, awsRequestId: `req-${++requestId}` });
  const deliver = (event: unknown, timestamp?: number) => receiver(functionUrlEvent(signedRequest(signer, event, timestamp)));
  const metricsLogged = (name: string) => logged.filter((line) => line.includes(`"${name}":1`)).length;

  beforeAll(async () => {
    sim = await startTelnyxSimulator();
    table = await createTestTable();
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(' '));
      });
    }
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      const entries = input.PublishBatchRequestEntries ?? [];
      for (const entry of entries) published.push(JSON.parse(JSON.parse(entry.Message ?? '{}').default).alertId);
      return { Successful: entries.map((entry) => ({ Id: entry.Id!, MessageId: entry.Id! })), Failed: [] };
    });
    lambda.on(InvokeCommand).callsFake(async (input: InvokeCommandInput) => {
      if (failInvoke) throw Object.assign(new Error('Rate Exceeded.'), { name: 'TooManyRequestsException' });
      expect(input).toMatchObject({ FunctionName: 'portout-watch-poller', InvocationType: 'Event' });
      invocations.push(poller(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)), context()));
      return { StatusCode: 202 };
    });
    vi.stubEnv('TABLE_NAME', table.tableName);
    vi.stubEnv('TOPIC_ARN', 'arn:aws:sns:us-east-1:123456789012:portout-alerts');
    vi.stubEnv('TELNYX_API_KEY', sim.apiKey);
    vi.stubEnv('TELNYX_BASE_URL', sim.baseUrl);
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', inject('dynamoEndpoint'));
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('TELNYX_PUBLIC_KEY', signer.publicKey);
    vi.stubEnv('POLLER_FUNCTION_NAME', 'portout-watch-poller');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    ({ handler: poller } = (await import('../../../functions/poller/handler.ts')) as { handler: PollerHandler });
    ({ handler: receiver } = (await import('../../../functions/webhook/handler.ts')) as { handler: ReceiverHandler });
    // The first scheduled poll initialises the table, so later changes are alerted one by one.
    await poller({}, context());
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    lambda.restore();
    sns.restore();
    await sim.close();
    await table.drop();
  });
  beforeEach(() => {
    failInvoke = false;
    invocations.length = 0;
    logged.length = 0;
  });

  it('a request filed and announced: answered 202 at once, alerted by the poll the webhook caused, no schedule needed', async () => {
    sim.upsert(telnyxPortout({ id: 'W1', phone_numbers: ['+13035550101'] }));
    const started = Date.now();
    const reply = await deliver(statusChangedWebhook({ id: 'W1', status: 'pending' }));
    expect(reply.statusCode).toBe(202);
    expect(Date.now() - started).toBeLessThan(1_000);
    const [report] = (await Promise.all(invocations)) as DoorbellReport[];
    expect(report).toMatchObject({ outcome: 'answered', polls: 1, hintsSeen: 1, followUps: 0 });
    expect(published).toContain('W1.new.pending.v1');
  });

  it('a webhook ahead of the listing: the follow-up poll a few seconds later finds it', async () => {
    const reply = await deliver(statusChangedWebhook({ id: 'W2', status: 'pending' }));
    expect(reply.statusCode).toBe(202);
    // Telnyx's listing shows the request only once the first poll's two listings (watched, rejected) were served.
    let served = 0;
    sim.onListPage(() => {
      if (++served === 2) setImmediate(() => sim.upsert(telnyxPortout({ id: 'W2' })));
    });
    const [report] = (await Promise.all(invocations)) as DoorbellReport[];
    expect(report).toMatchObject({ polls: 2, hintsSeen: 1, followUps: 1, leftToSchedule: [] });
    expect(published).toContain('W2.new.pending.v1');
    sim.onListPage(undefined);
  });

  it('a webhook while a scheduled run holds the lease: its poll defers to that run, and the follow-up alerts it', async () => {
    // A scheduled run that listed before the change is still publishing for 3 s: long enough that the webhook's
    // first poll meets the lease even on a loaded machine; follow-ups 2 s and 5 s later outlast it.
    await table.doc.send(
      new PutCommand({ TableName: table.tableName, Item: { pk: 'LEASE', sk: 'poller', holder: 'scheduled-run', leaseUntil: Date.now() + 3_000 } }),
    );
    sim.upsert(telnyxPortout({ id: 'W3' }));
    expect((await deliver(statusChangedWebhook({ id: 'W3', status: 'pending' }))).statusCode).toBe(202);
    const [report] = (await Promise.all(invocations)) as [DoorbellReport];
    expect(report).toMatchObject({ hintsSeen: 1 });
    // The first poll stood back; one or two follow-ups (depending on how long each poll takes) deliver it.
    expect(report.polls).toBeGreaterThanOrEqual(2);
    expect(report.followUps).toBe(report.polls - 1);
    expect(published).toContain('W3.new.pending.v1');
  });

  it('the poller cannot be invoked: 503 so Telnyx retries, counted and logged; the scheduled poll still alerts it', async () => {
    failInvoke = true;
    sim.setStatus('W1', 'rejected-pending');
    const reply = await deliver(statusChangedWebhook({ id: 'W1', status: 'rejected-pending' }));
    expect(reply.statusCode).toBe(503);
    expect(metricsLogged('WebhookTriggerFailures')).toBe(1);
    expect(logged.some((line) => line.includes('could not trigger a poll') && line.includes('TooManyRequestsException'))).toBe(true);
    expect(published).not.toContain('W1.status-changed.rejected-pending.v2');
    await poller({}, context());
    expect(published).toContain('W1.status-changed.rejected-pending.v2');
  });

  it('a stale or forged webhook: 401, counted as a signature failure, nothing triggered', async () => {
    const stale = await deliver(statusChangedWebhook({ id: 'W1', status: 'pending' }), Math.floor(Date.now() / 1000) - 301);
    const forged = await receiver(
      functionUrlEvent({ ...signedRequest(createWebhookSigner(), statusChangedWebhook({ id: 'W1', status: 'pending' })) }),
    );
    expect([stale.statusCode, forged.statusCode]).toEqual([401, 401]);
    expect(JSON.parse(stale.body ?? '{}')).toEqual({ ok: false, reason: 'stale' });
    expect(metricsLogged('WebhookSignatureFailures')).toBe(2);
    expect(invocations).toEqual([]);
  });

  it('a signed port-out event it cannot read: 422 and counted where the poll-not-triggered alarm sees it; any other event type is not', async () => {
    const unreadable = await deliver({ data: { event_type: 'portout.status_changed', occurred_at: new Date().toISOString(), payload: { status: 'pending' } } });
    const other = await deliver({ data: { event_type: 'number_order.complete', payload: { id: 'n1' } } });
    expect([unreadable.statusCode, other.statusCode]).toEqual([422, 422]);
    expect(metricsLogged('WebhookTriggerFailures')).toBe(1);
    expect(invocations).toEqual([]);
  });

  it('logs carry reasons, event types and port-out ids, never the webhook’s numbers, names or signature', async () => {
    const request = signedRequest(signer, statusChangedWebhook({ id: 'W1', status: 'rejected-pending' }));
    await receiver(functionUrlEvent(request));
    await receiver(functionUrlEvent({ ...request, body: request.body.replace('W1', 'W9') }));
    await Promise.all(invocations);
    const text = logged.join('\n');
    expect(text).toContain('webhook verified; poll triggered');
    expect(text).toContain('webhook refused');
    expect(text).not.toMatch(/\+1303555|Jordan Smith|Gaining Wireless/);
    expect(text).not.toContain(request.headers['telnyx-signature-ed25519']);
  });
});
