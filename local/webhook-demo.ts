import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AlertPolicy } from '../functions/poller/core/policy.ts';
import type { PollerAdapters } from '../functions/poller/wiring.ts';
import { CONFIG_DEFAULTS, parseSchedule } from '../lib/config.ts';
import { sendSimulatorWebhooks } from './simulator-webhooks.ts';
import type { TelnyxSimulator } from './telnyx-simulator.ts';
import { createWebhookSigner } from './webhook-signer.ts';
import { localDoorbellAnswerer, startLocalWebhookReceiver } from './webhook-path.ts';

const HOUR = 3_600_000;

/**
 * The last step of `npm start`'s demo: the simulator files a request and posts its signed webhook; the local
 * receiver verifies it and rings for a poll, which alerts within seconds instead of at the next scheduled poll.
 */
export async function runWebhookDemo(parts: {
  sim: TelnyxSimulator;
  adapters: PollerAdapters;
  policy: AlertPolicy;
  dynamoClient: DynamoDBClient;
  tableName: string;
  write: (text: string) => void;
}): Promise<void> {
  const { sim, write } = parts;
  const schedule = parseSchedule(CONFIG_DEFAULTS.schedule);
  const intervalMinutes = typeof schedule === 'string' ? 5 : schedule.intervalMinutes;
  const id = '7a2b0c4e-1f3d-4e5a-9b6c-000000000009';
  let alertedAt: number | undefined;
  const invokePoller = localDoorbellAnswerer({
    adapters: parts.adapters,
    policy: parts.policy,
    doc: DynamoDBDocumentClient.from(parts.dynamoClient),
    tableName: parts.tableName,
    onPoll: (report) => {
      if (alertedAt === undefined && report.events.some((event) => event.portoutId === id)) alertedAt = Date.now();
    },
  });
  const signer = createWebhookSigner();
  const receiver = await startLocalWebhookReceiver({ publicKey: signer.publicKey, invokePoller });
  const signed = sendSimulatorWebhooks(sim, { url: receiver.url, signer });
  try {
    write(`  (webhooks on: the simulator signs each change with a fresh Ed25519 key and posts it to ${receiver.url})\n`);
    const now = Date.now();
    const filedAt = signed.file({
      id,
      record_type: 'portout',
      status: 'pending',
      phone_numbers: ['+13035550177'],
      support_key: 'PO_100209',
      carrier_name: 'Unknown MVNO',
      spid: '6214',
      pon: 'PON-100209',
      foc_date: new Date(now + 30 * HOUR).toISOString(),
      requested_foc_date: new Date(now + 30 * HOUR).toISOString(),
      end_user_name: 'Acme Logistics',
      created_at: new Date(now).toISOString(),
      inserted_at: new Date(now).toISOString(),
      updated_at: new Date(now).toISOString(),
    });
    await signed.settled();
    await receiver.settled();
    const answered = signed.answers.join(', ');
    write(
      alertedAt === undefined
        ? `  → the webhook was answered ${answered}, but no alert yet: the scheduled poll is the safety net\n`
        : `  → webhook answered ${answered}; alert published ${((alertedAt - filedAt) / 1000).toFixed(1)} s after the request was filed ` +
            `(on the schedule alone: up to ${intervalMinutes} minutes)\n`,
    );
  } finally {
    signed.stop();
    await receiver.close();
  }
}
