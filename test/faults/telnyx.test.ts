import { clearCaches } from '@aws-lambda-powertools/parameters';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultLab, describeRun } from '../support/fault-lab.ts';
import { pendingPortouts, portoutId, storyPortout, watchSevenAndChange } from '../support/fault-stories.ts';

const area = 'Telnyx API';
let lab: FaultLab;
afterEach(() => lab?.close());

async function startLab(options: { telnyxTimeoutMs?: number } = {}) {
  lab = await FaultLab.create({ area, pageSize: 5, ...options });
  await watchSevenAndChange(lab);
  return lab;
}

describe('Telnyx faults, staged with the simulator', () => {
  it('429 with Retry-After in seconds: waits that long, then carries on', async () => {
    await startLab();
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 1 }, status: 429, retryAfter: '2' });
    expect((await lab.poll()).outcome).toBe('ok');
    expect(lab.sleeps).toContain(2_000);
    lab.conclude({
      fault: '429 on page 1 with `Retry-After: 2`',
      happens: 'waits the 2 s asked for, retries, and the run completes',
    });
  });

  it('429 with Retry-After as an HTTP date: waits until then', async () => {
    await startLab();
    const at = new Date(lab.clock.now() + POLL_GAP_MS + 4_000).toUTCString();
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 1 }, status: 429, retryAfter: at });
    expect((await lab.poll()).outcome).toBe('ok');
    const wait = lab.sleeps.at(-1) ?? 0;
    expect(wait).toBeGreaterThan(2_000);
    expect(wait).toBeLessThanOrEqual(4_000);
    lab.conclude({
      fault: '429 with `Retry-After` as an HTTP date 4 s ahead',
      happens: 'waits until that date (to the second), retries, and the run completes',
    });
  });

  it('429 with a Retry-After longer than the run has left: no wait, nothing concluded, the next run delivers', async () => {
    await startLab();
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 2 }, status: 429, retryAfter: '600' });
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(lab.sleeps.every((ms) => ms < 600_000)).toBe(true);
    expect(describeRun(run)).toContain("runs past the run's deadline");
    expect(run.report?.missingLookedUp).toBe(0);
    await lab.settle();
    lab.conclude({
      fault: '429 on page 2 with `Retry-After: 600` (longer than the run has left)',
      happens:
        "doesn't wait; page 2 counts as failed, so the listing is incomplete and no port-out is concluded gone; page 1's alerts go out; the next run sends the rest",
    });
  });

  for (const status of [500, 502, 503]) {
    it(`${status} once: retried within the run`, async () => {
      await startLab();
      lab.sim.injectFault({ match: { route: 'list', pageNumber: 1 }, status });
      expect((await lab.poll()).outcome).toBe('ok');
      lab.conclude({ fault: `${status} once on page 1`, happens: 'retried after 0.5 s; the run completes' });
    });
  }

  it('502 on page 2 for the whole run: page 1 is alerted, nothing is concluded gone, the next run sends the rest', async () => {
    await startLab();
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 2 }, status: 502, times: 3 });
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.report?.missingLookedUp).toBe(0);
    expect(run.metrics.get('TelnyxErrors{kind=server-error}')).toBe(1);
    await lab.settle();
    lab.conclude({
      fault: '502 on page 2, all 3 attempts',
      happens: "page 1's alerts go out; the incomplete listing concludes nothing about the others; the next run sends the rest",
    });
  });

  it('503 on every request for a whole run: nothing is published or recorded, the next run sends everything', async () => {
    await startLab();
    const callsBefore = lab.sns.calls;
    lab.sim.injectFault({ status: 503, times: Infinity });
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(lab.sns.calls).toBe(callsBefore);
    lab.sim.clearFaults();
    await lab.settle();
    lab.conclude({
      fault: '503 on every request for a whole run',
      happens: 'run ends partial with nothing published or written; the next run sends every alert',
    });
  });

  it('a connection reset: retried', async () => {
    await startLab();
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 1 }, resetConnection: true, times: 2 });
    expect((await lab.poll()).outcome).toBe('ok');
    lab.conclude({ fault: 'connection reset twice on page 1', happens: 'retried (3 attempts); the run completes' });
  });

  it('a response slower than the client timeout: abandoned and retried', async () => {
    await startLab({ telnyxTimeoutMs: 400 });
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 1 }, delayMs: 1_500 });
    expect((await lab.poll()).outcome).toBe('ok');
    lab.conclude({
      fault: 'page 1 answers after 1.5 s with a 400 ms client timeout',
      happens: 'the request is abandoned at 400 ms and retried; the run completes',
    });
  });

  it('a response slower than the client timeout on every attempt: the run ends partial, the next run delivers', async () => {
    await startLab({ telnyxTimeoutMs: 400 });
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 2 }, delayMs: 1_500, times: 3 });
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.metrics.get('TelnyxErrors{kind=timeout}')).toBe(1);
    await lab.settle();
    lab.conclude({
      fault: 'page 2 slower than the client timeout on all 3 attempts',
      happens: 'page 2 counts as failed; nothing concluded from it; the next run sends the rest',
    });
  });

  it('a non-JSON body: the page fails and nothing is concluded', async () => {
    await startLab();
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 1 }, body: '<html>Bad gateway</html>', contentType: 'text/html' });
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.metrics.get('TelnyxErrors{kind=malformed-response}')).toBe(1);
    await lab.settle();
    lab.conclude({
      fault: 'HTML body (text/html) on page 1',
      happens: 'page refused unread; nothing published; the next run sends everything',
    });
  });

  it('a truncated JSON body: the page fails', async () => {
    await startLab();
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 1 }, body: '{"data": [{"id": "po-01"' });
    expect((await lab.poll()).outcome).toBe('partial');
    await lab.settle();
    lab.conclude({ fault: 'truncated JSON on page 1', happens: 'page failed; the next run sends everything' });
  });

  it('JSON without data: the page fails', async () => {
    await startLab();
    lab.sim.injectFault({
      match: { route: 'list', pageNumber: 1 },
      body: JSON.stringify({ meta: { page_number: 1, page_size: 5, total_pages: 2, total_results: 7 } }),
    });
    expect((await lab.poll()).outcome).toBe('partial');
    await lab.settle();
    lab.conclude({ fault: 'JSON with `meta` but no `data`', happens: 'page failed as malformed; the next run sends everything' });
  });

  it('JSON without meta: pages one by one to the first short page, and completes', async () => {
    await startLab();
    lab.sim.injectFault({ match: { route: 'list' }, meta: null, times: Infinity });
    expect((await lab.poll()).outcome).toBe('ok');
    lab.conclude({
      fault: 'no `meta` on any page',
      happens: 'pages sequentially until the first short page; the run completes',
    });
  });

  it('meta.page_number missing: pages one by one, and completes', async () => {
    await startLab();
    lab.sim.injectFault({ match: { route: 'list' }, meta: { page_size: 5, total_pages: 2, total_results: 7 }, times: Infinity });
    expect((await lab.poll()).outcome).toBe('ok');
    lab.conclude({
      fault: '`meta.page_number` missing on every page',
      happens: "metadata not trusted: pages sequentially until a short page (the SDK's own pager would loop)",
    });
  });

  it('meta.total_pages too high: stops at the first short page', async () => {
    await startLab();
    // Each page states its own number: a page_number other than the one asked for is another fault (fail-open.test.ts).
    for (let page = 1; page <= 40; page++) {
      lab.sim.injectFault({ match: { route: 'list', pageNumber: page }, meta: { page_number: page, page_size: 5, total_pages: 40, total_results: 200 }, times: Infinity });
    }
    const run = await lab.poll();
    expect(run.outcome).toBe('ok');
    expect(run.report?.pagesFetched).toBeLessThanOrEqual(5);
    lab.conclude({
      fault: '`meta.total_pages: 40` for a 2-page listing',
      happens: 'stops at the first short page (at most one round of 4 parallel requests past it)',
    });
  });

  it('meta.total_pages too low: keeps paging past a full last page', async () => {
    await startLab();
    for (const page of [1, 2, 3]) {
      lab.sim.injectFault({ match: { route: 'list', pageNumber: page }, meta: { page_number: page, page_size: 5, total_pages: 1 }, times: Infinity });
    }
    const run = await lab.poll();
    expect(run.outcome).toBe('ok');
    expect(run.report?.pagesFetched).toBe(2);
    lab.conclude({
      fault: '`meta.total_pages: 1` for a 2-page listing',
      happens: 'page 1 is full, so paging goes on to the first short page; the run completes (before the fix it stopped after page 1 and never saw page 2)',
    });
  });

  it('a server that ignores page[number]: the listing is incomplete, not endless', async () => {
    await startLab();
    lab.options.ignorePageNumber = true;
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    // Page 2 comes back saying it is page 1: the meta contradicts the request before the repeat is even compared.
    expect(describeRun(run)).toContain('meta.page_number: 1 on the answer for page 2');
    expect(run.report?.missingLookedUp).toBe(0);
    lab.options.ignorePageNumber = false;
    await lab.settle();
    lab.conclude({
      fault: 'every page request answered with page 1',
      happens: "page 2 says it is page 1, so the listing is incomplete: page 1's alerts go out, nothing is concluded gone; the next good run sends the rest",
    });
  });

  it('nulls where strings are documented: alerted with what is there', async () => {
    await startLab();
    const nulls = Object.fromEntries(
      ['support_key', 'carrier_name', 'spid', 'pon', 'foc_date', 'requested_foc_date', 'end_user_name', 'authorized_name',
        'service_address', 'city', 'state', 'zip', 'reason', 'created_at', 'updated_at', 'phone_numbers'].map((field) => [field, null]),
    );
    lab.add(storyPortout({ id: portoutId(9), ...nulls }));
    expect((await lab.poll()).outcome).toBe('ok');
    lab.conclude({
      fault: 'a new request with `null` in every documented string field (and `phone_numbers: null`)',
      happens: 'accepted as documented (Telnyx shows nulls on fresh requests) and alerted',
    });
  });

  it('a request inserted between page fetches: deduplicated, and the one that slipped past is alerted next run', async () => {
    await startLab();
    lab.sim.onListPage((page) => {
      if (page !== 2) return;
      lab.sim.onListPage(undefined);
      // Sorts first, so every item moves one place down: page 2 repeats the end of page 1.
      lab.add(storyPortout({ id: 'early-1', inserted_at: '2020-01-01T00:00:00Z' }));
    });
    const first = await lab.poll();
    expect(first.outcome).toBe('ok');
    // Whether page 1 was read before the insert depends on timing (a warm source asks for pages 1 and 2 at once).
    const slipped = !lab.sns.deliveries.some((delivery) => delivery.portoutId === 'early-1');
    await lab.settle();
    expect(lab.sns.deliveries.filter((delivery) => delivery.portoutId === 'early-1')).toHaveLength(1);
    lab.conclude({
      fault: 'a request inserted at the head of the listing while page 2 is fetched',
      happens: slipped
        ? 'the shifted item is seen twice and deduplicated; the new one (on page 1, already read) is alerted by the next run'
        : 'the shifted item is seen twice and deduplicated; the new one is alerted in the same run (page 1 went out with page 2)',
    });
  });

  it('a request leaving between page fetches: no one is missed or called gone', async () => {
    lab = await FaultLab.create({ area, pageSize: 5 });
    lab.add(...pendingPortouts(7));
    await lab.startWatching();
    lab.sim.onListPage((page) => {
      if (page !== 2) return;
      lab.sim.onListPage(undefined);
      // po-01 was on page 1; everything after it moves up, so the first item of page 2 slips onto page 1.
      lab.setStatus(portoutId(1), 'authorized');
    });
    const run = await lab.poll();
    expect(run.report?.missingLookedUp).toBeGreaterThan(0);
    await lab.settle();
    lab.conclude({
      fault: 'a request leaves the listing (authorized) while page 2 is fetched',
      happens:
        'the item that slid onto page 1 is missing from a complete listing, so it is looked up (still pending: nothing said); the authorization is alerted by the next run',
    });
  });
});

