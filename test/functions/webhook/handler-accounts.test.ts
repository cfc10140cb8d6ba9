import { InvokeCommand, LambdaClient, type InvokeCommandInput } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { DoorbellReport } from '../../../functions/poller/core/doorbell.ts';
import type { FleetReport } from '../../../functions/poller/core/poll-fleet.ts';
import { createWebhookSigner, type WebhookSigner } from '../../../local/webhook-signer.ts';
import { startTelnyxSimulator, type TelnyxAccount, type TelnyxSimulator } from '../../../local/telnyx-simulator.ts';
import { createTestTable, type TestTable } from '../../support/dynamo.ts';
import { sumEmfMetrics } from '../../support/emf-metrics.ts';
import { telnyxPortout } from '../../support/factories.ts';
import { loadHandler, logLines, type LoadedHandler } from '../../support/poller-handler.ts';
import { signedRequest, statusChangedWebhook } from '../../support/webhooks.ts';

type ReceiverHandler = (event: LambdaFunctionURLEvent) => Promise<APIGatewayProxyStructuredResultV2>;

// Far enough ahead that no FOC reminder falls due while the suite runs.
const FOC = '2030-01-01T15:00:00.000Z';
const portout = (id: string) => telnyxPortout({ id, foc_date: FOC, requested_foc_date: FOC });

/** A POST to the Function URL; `account` is the query parameter of that account's webhook URL. */
function functionUrlEvent(signer: WebhookSigner, event: unknown, account?: string): LambdaFunctionURLEvent {
  const { body, headers } = signedRequest(signer, event);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: account === undefined ? '' : `account=${encodeURIComponent(account)}`,
    ...(account === undefined ? {} : { queryStringParameters: { account } }),
    headers,
    requestContext: { http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'telnyx-webhooks' } },
    body,
    isBase64Encoded: false,
  } as LambdaFunctionURLEvent;
}

/**
 * Both functions of a deployment watching three accounts, each with its own webhook key but brand-c (none): the
 * receiver verifies with the key of the account the URL names, and the poll it causes polls that account alone.
 */
