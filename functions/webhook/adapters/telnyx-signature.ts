import Telnyx from 'telnyx';
import type { WebhookKeys } from '../config.ts';
import type { Verification, WebhookPorts } from '../core/answer-webhook.ts';

/**
 * Verification by the official SDK (`webhooks.unwrap`: Ed25519 over `timestamp|body`, at most 300 s of skew).
 * telnyx 7.19 and later verify Ed25519; 7.6, 7.12 and 7.17 shipped an unwrap expecting HMAC headers, hence the
 * pinned range in package.json. The SDK's error messages are mapped to reasons, never logged: they echo headers.
 */
export function createTelnyxSignatureVerifier(publicKey: string): { verify(body: string, headers: Record<string, string>): Promise<Verification> } {
  // The receiver makes no API calls, so the client has no API key.
  const client = new Telnyx({ apiKey: null, publicKey });
  return {
    async verify(body, headers) {
      try {
        return { ok: true, event: await client.webhooks.unwrap(body, { headers }) };
      } catch (error) {
        if (error instanceof SyntaxError) return { ok: false, reason: 'not-json' };
        const message = error instanceof Error ? error.message : '';
        if (/Missing required header/.test(message)) return { ok: false, reason: 'unsigned' };
        if (/timestamp/i.test(message)) return { ok: false, reason: 'stale' };
        return { ok: false, reason: 'bad-signature' };
      }
    },
  };
}

/**
 * The receiver's verification: one verifier per key. With several accounts, also which accounts it serves and
 * whether it holds each one's key, for the core to refuse a URL naming an unknown or keyless account before verifying.
 */
export function createAccountVerifiers(keys: WebhookKeys): Pick<WebhookPorts, 'verify' | 'accounts'> {
  if (keys.kind === 'single') {
    const verifier = createTelnyxSignatureVerifier(keys.publicKey);
    return { verify: (body, headers) => verifier.verify(body, headers) };
  }
  const verifiers = new Map([...keys.accounts].flatMap(([name, key]) => (key === null ? [] : [[name, createTelnyxSignatureVerifier(key)] as const])));
  return {
    accounts: new Map([...keys.accounts].map(([name]) => [name, verifiers.has(name)])),
    // The core asks only for an account it was told has a key; anything else fails verification, never passes it.
    verify: async (body, headers, account) => verifiers.get(account ?? '')?.verify(body, headers) ?? { ok: false, reason: 'bad-signature' },
  };
}
