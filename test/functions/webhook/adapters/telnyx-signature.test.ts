import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createTelnyxSignatureVerifier } from '../../../../functions/webhook/adapters/telnyx-signature.ts';
import { createWebhookSigner } from '../../../../local/webhook-signer.ts';
import { statusChangedWebhook } from '../../../support/webhooks.ts';

const now = () => Math.floor(Date.now() / 1000);

describe('the official SDK verifies webhooks signed as Telnyx signs them (fresh Ed25519 key pair)', () => {
  const signer = createWebhookSigner();
  const verifier = createTelnyxSignatureVerifier(signer.publicKey);
  const body = JSON.stringify(statusChangedWebhook({ id: 'po-1', status: 'pending' }));

  it('runs a telnyx release whose unwrap verifies Ed25519 (7.19 or later)', () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../../node_modules/telnyx/package.json', import.meta.url), 'utf8')) as { version: string };
    const [major, minor] = version.split('.').map(Number);
    expect(major === 7 ? (minor ?? 0) >= 19 : (major ?? 0) > 7).toBe(true);
  });

  it('accepts a valid signature and returns the parsed event', async () => {
    const result = await verifier.verify(body, signer.headers(body));
    expect(result).toEqual({ ok: true, event: JSON.parse(body) });
  });

  it('accepts a valid signature whatever the header names’ case', async () => {
    const headers = Object.fromEntries(Object.entries(signer.headers(body)).map(([k, v]) => [k.toUpperCase(), v]));
    expect((await verifier.verify(body, headers)).ok).toBe(true);
  });

  it('refuses a tampered body', async () => {
    const headers = signer.headers(body);
    const tampered = body.replace('"pending"', '"ported"');
    expect(await verifier.verify(tampered, headers)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a body signed with another key', async () => {
    const other = createWebhookSigner();
    expect(await verifier.verify(body, other.headers(body))).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a signature over another timestamp than the header says', async () => {
    const headers = { ...signer.headers(body, now() - 10), 'telnyx-timestamp': String(now()) };
    expect(await verifier.verify(body, headers)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a timestamp older than 300 s, and accepts one just inside it', async () => {
    expect(await verifier.verify(body, signer.headers(body, now() - 301))).toEqual({ ok: false, reason: 'stale' });
    expect((await verifier.verify(body, signer.headers(body, now() - 290))).ok).toBe(true);
  });

  it('refuses missing headers', async () => {
    const { 'telnyx-timestamp': timestamp, 'telnyx-signature-ed25519': signature } = signer.headers(body);
    expect(await verifier.verify(body, { 'telnyx-timestamp': timestamp })).toEqual({ ok: false, reason: 'unsigned' });
    expect(await verifier.verify(body, { 'telnyx-signature-ed25519': signature })).toEqual({ ok: false, reason: 'unsigned' });
  });

  it('refuses a garbled signature', async () => {
    expect(await verifier.verify(body, { ...signer.headers(body), 'telnyx-signature-ed25519': 'not base64!' })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('tells a signed body that is not JSON apart from a bad signature', async () => {
    const text = 'hello';
    expect(await verifier.verify(text, signer.headers(text))).toEqual({ ok: false, reason: 'not-json' });
  });
});