describe('webhook receiver → poller with several accounts (simulator, DynamoDB Local, mocked Lambda and SNS)', () => {
  const lambda = mockClient(LambdaClient);
  const signers = { default: createWebhookSigner(), 'brand-b': createWebhookSigner(), 'brand-c': createWebhookSigner() };
  const invocations: Array<Promise<FleetReport | DoorbellReport>> = [];
  let sim: TelnyxSimulator;
  let brandB: TelnyxAccount;
  let brandC: TelnyxAccount;
  let table: TestTable;
  let poller: LoadedHandler;
  let receiver: ReceiverHandler;
  /** What SNS accepted, as `<account attribute> <alert id>`. */
  const published = () => poller.published.map(({ account, alertId }) => `${account} ${alertId}`);
  const logged = () => poller.logged;
  const deliver = (signedBy: keyof typeof signers, account: string | undefined, portoutId: string) =>
    receiver(functionUrlEvent(signers[signedBy], statusChangedWebhook({ id: portoutId, status: 'pending' }), account));
  const requests = () => ({ default: sim.requests.length, 'brand-b': brandB.requests.length, 'brand-c': brandC.requests.length });

  beforeAll(async () => {
    sim = await startTelnyxSimulator();
    brandB = sim.addAccount();
    brandC = sim.addAccount();
    table = await createTestTable();
    lambda.on(InvokeCommand).callsFake(async (input: InvokeCommandInput) => {
      invocations.push(poller.invoke(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))) as Promise<FleetReport | DoorbellReport>);
      return { StatusCode: 202 };
    });
    poller = await loadHandler({
      TABLE_NAME: table.tableName,
      TELNYX_ACCOUNTS: JSON.stringify([
        { name: 'default', apiKey: sim.apiKey },
        { name: 'brand-b', apiKey: brandB.apiKey },
        { name: 'brand-c', apiKey: brandC.apiKey },
      ]),
      TELNYX_BASE_URL: sim.baseUrl,
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
      // As the stack sets it: every configured account, null where no webhook key is configured.
      WEBHOOK_ACCOUNTS: JSON.stringify({ default: signers.default.publicKey, 'brand-b': signers['brand-b'].publicKey, 'brand-c': null }),
      POLLER_FUNCTION_NAME: 'portout-watch-poller',
    });
    // Imported after loadHandler stubbed the environment and reset the module cache: a cold receiver.
    ({ handler: receiver } = (await import('../../../functions/webhook/handler.ts')) as { handler: ReceiverHandler });
    // The first scheduled poll initialises every account, so later changes are alerted one by one.
    await poller.poll();
  });
  afterAll(async () => {
    poller.restore();
    lambda.restore();
    await sim.close();
    await table.drop();
  });
  beforeEach(() => {
    invocations.length = 0;
    poller.logged.length = 0;
    poller.published.length = 0;
    for (const account of [sim, brandB, brandC]) account.resetRequests();
  });

  it("brand-b's webhook at brand-b's URL: only brand-b is polled (its three requests), and its request is alerted", async () => {
    brandB.upsert(portout('B1'));
    expect((await deliver('brand-b', 'brand-b', 'B1')).statusCode).toBe(202);
    const [report] = (await Promise.all(invocations)) as DoorbellReport[];
    expect(report).toMatchObject({ outcome: 'answered', polls: 1, hintsSeen: 1, followUps: 0 });
    expect(published()).toEqual(['brand-b B1.new.pending.v1']);
    expect(requests()).toEqual({ default: 0, 'brand-b': 3, 'brand-c': 0 });
    expect(logLines(logged(), 'webhook verified; poll triggered')).toMatchObject([{ account: 'brand-b', portoutId: 'B1' }]);
    expect(logLines(logged(), 'webhook answered')).toMatchObject([{ account: 'brand-b' }]);
    expect(logLines(logged(), 'fleet run finished')).toMatchObject([{ accounts: 1, only: ['brand-b'], telnyxRequests: 3 }]);
  });

  it('a poll of one account does not count toward the fleet heartbeat, which stands for every account', async () => {
    await deliver('brand-b', 'brand-b', 'B1');
    await Promise.all(invocations);
    expect(sumEmfMetrics(logged()).get('PollSucceeded')).toBe(0);
    poller.logged.length = 0;
    await poller.poll();
    expect(sumEmfMetrics(logged()).get('PollSucceeded')).toBe(1);
  });

  it("the bare URL is the default account's: its webhook polls the default account alone", async () => {
    sim.upsert(portout('D1'));
    expect((await deliver('default', undefined, 'D1')).statusCode).toBe(202);
    await Promise.all(invocations);
    expect(published()).toEqual(['default D1.new.pending.v1']);
    expect(requests()).toEqual({ default: 3, 'brand-b': 0, 'brand-c': 0 });
  });

  it("a webhook signed with the default account's key but sent to brand-b's URL: 401, counted, nothing polled", async () => {
    const reply = await deliver('default', 'brand-b', 'B1');
    expect(reply.statusCode).toBe(401);
    expect(JSON.parse(reply.body ?? '{}')).toEqual({ ok: false, reason: 'bad-signature' });
    expect(invocations).toEqual([]);
    expect(sumEmfMetrics(logged()).get('WebhookSignatureFailures')).toBe(1);
    expect(logLines(logged(), 'webhook refused')).toMatchObject([{ reason: 'bad-signature', account: 'brand-b', status: 401 }]);
  });

  it('an unknown account, or one with no webhook key: 404 with the reason, the name logged only when it is a valid one', async () => {
    const unknown = await deliver('brand-b', 'brand-z', 'B1');
    const keyless = await deliver('brand-c', 'brand-c', 'C1');
    const odd = await deliver('brand-b', '<script>', 'B1');
    expect([unknown.statusCode, keyless.statusCode, odd.statusCode]).toEqual([404, 404, 404]);
    expect(JSON.parse(keyless.body ?? '{}')).toEqual({ ok: false, reason: 'no-public-key' });
    expect(invocations).toEqual([]);
    expect(logLines(logged(), 'webhook refused')).toEqual([
      expect.objectContaining({ reason: 'unknown-account', account: 'brand-z' }),
      expect.objectContaining({ reason: 'no-public-key', account: 'brand-c' }),
      expect.not.objectContaining({ account: expect.anything() }),
    ]);
    expect(logged().join('\n')).not.toContain('<script>');
    expect(sumEmfMetrics(logged()).get('WebhookSignatureFailures')).toBe(3);
  });
});
