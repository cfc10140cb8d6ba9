import Telnyx from 'telnyx';
import type { Verification } from '../core/answer-webhook.ts';

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
