import { ACCOUNT_NAME_PATTERN, DEFAULT_ACCOUNT_NAME } from '../../poller/core/accounts.ts';
import { WEBHOOK_TRIGGER_SOURCE, parseWebhookTrigger, type DoorbellHint, type WebhookTrigger } from '../../poller/core/doorbell.ts';

/**
 * Telnyx port-out notifications are small (the largest is a status change listing the numbers); anything bigger is
 * refused before it is verified or parsed.
 */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

export type SignatureFailure = 'unsigned' | 'bad-signature' | 'stale';

export type Verification = { ok: true; event: unknown } | { ok: false; reason: SignatureFailure | 'not-json' };

export interface WebhookRequest {
  method: string;
  /** The raw body, byte for byte as Telnyx signed it. */
  body: string;
  headers: Record<string, string | undefined>;
  /** The URL's `account` query parameter, as given: which account's webhook URL this is. */
  account?: string;
}

export interface WebhookPorts {
  /**
   * Checks the Ed25519 signature, with `account`'s public key (undefined: the one account's), and the timestamp's
   * age, then parses the body.
   */
  verify(body: string, headers: Record<string, string>, account?: string): Promise<Verification>;
  /**
   * A deployment watching several accounts: each configured account, and whether the receiver holds its public key.
   * Unset: one account and one key, at the bare URL (a query string is ignored, as it always was).
   */
  accounts?: ReadonlyMap<string, boolean>;
  /** Asks the poller for a poll, without waiting for it. */
  triggerPoll(trigger: WebhookTrigger): Promise<void>;
  clock?: () => number;
}

export type WebhookRejection =
  | 'method-not-allowed'
  | 'too-large'
  /** The URL names no configured account. */
  | 'unknown-account'
  /** The URL names a configured account whose webhook public key is not configured: nothing to verify it with. */
  | 'no-public-key'
  | SignatureFailure
  | 'not-json'
  | 'not-a-portout-event'
  /** Signed by Telnyx and named a port-out event, but not in a shape we can read: the webhook path may be dead. */
  | 'unreadable-portout-event';

export type WebhookAnswer =
  | { status: 202; hint: DoorbellHint; eventType: string }
  /** `account`: the account the URL names, when it is one of ours (so safe to log). */
  | { status: 401 | 400 | 404 | 405 | 413 | 422; rejected: WebhookRejection; account?: string }
  /** Verified, but the poll could not be triggered: Telnyx retries a non-2xx, and the schedule catches up anyway. */
  | { status: 503; triggerFailed: unknown; hint: DoorbellHint };

/**
 * The refusals the signature-failure alarm counts: requests nothing could verify. A URL naming an account the
 * receiver has no key for is one too: someone probing, or an account whose webhookPublicKey was left out.
 */
export const SIGNATURE_FAILURES: readonly WebhookRejection[] = ['unsigned', 'bad-signature', 'stale', 'unknown-account', 'no-public-key'];

const REJECTION_STATUS: Record<WebhookRejection, 401 | 400 | 404 | 405 | 413 | 422> = {
  'method-not-allowed': 405,
  'too-large': 413,
  'unknown-account': 404,
  'no-public-key': 404,
  unsigned: 401,
  'bad-signature': 401,
  stale: 401,
  'not-json': 400,
  'not-a-portout-event': 422,
  'unreadable-portout-event': 422,
};

type Refusal = Extract<WebhookAnswer, { rejected: WebhookRejection }>;

const reject = (rejected: WebhookRejection): Refusal => ({ status: REJECTION_STATUS[rejected], rejected });

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;

/**
 * What a verified Telnyx event says changed, for the poll to compare with; null for anything that is not one of
 * the three port-out notifications with a usable port-out id.
 * (status_changed and foc_date_changed carry the port-out id as `id`; new_comment as `portout_id`.)
 */
export function hintFromEvent(event: unknown): { hint: DoorbellHint; eventType: string } | null {
  const data = field(event, 'data');
  const eventType = field(data, 'event_type');
  const payload = field(data, 'payload');
  const occurredAt = field(data, 'occurred_at');
  const raw =
    eventType === 'portout.status_changed'
      ? { portoutId: field(payload, 'id'), change: 'status', status: field(payload, 'status'), occurredAt }
      : eventType === 'portout.foc_date_changed'
        ? { portoutId: field(payload, 'id'), change: 'foc-date', focDate: field(payload, 'foc_date'), occurredAt }
        : eventType === 'portout.new_comment'
          ? { portoutId: field(payload, 'portout_id'), change: 'comment', occurredAt }
          : null;
  const trigger = raw && parseWebhookTrigger({ source: WEBHOOK_TRIGGER_SOURCE, hint: raw, receivedAt: 0 });
  return trigger ? { hint: trigger.hint, eventType: eventType as string } : null;
}

/**
 * Which account's webhook URL a request came to: the `account` query parameter, or `default` at the bare URL. The
 * name is not signed, but it only picks the key the signature must verify with: a webhook of account A sent to
 * B's URL fails B's key, and forging one for B takes B's private key, which only Telnyx holds. Once verified, the
 * name is as trustworthy as the body.
 */
function accountOf(request: WebhookRequest, accounts: ReadonlyMap<string, boolean>): string | Refusal {
  const name = request.account ?? DEFAULT_ACCOUNT_NAME;
  // Anything but a name we could have given out is not echoed into the log.
  if (!ACCOUNT_NAME_PATTERN.test(name)) return reject('unknown-account');
  const hasKey = accounts.get(name);
  if (hasKey === undefined) return { ...reject('unknown-account'), account: name };
  if (!hasKey) return { ...reject('no-public-key'), account: name };
  return name;
}

/** One webhook request: refuse what isn't a fresh, signed port-out event; ring for a poll; never alert from it. */
export async function answerWebhook(request: WebhookRequest, ports: WebhookPorts): Promise<WebhookAnswer> {
  if (request.method !== 'POST') return reject('method-not-allowed');
  if (Buffer.byteLength(request.body, 'utf8') > MAX_WEBHOOK_BYTES) return reject('too-large');
  const account = ports.accounts ? accountOf(request, ports.accounts) : undefined;
  if (typeof account === 'object') return account;
  const refuse = (rejected: WebhookRejection): Refusal => ({ ...reject(rejected), ...(account ? { account } : {}) });
  const headers = Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name.toLowerCase(), value]])),
  );
  if (!headers['telnyx-signature-ed25519'] || !headers['telnyx-timestamp']) return refuse('unsigned');
  const verification = await ports.verify(request.body, headers, account);
  if (!verification.ok) return refuse(verification.reason);
  const found = hintFromEvent(verification.event);
  if (!found) {
    const eventType = field(field(verification.event, 'data'), 'event_type');
    return refuse(typeof eventType === 'string' && eventType.startsWith('portout.') ? 'unreadable-portout-event' : 'not-a-portout-event');
  }
  const hint: DoorbellHint = account ? { ...found.hint, account } : found.hint;
  const trigger: WebhookTrigger = { source: WEBHOOK_TRIGGER_SOURCE, hint, receivedAt: (ports.clock ?? Date.now)() };
  try {
    await ports.triggerPoll(trigger);
  } catch (error) {
    return { status: 503, triggerFailed: error, hint };
  }
  return { status: 202, hint, eventType: found.eventType };
}