describe('a 401 after the key is rotated (key read from Secrets Manager)', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  let secretValue = '';
  afterEach(() => {
    secretsManager.reset();
    clearCaches();
  });

  async function startWithSecret() {
    clearCaches();
    lab = await FaultLab.create({ area, pageSize: 5, secretId: 'portout-watch/telnyx-api-key' });
    secretValue = lab.sim.apiKey;
    secretsManager.on(GetSecretValueCommand).callsFake(() => ({ SecretString: secretValue }));
    await watchSevenAndChange(lab);
  }
  const secretReads = () => secretsManager.commandCalls(GetSecretValueCommand).length;

  it('the secret already holds the new key: re-read once, and the run completes', async () => {
    await startWithSecret();
    expect(secretReads()).toBe(1);
    lab.rotateTelnyxKey('KEY0ROTATED0000000000000001');
    secretValue = 'KEY0ROTATED0000000000000001';
    expect((await lab.poll()).outcome).toBe('ok');
    expect(secretReads()).toBe(2);
    lab.conclude({
      fault: '401 after the key was rotated (the secret holds the new key)',
      happens: 'the cached key is re-read from the secret once, the request retried with it, and the run completes',
    });
  });

  it('the secret still holds the old key: the run fails naming the secret, and the next run delivers', async () => {
    await startWithSecret();
    lab.rotateTelnyxKey('KEY0ROTATED0000000000000002');
    const run = await lab.poll();
    expect(run.outcome).toBe('threw');
    expect(run.error?.message).toMatch(/TELNYX_API_KEY_SECRET_ARN/);
    expect(run.metrics.get('TelnyxAuthFailures')).toBe(1);
    expect(run.metrics.get('PollFailed')).toBe(1);
    expect(lab.sns.deliveries.filter((delivery) => delivery.poll === lab.polls)).toEqual([]);
    secretValue = 'KEY0ROTATED0000000000000002';
    await lab.settle();
    lab.conclude({
      fault: '401 after the key was rotated, before the secret was updated',
      happens:
        're-read once, still refused: the run throws before publishing, with an error naming the secret (TelnyxAuthFailures alarm); once the secret is updated, the next run sends everything',
    });
  });
});

const POLL_GAP_MS = 5 * 60_000;
