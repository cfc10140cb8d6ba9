import { describe, expect, it } from 'vitest';
import type { WebhookTrigger } from '../../../../functions/poller/core/doorbell.ts';
import { createAccountVerifiers, createTelnyxSignatureVerifier } from '../../../../functions/webhook/adapters/telnyx-signature.ts';
import { answerWebhook, hintFromEvent, MAX_WEBHOOK_BYTES, type WebhookPorts } from '../../../../functions/webhook/core/answer-webhook.ts';
import { createWebhookSigner } from '../../../../local/webhook-signer.ts';
import { focDateChangedWebhook, newCommentWebhook, signedRequest, statusChangedWebhook } from '../../../support/webhooks.ts';

const signer = createWebhookSigner();

function receiver(options: { failTrigger?: boolean } = {}) {
  const triggered: WebhookTrigger[] = [];
  let verified = 0;
  const verifier = createTelnyxSignatureVerifier(signer.publicKey);
  const ports: WebhookPorts = {
    verify: (body, headers) => {
      verified += 1;
      return verifier.verify(body, headers);
    },
    triggerPoll: async (trigger) => {
      if (options.failTrigger) throw new Error('Rate Exceeded.');
      triggered.push(trigger);
    },
    clock: () => 1_000,
  };
  return { ports, triggered, verified: () => verified };
}

describe('answerWebhook: a doorbell for the poller, never an alert', () => {
  it('a verified status change triggers one poll, carrying only what the poll needs to compare', async () => {
    const { ports, triggered } = receiver();
    const answer = await answerWebhook(signedRequest(signer, statusChangedWebhook({ id: 'po-1', status: 'pending', occurredAt: '2026-12-01T04:00:00Z' })), ports);
    expect(answer).toMatchObject({ status: 202, eventType: 'portout.status_changed' });
    expect(triggered).toEqual([
      {
        source: 'portout-watch.webhook',
        hint: { portoutId: 'po-1', change: 'status', status: 'pending', occurredAt: '2026-12-01T04:00:00Z' },
        receivedAt: 1_000,
      },
    ]);
    // Phone numbers, names and carriers stay in the webhook; the poll reads them from the listing.
    expect(JSON.stringify(triggered)).not.toMatch(/\+1303|Jordan|Gaining/);
  });

  it('reads the port-out id where each event type carries it', () => {
    expect(hintFromEvent(focDateChangedWebhook({ id: 'po-2', focDate: '2026-12-03T16:00:00Z' }))?.hint).toEqual(
      expect.objectContaining({ portoutId: 'po-2', change: 'foc-date', focDate: '2026-12-03T16:00:00Z' }),
    );
    expect(hintFromEvent(newCommentWebhook({ portoutId: 'po-3' }))?.hint).toEqual(expect.objectContaining({ portoutId: 'po-3', change: 'comment' }));
  });

  it('a duplicate delivery is answered 2xx again (Telnyx would retry otherwise); the doorbell coalesces the two', async () => {
    const { ports, triggered } = receiver();
    const request = signedRequest(signer, statusChangedWebhook({ id: 'po-1', status: 'pending' }));
    expect((await answerWebhook(request, ports)).status).toBe(202);
    expect((await answerWebhook(request, ports)).status).toBe(202);
    expect(triggered.map((t) => t.hint)).toEqual([triggered[0]?.hint, triggered[0]?.hint]);
  });

  it.each([
    ['unsigned', (r: ReturnType<typeof signedRequest>) => ({ ...r, headers: { 'content-type': 'application/json' } }), 401],
    ['bad-signature', (r: ReturnType<typeof signedRequest>) => ({ ...r, body: r.body.replace('pending', 'ported') }), 401],
    ['stale', () => signedRequest(signer, statusChangedWebhook({ id: 'po-1', status: 'pending' }), Math.floor(Date.now() / 1000) - 400), 401],
    ['method-not-allowed', (r: ReturnType<typeof signedRequest>) => ({ ...r, method: 'GET' }), 405],
  ] as const)('refuses %s with %i and triggers nothing', async (reason, mutate, status) => {
    const { ports, triggered } = receiver();
    const answer = await answerWebhook(mutate(signedRequest(signer, statusChangedWebhook({ id: 'po-1', status: 'pending' }))), ports);
    expect(answer).toEqual({ status, rejected: reason });
    expect(triggered).toEqual([]);
  });

  it('refuses an oversized body before verifying or parsing it', async () => {
    const { ports, triggered, verified } = receiver();
    const big = { ...statusChangedWebhook({ id: 'po-1', status: 'pending' }), padding: 'x'.repeat(MAX_WEBHOOK_BYTES) };
    expect(await answerWebhook(signedRequest(signer, big), ports)).toEqual({ status: 413, rejected: 'too-large' });
    expect(verified()).toBe(0);
    expect(triggered).toEqual([]);
  });

  it.each([
    ['another event type', { data: { event_type: 'call.initiated', payload: { id: 'po-1' } } }, 'not-a-portout-event'],
    ['no envelope', ['portout.status_changed'], 'not-a-portout-event'],
    ['a port-out event without an id', { data: { event_type: 'portout.status_changed', payload: { status: 'pending' } } }, 'unreadable-portout-event'],
    [
      'an id that could not be a port-out id',
      { data: { event_type: 'portout.status_changed', payload: { id: '../etc', status: 'pending' } } },
      'unreadable-portout-event',
    ],
    ['a port-out event type we do not know', { data: { event_type: 'portout.renamed_event', payload: { id: 'po-1' } } }, 'unreadable-portout-event'],
  ])('refuses a signed body that is %s with 422, telling apart a port-out event it could not read', async (_label, event, rejected) => {
    const { ports, triggered } = receiver();
    expect(await answerWebhook(signedRequest(signer, event), ports)).toEqual({ status: 422, rejected });
    expect(triggered).toEqual([]);
  });

  it('answers 503 when the poll cannot be triggered, so Telnyx retries; the error is kept for the log', async () => {
    const { ports } = receiver({ failTrigger: true });
    const answer = await answerWebhook(signedRequest(signer, statusChangedWebhook({ id: 'po-1', status: 'pending' })), ports);
    expect(answer).toMatchObject({ status: 503, hint: { portoutId: 'po-1' } });
  });
});

