import type { WebhookRequest } from '../../functions/webhook/core/answer-webhook.ts';
import type { WebhookSigner } from '../../local/webhook-signer.ts';

let nextEvent = 0;
const envelope = (eventType: string, payload: Record<string, unknown>, occurredAt = new Date().toISOString()) => ({
  data: { event_type: eventType, id: `e-${++nextEvent}`, occurred_at: occurredAt, payload, record_type: 'event' },
  meta: { attempt: 1, delivered_to: 'https://example.lambda-url.us-east-1.on.aws/' },
});

/** A `portout.status_changed` notification as Telnyx documents it (personal data included, as Telnyx sends it). */
export const statusChangedWebhook = ({ id, status, occurredAt }: { id: string; status: string; occurredAt?: string }) =>
  envelope(
    'portout.status_changed',
    {
      id,
      status,
      phone_numbers: ['+13035550101'],
      carrier_name: 'Gaining Wireless',
      spid: '6214',
      subscriber_name: 'Jordan Smith',
      user_id: 'u-1',
    },
    occurredAt,
  );

export const focDateChangedWebhook = ({ id, focDate }: { id: string; focDate: string }) =>
  envelope('portout.foc_date_changed', { id, foc_date: focDate, user_id: 'u-1' });

export const newCommentWebhook = ({ portoutId, occurredAt }: { portoutId: string; occurredAt?: string }) =>
  envelope('portout.new_comment', { id: 'c-1', comment: 'Please call +13035550101', portout_id: portoutId, user_id: null }, occurredAt);

/** A signed POST as it reaches the receiver. */
export function signedRequest(signer: WebhookSigner, event: unknown, timestampSeconds?: number): WebhookRequest {
  const body = JSON.stringify(event);
  return { method: 'POST', body, headers: { 'content-type': 'application/json', ...signer.headers(body, timestampSeconds) } };
}
