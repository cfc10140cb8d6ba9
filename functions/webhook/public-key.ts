const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ED25519_PUBLIC_KEY_BYTES = 32;

/**
 * The problem with a webhook public key as the Telnyx portal shows it (Account Settings → Keys & Credentials →
 * Public Key: base64 of the raw 32-byte Ed25519 key), or null if it is one. Shared by the stack's config check and
 * the receiver's cold start.
 */
export function ed25519PublicKeyProblem(value: string): string | null {
  const key = value.trim();
  if (key.length === 0) return 'is empty: paste the Public Key from the Telnyx portal (Account Settings → Keys & Credentials → Public Key)';
  if (key.length % 4 !== 0 || !BASE64.test(key)) {
    return 'is not base64: paste the Public Key exactly as the Telnyx portal shows it (44 characters ending in =)';
  }
  const bytes = Buffer.from(key, 'base64').length;
  if (bytes !== ED25519_PUBLIC_KEY_BYTES) {
    return `decodes to ${bytes} bytes, not the ${ED25519_PUBLIC_KEY_BYTES} of an Ed25519 public key: paste the portal's Public Key, not an API key or a PEM file`;
  }
  return null;
}
