/**
 * Masking for anything that reaches a log. The poller logs ids, counts and field names by design; these catch
 * what could still slip through in free text (an error message from a dependency, a reason string from AWS).
 */

const E164 = /\+\d{7,15}/g;
// Telnyx v2 API keys start with KEY; anything shaped like one is hidden whole.
const API_KEY = /\bKEY[A-Za-z0-9_-]{6,}/g;

/** +13035551212 → +1303***1212: enough to tell numbers apart in a log, not enough to dial. */
export function maskPhoneNumber(phoneNumber: string): string {
  const digits = phoneNumber.replace(/\D/g, '');
  const tail = digits.length >= 8 ? 4 : 2;
  const head = Math.max(1, Math.min(4, digits.length - tail - 3));
  return `+${digits.slice(0, head)}***${digits.slice(-tail)}`;
}

/** Masks phone numbers and anything that looks like an API key in free text. */
export function redactText(text: string): string {
  return text.replace(API_KEY, 'KEY***').replace(E164, (match) => maskPhoneNumber(match));
}
