import { describe, expect, it } from 'vitest';
import type { WebhookTrigger } from '../../../../functions/poller/core/doorbell.ts';
import { createTelnyxSignatureVerifier } from '../../../../functions/webhook/adapters/telnyx-signature.ts';
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
