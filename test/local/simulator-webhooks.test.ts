import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoorbellHint, WebhookTrigger } from '../../functions/poller/core/doorbell.ts';
import { sendSimulatorWebhooks } from '../../local/simulator-webhooks.ts';
import { startTelnyxSimulator, type TelnyxSimulator } from '../../local/telnyx-simulator.ts';
import { startLocalWebhookReceiver, type LocalWebhookReceiver } from '../../local/webhook-path.ts';
import { createWebhookSigner } from '../../local/webhook-signer.ts';
import { telnyxPortout } from '../support/factories.ts';

describe('the simulator posts signed webhooks that the receiver’s core accepts', () => {
  let sim: TelnyxSimulator;
  let receiver: LocalWebhookReceiver;
  const triggers: WebhookTrigger[] = [];
  const signer = createWebhookSigner();
  beforeAll(async () => {
    sim = await startTelnyxSimulator();
    receiver = await startLocalWebhookReceiver({
      publicKey: signer.publicKey,
      invokePoller: async (trigger) => {
        triggers.push(trigger);
        return { outcome: 'joined', polls: 0, hintsTaken: 0, hintsSeen: 0, followUps: 0, leftToSchedule: [] };
      },
    });
  });
  afterAll(async () => {
    await receiver.close();
    await sim.close();
  });

  it('one webhook per filed request and per feed event, each verified and turned into a hint', async () => {
    const webhooks = sendSimulatorWebhooks(sim, { url: receiver.url, signer });
    webhooks.file(telnyxPortout({ id: 'S1' }));
    sim.setStatus('S1', 'rejected-pending');
    sim.setFocDate('S1', '2026-12-24T16:00:00Z');
    sim.addComment('S1', { body: 'Reason not valid', userId: null });
    await webhooks.settled();
    webhooks.stop();
    sim.setStatus('S1', 'pending');
    await webhooks.settled();
    expect(webhooks.answers).toEqual([202, 202, 202, 202]);
    // Posted at once, they may arrive in any order, as Telnyx's may.
    const hints = triggers.map((t) => t.hint);
    expect(hints).toHaveLength(4);
    expect(hints).toEqual(
      expect.arrayContaining<DoorbellHint>([
        expect.objectContaining({ portoutId: 'S1', change: 'status', status: 'pending' }),
        expect.objectContaining({ portoutId: 'S1', change: 'status', status: 'rejected-pending' }),
        expect.objectContaining({ portoutId: 'S1', change: 'foc-date', focDate: '2026-12-24T16:00:00Z' }),
        expect.objectContaining({ portoutId: 'S1', change: 'comment' }),
      ]),
    );
  });

  it('the local receiver refuses what Lambda’s would: another key, a bad method, an oversized body', async () => {
    const stranger = sendSimulatorWebhooks(sim, { url: receiver.url, signer: createWebhookSigner() });
    stranger.file(telnyxPortout({ id: 'S2' }));
    await stranger.settled();
    stranger.stop();
    expect(stranger.answers).toEqual([401]);
    expect((await fetch(receiver.url)).status).toBe(405);
    const big = JSON.stringify({ padding: 'x'.repeat(70_000) });
    expect((await fetch(receiver.url, { method: 'POST', body: big, headers: signer.headers(big) })).status).toBe(413);
  });
});