describe('answerWebhook with several accounts: the URL names the account, whose own key must verify it', () => {
  const signers = { default: createWebhookSigner(), 'brand-a': createWebhookSigner(), 'brand-b': createWebhookSigner() };
  function fleetReceiver() {
    const triggered: WebhookTrigger[] = [];
    const keys = new Map<string, string | null>([
      ['default', signers.default.publicKey],
      ['brand-a', signers['brand-a'].publicKey],
      ['brand-b', signers['brand-b'].publicKey],
      ['brand-c', null],
    ]);
    const ports: WebhookPorts = {
      ...createAccountVerifiers({ kind: 'several', accounts: keys }),
      triggerPoll: async (trigger) => {
        triggered.push(trigger);
      },
      clock: () => 1_000,
    };
    return { ports, triggered };
  }
  const sent = (signedBy: keyof typeof signers, account: string | undefined) => ({
    ...signedRequest(signers[signedBy], statusChangedWebhook({ id: 'po-1', status: 'pending' })),
    ...(account === undefined ? {} : { account }),
  });

  it("verifies with the named account's key, and the hint carries the account for the poll", async () => {
    const { ports, triggered } = fleetReceiver();
    expect(await answerWebhook(sent('brand-b', 'brand-b'), ports)).toMatchObject({ status: 202, hint: { portoutId: 'po-1', account: 'brand-b' } });
    expect(triggered.map((trigger) => trigger.hint.account)).toEqual(['brand-b']);
  });

  it("the bare URL is the default account's", async () => {
    const { ports, triggered } = fleetReceiver();
    expect(await answerWebhook(sent('default', undefined), ports)).toMatchObject({ status: 202, hint: { account: 'default' } });
    expect(await answerWebhook(sent('brand-a', undefined), ports)).toEqual({ status: 401, rejected: 'bad-signature', account: 'default' });
    expect(triggered).toHaveLength(1);
  });

  it("refuses a webhook signed with brand-a's key but sent to brand-b's URL: the name is not signed, the key is", async () => {
    const { ports, triggered } = fleetReceiver();
    expect(await answerWebhook(sent('brand-a', 'brand-b'), ports)).toEqual({ status: 401, rejected: 'bad-signature', account: 'brand-b' });
    expect(triggered).toEqual([]);
  });

  it('refuses an account it does not know with 404, naming it only when it is a name we could have given', async () => {
    const { ports, triggered } = fleetReceiver();
    expect(await answerWebhook(sent('brand-a', 'brand-z'), ports)).toEqual({ status: 404, rejected: 'unknown-account', account: 'brand-z' });
    for (const odd of ['', 'Brand-A', '../etc', 'brand-a,brand-b', 'x'.repeat(200)]) {
      expect(await answerWebhook(sent('brand-a', odd), ports)).toEqual({ status: 404, rejected: 'unknown-account' });
    }
    expect(triggered).toEqual([]);
  });

  it('refuses a configured account whose public key is not configured with 404, before verifying anything', async () => {
    const { ports, triggered } = fleetReceiver();
    expect(await answerWebhook(sent('brand-a', 'brand-c'), ports)).toEqual({ status: 404, rejected: 'no-public-key', account: 'brand-c' });
    expect(triggered).toEqual([]);
  });

  it('a single-account receiver ignores the query string, as it always has, and its hints name no account', async () => {
    const { ports, triggered } = receiver();
    expect(await answerWebhook({ ...signedRequest(signer, statusChangedWebhook({ id: 'po-1', status: 'pending' })), account: 'brand-z' }, ports)).toMatchObject({
      status: 202,
    });
    expect(triggered[0]?.hint).not.toHaveProperty('account');
  });
});
