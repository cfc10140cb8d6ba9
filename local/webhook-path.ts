/**
 * The webhook path on a laptop: a loopback HTTP server stands in for the Function URL and runs the receiver's
 * core with the SDK's verifier; its "asynchronous Invoke" starts the poller's doorbell session in-process,
 * without waiting, against the same adapters `npm start` uses.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoDoorbell } from '../functions/poller/adapters/dynamo-doorbell.ts';
import { answerDoorbell, type DoorbellReport, type WebhookTrigger } from '../functions/poller/core/doorbell.ts';
import type { AlertPolicy } from '../functions/poller/core/policy.ts';
import { runPoll, type PollReport } from '../functions/poller/core/run-poll.ts';
import type { PollerAdapters } from '../functions/poller/wiring.ts';
import { createTelnyxSignatureVerifier } from '../functions/webhook/adapters/telnyx-signature.ts';
import { answerWebhook, MAX_WEBHOOK_BYTES, type WebhookAnswer } from '../functions/webhook/core/answer-webhook.ts';

const POLL_BUDGET_MS = 60_000;

export interface LocalPollerParts {
  adapters: PollerAdapters;
  policy: AlertPolicy;
  /** The state table's document client and name: the doorbell item lives beside the records. */
  doc: DynamoDBDocumentClient;
  tableName: string;
  onPoll?: (report: PollReport, elapsedMs: number) => void;
}

/** What the poller does when the receiver invokes it with a webhook trigger. */
export function localDoorbellAnswerer(parts: LocalPollerParts): (trigger: WebhookTrigger) => Promise<DoorbellReport> {
  const doorbell = createDynamoDoorbell({ client: parts.doc, tableName: parts.tableName });
  return (trigger) => {
    const now = Date.now();
    return answerDoorbell(
      {
        doorbell,
        holder: randomUUID(),
        poll: async () => {
          const started = Date.now();
          const report = await runPoll(
            { ...parts.adapters, policy: parts.policy, runId: randomUUID() },
            { now: new Date(), deadline: started + POLL_BUDGET_MS },
          );
          parts.onPoll?.(report, Date.now() - started);
          return { alertedIds: report.events.map((event) => event.portoutId) };
        },
        currentRecords: async (ids) => (await parts.adapters.store.reloadOpen(ids, true)).records,
      },
      trigger.hint,
      { lastPollStart: now + 2 * POLL_BUDGET_MS, hardStop: now + 3 * POLL_BUDGET_MS },
    );
  };
}

export interface LocalWebhookReceiver {
  /** e.g. http://127.0.0.1:54321/ */
  readonly url: string;
  readonly answers: WebhookAnswer[];
  /** Resolves once every poller session a webhook started has finished. */
  settled(): Promise<DoorbellReport[]>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    // Stop keeping chunks once past the cap: enough for the core to refuse it as too large.
    if (size <= MAX_WEBHOOK_BYTES) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startLocalWebhookReceiver({
  publicKey,
  invokePoller,
}: {
  publicKey: string;
  invokePoller: (trigger: WebhookTrigger) => Promise<DoorbellReport>;
}): Promise<LocalWebhookReceiver> {
  const verifier = createTelnyxSignatureVerifier(publicKey);
  const answers: WebhookAnswer[] = [];
  const sessions: Array<Promise<DoorbellReport>> = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]));
      const answer = await answerWebhook(
        { method: req.method ?? 'GET', body, headers },
        {
          verify: (raw, signed) => verifier.verify(raw, signed),
          // Like InvocationType Event: queued, not awaited.
          triggerPoll: async (trigger) => {
            sessions.push(invokePoller(trigger));
          },
        },
      );
      answers.push(answer);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: answer.status === 202 }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    answers,
    async settled() {
      let count = -1;
      while (count !== sessions.length) {
        count = sessions.length;
        await Promise.all(sessions);
      }
      return Promise.all(sessions);
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
