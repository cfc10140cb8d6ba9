import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface WebhookSigner {
  /** Base64 of the raw 32-byte Ed25519 public key, as the Telnyx portal shows it. */
  readonly publicKey: string;
  /** Telnyx's headers for this body: Ed25519 over `{timestamp}|{body}`, base64, and the Unix-seconds timestamp. */
  headers(body: string, timestampSeconds?: number): Record<'telnyx-signature-ed25519' | 'telnyx-timestamp', string>;
}

/** Signs webhooks exactly as Telnyx does, with a fresh key pair: for the simulator, the tests and the benchmark. */
export function createWebhookSigner(): WebhookSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: rawPublicKey(publicKey),
    headers(body, timestampSeconds = Math.floor(Date.now() / 1000)) {
      const signature = sign(null, Buffer.from(`${timestampSeconds}|${body}`, 'utf8'), privateKey);
      return { 'telnyx-signature-ed25519': signature.toString('base64'), 'telnyx-timestamp': String(timestampSeconds) };
    },
  };
}

function rawPublicKey(key: KeyObject): string {
  const { x } = key.export({ format: 'jwk' });
  if (!x) throw new Error('an Ed25519 public key exports its x coordinate');
  return Buffer.from(x, 'base64url').toString('base64');
}
