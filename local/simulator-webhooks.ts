import type { TelnyxSimulator } from './telnyx-simulator.ts';
import { createWebhookSigner, type WebhookSigner } from './webhook-signer.ts';

export interface SimulatorWebhooks {
  /** Base64 Ed25519 public key, for the receiver's TELNYX_PUBLIC_KEY. */
  readonly publicKey: string;
  /**
   * Files a new request (`sim.upsert`) and announces it as `portout.status_changed`, as Telnyx is expected to
   * (unverified: the simulator's feed itself records no event for a new request). Returns when it was filed.
   * With `listingLagMs`, the listing shows it only that long after the webhook went out, as a lagging Telnyx would.
   */
  file(record: Record<string, unknown> & { id: string }, options?: { listingLagMs?: number }): number;
  /** Answers the receiver gave, in order: status codes. */
  readonly answers: number[];
  /** Resolves once every webhook posted so far has been answered. */
  settled(): Promise<void>;
  stop(): void;
}

/**
 * Makes the simulator post signed port-out webhooks to `url`, as Telnyx does: one per feed event (status change,
 * FOC date, comment) and one per request filed through `file`. Envelope and signing as Telnyx documents them.
 */
export function sendSimulatorWebhooks(sim: TelnyxSimulator, { url, signer = createWebhookSigner() }: { url: string; signer?: WebhookSigner }): SimulatorWebhooks {
  const answers: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let attempt = 0;
  const post = (eventType: string, payload: unknown, occurredAt: string) => {
    const body = JSON.stringify({
      data: { event_type: eventType, id: `wh-${++attempt}`, occurred_at: occurredAt, payload, record_type: 'event' },
      meta: { attempt: 1, delivered_to: url },
    });
    const sending = fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signer.headers(body) } })
      .then(async (response) => {
        answers.push(response.status);
        await response.arrayBuffer();
      })
      .catch(() => {
        answers.push(0);
      })
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };
  sim.onEvent((event) => post(String(event.event_type), event.payload, String(event.created_at)));
  return {
    publicKey: signer.publicKey,
    answers,
    file(record, { listingLagMs = 0 } = {}) {
      if (listingLagMs > 0) setTimeout(() => sim.upsert(record), listingLagMs);
      else sim.upsert(record);
      const filedAt = Date.now();
      const { id, status = 'pending', phone_numbers, carrier_name, spid, end_user_name, user_id } = record;
      post('portout.status_changed', { id, status, phone_numbers, carrier_name, spid, subscriber_name: end_user_name, user_id }, new Date(filedAt).toISOString());
      return filedAt;
    },
    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    stop() {
      sim.onEvent(undefined);
    },
  };
}
