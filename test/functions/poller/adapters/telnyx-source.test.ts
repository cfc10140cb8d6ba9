import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTelnyxSource,
  MAX_RESPONSE_BYTES,
  TelnyxAuthError,
  type RequestLimit,
  type TelnyxSourceOptions,
} from '../../../../functions/poller/adapters/telnyx-source.ts';
import { createLimiter } from '../../../../functions/poller/core/concurrency.ts';
import type { PortoutSource } from '../../../../functions/poller/core/ports.ts';
import { startTelnyxSimulator, type TelnyxSimulator } from '../../../../local/telnyx-simulator.ts';
import { telnyxPortout } from '../../../support/factories.ts';

function spread(times: number[]): number {
  return Math.max(...times) - Math.min(...times);
}

function many(count: number, status = 'pending', prefix = 'p') {
  return Array.from({ length: count }, (_, i) => telnyxPortout({ id: `${prefix}-${String(i).padStart(5, '0')}`, status }));
}

describe('Telnyx source (official SDK against the simulator)', () => {
  let sim: TelnyxSimulator;
  let waits: number[];
  let keyReads: boolean[];
  let keyToGive: string;
  const deadline = () => Date.now() + 30_000;

  function source(overrides: Partial<TelnyxSourceOptions> = {}): PortoutSource {
    return createTelnyxSource({
      baseURL: sim.baseUrl,
      timeoutMs: 2_000,
      concurrency: 4,
      getApiKey: async (refresh) => {
        keyReads.push(refresh);
        return keyToGive;
      },
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...overrides,
    });
  }

  beforeAll(async () => {
    sim = await startTelnyxSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    for (const record of sim.records()) if (typeof record.id === 'string') sim.remove(record.id);
    sim.clearFaults();
    sim.setLatency(0);
    sim.onListPage(undefined);
    sim.resetRequests();
    waits = [];
    keyReads = [];
    keyToGive = sim.apiKey;
  });

  describe('listing', () => {
    it('lists every watched port-out in ceil(N/250) requests with one status_in query', async () => {
      sim.upsert(...many(600), ...many(5, 'rejected-pending', 'r'), ...many(7, 'authorized', 'a'));
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.complete).toBe(true);
      expect(listing.portouts).toHaveLength(605);
      expect(sim.requests).toHaveLength(3);
      const query = sim.requests[0]!.query;
      expect(query.get('filter[status_in]')).toBe('pending,rejected-pending');
      expect(query.get('page[size]')).toBe('250');
      expect(sim.requests.map((r) => r.query.get('page[number]')).sort()).toEqual(['1', '2', '3']);
    });

    it('fetches the pages after the first concurrently once total_pages is known', async () => {
      sim.upsert(...many(1_250));
      sim.setLatency(100);
      await source().listWatchedPortouts(deadline());
      const later = sim.requests.filter((r) => r.query.get('page[number]') !== '1').map((r) => r.at);
      expect(later).toHaveLength(4);
      // Sequential paging would space them >= 100 ms apart.
      expect(Math.max(...later) - Math.min(...later)).toBeLessThan(80);
    });

    it('a warm source asks for last time\'s pages at once, saving the round trip to page 1', async () => {
      sim.upsert(...many(1_000));
      sim.setLatency(100);
      const telnyx = source();
      await telnyx.listWatchedPortouts(deadline());
      const firstSpread = spread(sim.requests.map((r) => r.at));
      sim.resetRequests();
      const again = await telnyx.listWatchedPortouts(deadline());
      expect(again.portouts).toHaveLength(1_000);
      expect(sim.requests).toHaveLength(4);
      // Cold: page 1, then pages 2-4 a round trip later. Warm: all four together.
      expect(firstSpread).toBeGreaterThanOrEqual(90);
      expect(spread(sim.requests.map((r) => r.at))).toBeLessThan(60);
    });

    it('stays correct when the listing got shorter than last time', async () => {
      sim.upsert(...many(1_000));
      const telnyx = source();
      await telnyx.listWatchedPortouts(deadline());
      for (let i = 100; i < 1_000; i++) sim.remove(`p-${String(i).padStart(5, '0')}`);
      const again = await telnyx.listWatchedPortouts(deadline());
      expect(again).toMatchObject({ complete: true, failures: [] });
      expect(again.portouts).toHaveLength(100);
    });

    it('pages sequentially and stops at the first short page when page_number is missing', async () => {
      sim.upsert(...many(520));
      sim.injectFault({ match: { route: 'list' }, times: Infinity, meta: { total_pages: 3, page_size: 250 } });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.portouts).toHaveLength(520);
      expect(listing.complete).toBe(true);
      expect(sim.requests).toHaveLength(3);
    });

    it('terminates when meta is missing altogether and the data ends on a full page', async () => {
      sim.upsert(...many(500));
      sim.injectFault({ match: { route: 'list' }, times: Infinity, meta: null });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.portouts).toHaveLength(500);
      expect(sim.requests).toHaveLength(3);
    });

    it('stops at an empty page when total_pages claims more pages than there is data', async () => {
      sim.upsert(...many(300));
      sim.injectFault({ match: { route: 'list', pageNumber: 1 }, meta: { page_number: 1, page_size: 250, total_pages: 50, total_results: 12_500 } });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.portouts).toHaveLength(300);
      // Page 2 is short, so at most the pages already in flight beside it are fetched.
      expect(sim.requests.length).toBeLessThanOrEqual(5);
    });

    it('marks the listing incomplete when a page fails, and keeps the pages that arrived', async () => {
      sim.upsert(...many(300));
      sim.injectFault({ match: { route: 'list', pageNumber: 2 }, status: 500, times: Infinity });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.complete).toBe(false);
      expect(listing.portouts).toHaveLength(250);
      expect(listing.failures).toEqual([{ kind: 'server-error', detail: 'HTTP 500 after 3 attempt(s)', pageNumber: 2 }]);
    });

    it('deduplicates a port-out that shifted onto two pages', async () => {
      sim.upsert(...many(300));
      sim.onListPage((page) => {
        // Between page 1 and page 2, an early request leaves: everything shifts one place left.
        if (page === 2) sim.remove('p-00000');
      });
      const listing = await source({ concurrency: 1 }).listWatchedPortouts(deadline());
      const ids = listing.portouts.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      // p-00250 shifted onto page 1 after it was read: the diff looks it up rather than calling it gone.
      expect(ids).not.toContain('p-00250');
      expect(ids).toHaveLength(299);
    });

    it('checks statuses client-side: items outside the filter are dropped and counted', async () => {
      sim.upsert(telnyxPortout({ id: 'w1' }));
      sim.injectFault({
        match: { route: 'list' },
        body: JSON.stringify({ data: [telnyxPortout({ id: 'w1' }), telnyxPortout({ id: 'x1', status: 'ported' })], meta: { page_number: 1, total_pages: 1 } }),
        contentType: 'application/json',
      });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.portouts.map((p) => p.id)).toEqual(['w1']);
      expect(listing.unwatchedDropped).toBe(1);
    });

    it('accepts nulls where Telnyx documents strings, and normalises them', async () => {
      sim.upsert(telnyxPortout({ id: 'n1', foc_date: null, pon: null, end_user_name: null, phone_numbers: null, support_key: null }));
      const [item] = (await source().listWatchedPortouts(deadline())).portouts;
      expect(item).toMatchObject({ id: 'n1', focDate: null, pon: null, endUserName: null, phoneNumbers: [], supportKey: null });
    });

    it('fails open on odd field shapes: the item is listed, each unreadable field named', async () => {
      const items = [
        telnyxPortout({ id: 'ok' }),
        telnyxPortout({ id: 'odd-numbers', phone_numbers: '+13035551212' }),
        telnyxPortout({ id: 'odd-dates', foc_date: 'TBD', created_at: 'yesterday', carrier_name: 42 }),
      ];
      sim.injectFault({ match: { route: 'list' }, body: JSON.stringify({ data: items, meta: { page_number: 1, total_pages: 1 } }) });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.portouts.map((p) => [p.id, p.unreadable.map((entry) => entry.field)])).toEqual([
        ['ok', []],
        ['odd-numbers', ['phone_numbers']],
        ['odd-dates', ['carrier_name', 'foc_date', 'created_at']],
      ]);
      expect(listing.invalid).toEqual([]);
      expect(listing.complete).toBe(true);
    });

    it('keeps a status it does not know: the server listed it as watched', async () => {
      const items = [telnyxPortout({ id: 'held', status: 'on-hold' }), telnyxPortout({ id: 'x1', status: 'ported' })];
      sim.injectFault({ match: { route: 'list' }, body: JSON.stringify({ data: items, meta: { page_number: 1, total_pages: 1 } }) });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.portouts.map((p) => [p.id, p.status])).toEqual([['held', 'on-hold']]);
      expect(listing.unwatchedDropped).toBe(1);
    });

    it('sets aside only items without a usable status, naming the field but never the value', async () => {
      const items = [telnyxPortout({ id: 'ok' }), telnyxPortout({ id: 'no-status', status: null, end_user_name: '+13035551212' })];
      sim.injectFault({ match: { route: 'list' }, body: JSON.stringify({ data: items, meta: { page_number: 1, total_pages: 1 } }) });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.portouts.map((p) => p.id)).toEqual(['ok']);
      expect(listing.invalid).toEqual([{ id: 'no-status', problem: 'status: missing' }]);
      expect(JSON.stringify(listing.invalid)).not.toContain('+1303');
      expect(listing.complete).toBe(true);
    });

    it.each([
      ['another page number than asked', { page_number: 2, page_size: 250, total_pages: 1 }, 'meta.page_number: 2 on the answer for page 1'],
      ['a negative total_pages', { page_number: 1, total_pages: -3 }, 'meta.total_pages: not a whole number from 0 up'],
      ['a fractional total_results', { page_number: 1, total_results: 0.5 }, 'meta.total_results: not a whole number from 0 up'],
    ])('a listing whose meta contradicts the request (%s) is incomplete', async (_name, meta, detail) => {
      sim.upsert(telnyxPortout({ id: 'ok' }));
      sim.injectFault({ match: { route: 'list' }, meta });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.complete).toBe(false);
      expect(listing.failures).toEqual([{ kind: 'malformed-response', detail, pageNumber: 1 }]);
    });

    it('treats an item with no id as an incomplete listing: it could be any tracked request', async () => {
      sim.upsert(telnyxPortout({ id: 'ok' }));
      sim.injectFault({
        match: { route: 'list' },
        body: JSON.stringify({ data: [telnyxPortout({ id: 'ok' }), { status: 'pending' }], meta: { page_number: 1, total_pages: 1 } }),
      });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.complete).toBe(false);
      expect(listing.invalid).toEqual([{ id: null, problem: 'id: missing' }]);
    });

    it.each([
      { name: 'a non-JSON body', fault: { body: '<html>502 Bad Gateway</html>', contentType: 'text/html' }, detail: 'content-type text/html is not JSON' },
      { name: 'JSON that does not parse', fault: { body: '{"data": [', contentType: 'application/json' }, detail: 'body is not valid JSON' },
      { name: 'JSON missing data', fault: { body: '{"meta": {}}', contentType: 'application/json' }, detail: 'data: missing' },
    ])('reports $name as a malformed page, not as an empty listing', async ({ fault, detail }) => {
      sim.upsert(telnyxPortout({ id: 'ok' }));
      sim.injectFault({ match: { route: 'list' }, ...fault });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.complete).toBe(false);
      expect(listing.failures).toEqual([{ kind: 'malformed-response', detail, pageNumber: 1 }]);
    });

    it('caps the response size', async () => {
      sim.injectFault({ match: { route: 'list' }, body: `{"data": ["${'x'.repeat(MAX_RESPONSE_BYTES)}"]}`, contentType: 'application/json' });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.failures[0]?.detail).toMatch(/exceeds the 4194304-byte cap/);
    });
  });

  describe('retries and the deadline', () => {
    it.each([
      { form: 'seconds', retryAfter: '2', expected: 2_000 },
      { form: 'an HTTP date', retryAfter: () => new Date(Date.now() + 3_000).toUTCString(), expected: 3_000 },
    ])('waits as long as Retry-After says ($form), then retries', async ({ retryAfter, expected }) => {
      sim.upsert(telnyxPortout({ id: 'ok' }));
      sim.injectFault({ match: { route: 'list' }, status: 429, retryAfter: typeof retryAfter === 'function' ? retryAfter() : retryAfter });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.complete).toBe(true);
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThan(expected - 1_100);
      expect(waits[0]).toBeLessThanOrEqual(expected);
    });

    it('gives up at once when Retry-After runs past the run deadline', async () => {
      sim.injectFault({ match: { route: 'list' }, status: 429, retryAfter: '3600' });
      const listing = await source().listWatchedPortouts(Date.now() + 10_000);
      expect(waits).toEqual([]);
      expect(listing.complete).toBe(false);
      expect(listing.failures[0]).toMatchObject({ kind: 'rate-limited' });
      expect(listing.failures[0]?.detail).toMatch(/runs past the run's deadline/);
    });

    it.each([502, 503])('retries a %d with backoff and succeeds', async (status) => {
      sim.upsert(telnyxPortout({ id: 'ok' }));
      sim.injectFault({ match: { route: 'list' }, status, times: 2 });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.complete).toBe(true);
      expect(waits).toEqual([500, 1_000]);
      expect(sim.requests).toHaveLength(3);
    });

    it('reports a connection reset after bounded retries', async () => {
      sim.injectFault({ match: { route: 'list' }, resetConnection: true, times: Infinity });
      const listing = await source().listWatchedPortouts(deadline());
      expect(listing.failures).toEqual([{ kind: 'connection', detail: 'connection failed after 3 attempt(s)', pageNumber: 1 }]);
    });

    it('times out a response slower than the client timeout', async () => {
      sim.injectFault({ match: { route: 'list' }, delayMs: 1_000, times: Infinity });
      const listing = await source({ timeoutMs: 100 }).listWatchedPortouts(deadline());
      expect(listing.failures).toEqual([{ kind: 'timeout', detail: 'request timed out after 3 attempt(s)', pageNumber: 1 }]);
    });

    it('each request takes a slot of `limit`, and its timeout only starts once it has one', async () => {
      sim.upsert(...many(1_250));
      sim.setLatency(150);
      const oneSlot = createLimiter(1);
      let slotsTaken = 0;
      const limit: RequestLimit = (task) => {
        slotsTaken += 1;
        return oneSlot(task);
      };
      // Pages 2-5 go out together and queue for the one slot: the last waits ~450 ms, past its 300 ms timeout.
      const listing = await source({ limit, timeoutMs: 300 }).listWatchedPortouts(deadline());
      expect(listing).toMatchObject({ complete: true, failures: [] });
      expect(listing.portouts).toHaveLength(1_250);
      expect(waits).toEqual([]);
      expect(slotsTaken).toBe(5);
    });

    it('a request whose slot comes after the deadline is not sent', async () => {
      let now = 1_000_000;
      const lateSlot: RequestLimit = (task) => {
        now += 60_000;
        return task();
      };
      const telnyx = source({ limit: lateSlot, clock: () => now });
      const listing = await telnyx.listWatchedPortouts(now + 30_000);
      expect(listing.failures).toEqual([{ kind: 'deadline', detail: 'the run reached its deadline before this request', pageNumber: 1 }]);
      expect(sim.requests).toEqual([]);
      expect(telnyx.requestCount()).toBe(0);
    });

    it('never lets one attempt run past the deadline', async () => {
      sim.injectFault({ match: { route: 'list' }, delayMs: 1_000, times: Infinity });
      const started = Date.now();
      const listing = await source({ timeoutMs: 10_000, sleep: async () => {} }).listWatchedPortouts(Date.now() + 300);
      expect(Date.now() - started).toBeLessThan(900);
      expect(listing.complete).toBe(false);
    });
  });

  describe('authentication', () => {
    it('reads the key once for requests that start together', async () => {
      const telnyx = source();
      await Promise.all([
        telnyx.listWatchedPortouts(deadline()),
        telnyx.listRejectedSince('2026-11-24T12:00:00.000Z', deadline()),
        telnyx.listCommentsSince('2026-11-24T12:00:00.000Z', deadline()),
      ]);
      expect(keyReads).toEqual([false]);
    });

    it('re-reads the key once when requests that started together all get a 401', async () => {
      const oldKey = sim.apiKey;
      sim.setApiKey('KEY_ROTATED');
      let reads = 0;
      const telnyx = source({ getApiKey: async (refresh) => (keyReads.push(refresh), reads++ === 0 ? oldKey : 'KEY_ROTATED') });
      const results = await Promise.all([
        telnyx.listWatchedPortouts(deadline()),
        telnyx.listRejectedSince('2026-11-24T12:00:00.000Z', deadline()),
        telnyx.listCommentsSince('2026-11-24T12:00:00.000Z', deadline()),
      ]);
      expect(results.map((r) => r.complete)).toEqual([true, true, true]);
      expect(keyReads).toEqual([false, true]);
      sim.setApiKey(oldKey);
    });

    it('tries the key again on the next request after a failed read', async () => {
      let reads = 0;
      const telnyx = source({
        getApiKey: async () => {
          if (reads++ === 0) throw new Error('Secrets Manager throttled');
          return sim.apiKey;
        },
      });
      await expect(telnyx.listWatchedPortouts(deadline())).rejects.toThrow('Secrets Manager throttled');
      expect((await telnyx.listWatchedPortouts(deadline())).complete).toBe(true);
    });

    it('re-reads the key once after a 401 (it may have been rotated) and carries on', async () => {
      sim.upsert(telnyxPortout({ id: 'ok' }));
      const oldKey = sim.apiKey;
      sim.setApiKey('KEY_ROTATED');
      let reads = 0;
      const listing = await source({
        getApiKey: async () => (reads++ === 0 ? oldKey : 'KEY_ROTATED'),
      }).listWatchedPortouts(deadline());
      expect(listing.complete).toBe(true);
      expect(reads).toBe(2);
      sim.setApiKey(oldKey);
    });

    it('fails with an error naming the credential when the fresh key is refused too', async () => {
      keyToGive = 'KEY_WRONG';
      const run = source().listWatchedPortouts(deadline());
      await expect(run).rejects.toBeInstanceOf(TelnyxAuthError);
      await expect(run).rejects.toThrow(/TELNYX_API_KEY_SECRET_ARN/);
      expect(keyReads).toEqual([false, true]);
    });
  });

  describe('retrieve', () => {
    it('fetches one port-out by id', async () => {
      sim.upsert(telnyxPortout({ id: 'r1', status: 'authorized' }));
      expect(await source().retrievePortout('r1', deadline())).toMatchObject({ kind: 'found', portout: { id: 'r1', status: 'authorized' } });
    });

    it("turns a 404 with Telnyx's error envelope into not-found", async () => {
      expect(await source().retrievePortout('gone', deadline())).toEqual({ kind: 'not-found' });
    });

    it.each([
      ['an HTML page from a proxy', { body: '<html><body>404 Not Found</body></html>', contentType: 'text/html' }],
      ['an empty body', { body: '' }],
      ["a mock server's own 404 (Prism)", { body: '{"type":"https://stoplight.io/prism/errors#NO_PATH_MATCHED_ERROR","title":"Route not resolved, no path matched","status":404}', contentType: 'application/problem+json' }],
      ['an empty errors list', { body: '{"errors":[]}' }],
      ['errors that are not objects', { body: '{"errors":["not found"]}' }],
    ])('takes a 404 with %s as a failed lookup, not as gone', async (_name, fault) => {
      sim.injectFault({ match: { route: 'retrieve' }, status: 404, ...fault });
      expect(await source().retrievePortout('gone', deadline())).toMatchObject({
        kind: 'failed',
        failure: { kind: 'client-error', detail: expect.stringContaining("HTTP 404 without Telnyx's error envelope") },
      });
    });

    it('reads a looked-up port-out with odd field shapes, failing open', async () => {
      sim.upsert(telnyxPortout({ id: 'r2', status: 'authorized', foc_date: 'TBD' }));
      expect(await source().retrievePortout('r2', deadline())).toMatchObject({
        kind: 'found',
        portout: { id: 'r2', status: 'authorized', focDate: null, unreadable: [{ field: 'foc_date', value: '"TBD"' }] },
      });
    });

    it('refuses an id with an unexpected shape without sending it', async () => {
      expect(await source().retrievePortout('../../etc', deadline())).toEqual({ kind: 'invalid', problem: 'id has an unexpected shape' });
      expect(sim.requests).toHaveLength(0);
    });

    it('reports a 500 as a failure, not as gone', async () => {
      sim.upsert(telnyxPortout({ id: 'r1' }));
      sim.injectFault({ match: { route: 'retrieve' }, status: 500, times: Infinity });
      expect(await source().retrievePortout('r1', deadline())).toMatchObject({ kind: 'failed', failure: { kind: 'server-error' } });
    });
  });

  it('counts every request it sends, retries included', async () => {
    sim.injectFault({ match: { route: 'list' }, status: 503 });
    const telnyx = source();
    await telnyx.listWatchedPortouts(deadline());
    expect(telnyx.requestCount()).toBe(2);
  });

  describe('the fraud-gap query', () => {
    it('asks for rejected requests created since the look-back start, and checks the status itself', async () => {
      sim.upsert(
        telnyxPortout({ id: 'old', status: 'rejected', inserted_at: '2026-11-01T00:00:00.000Z' }),
        telnyxPortout({ id: 'new', status: 'rejected', inserted_at: '2026-11-27T09:00:00.000Z' }),
        telnyxPortout({ id: 'pend', status: 'pending', inserted_at: '2026-11-27T09:00:00.000Z' }),
      );
      const rejected = await source().listRejectedSince('2026-11-24T12:00:00.000Z', deadline());
      expect(rejected).toMatchObject({ complete: true, failures: [], invalid: [] });
      expect(rejected.portouts.map((p) => p.id)).toEqual(['new']);
      const query = sim.requests[0]!.query;
      expect(query.get('filter[status]')).toBe('rejected');
      expect(query.get('filter[inserted_at][gte]')).toBe('2026-11-24T12:00:00.000Z');
    });

    it('keeps a status it does not know and fails open on odd fields: it may be a new kind of rejection', async () => {
      const items = [
        telnyxPortout({ id: 'odd', status: 'rejected', carrier_name: ['x'] }),
        telnyxPortout({ id: 'new-kind', status: 'rejected-pin' }),
        telnyxPortout({ id: 'pend', status: 'pending' }),
      ];
      sim.injectFault({ match: { route: 'list' }, body: JSON.stringify({ data: items, meta: { page_number: 1, total_pages: 1 } }) });
      const rejected = await source().listRejectedSince('2026-11-24T12:00:00.000Z', deadline());
      expect(rejected.portouts.map((p) => [p.id, p.status, p.unreadable.map((entry) => entry.field)])).toEqual([
        ['odd', 'rejected', ['carrier_name']],
        ['new-kind', 'rejected-pin', []],
      ]);
    });

    it('reports a failed page as incomplete', async () => {
      sim.injectFault({ match: { route: 'list' }, status: 500, times: Infinity });
      const rejected = await source().listRejectedSince('2026-11-24T12:00:00.000Z', deadline());
      expect(rejected.complete).toBe(false);
      expect(rejected.failures[0]).toMatchObject({ kind: 'server-error' });
    });
  });

  describe('the comment feed', () => {
    it('reads new-comment events since the look-back start, marking Telnyx staff comments', async () => {
      sim.upsert(telnyxPortout({ id: 'a' }));
      sim.addComment('a', { body: 'Rejection reason not valid', userId: null, createdAt: '2026-11-27T10:00:00.000Z' });
      sim.addComment('a', { body: 'We will port on the FOC date', userId: 'c3a2e7a4-0000-4000-8000-000000000001', createdAt: '2026-11-27T10:05:00.000Z' });
      sim.setStatus('a', 'rejected-pending');
      const feed = await source().listCommentsSince('2026-11-24T12:00:00.000Z', deadline());
      expect(feed).toMatchObject({ complete: true, invalid: [], failures: [] });
      expect(feed.comments.map(({ portoutId, body, byTelnyxStaff, createdAt }) => ({ portoutId, body, byTelnyxStaff, createdAt }))).toEqual([
        { portoutId: 'a', body: 'Rejection reason not valid', byTelnyxStaff: true, createdAt: '2026-11-27T10:00:00.000Z' },
        { portoutId: 'a', body: 'We will port on the FOC date', byTelnyxStaff: false, createdAt: '2026-11-27T10:05:00.000Z' },
      ]);
      const query = sim.requests[0]!.query;
      expect(sim.requests[0]!.path).toBe('/v2/portouts/events');
      expect(query.get('filter[event_type]')).toBe('portout.new_comment');
      expect(query.get('filter[created_at][gte]')).toBe('2026-11-24T12:00:00.000Z');
    });

    it('reports a feed that answers 404 as a failed listing, without failing the run', async () => {
      sim.injectFault({ match: { route: 'events' }, status: 404 });
      const feed = await source().listCommentsSince('2026-11-24T12:00:00.000Z', deadline());
      expect(feed).toMatchObject({ complete: false, failures: [{ kind: 'client-error', detail: 'HTTP 404 for a listing', pageNumber: 1 }] });
    });

    it('holds back feed entries with no usable time, naming the field, and alerts odd bodies as unreadable', async () => {
      const entry = (id: string, createdAt: string, payload: Record<string, unknown>) => ({
        id,
        event_type: 'portout.new_comment',
        portout_id: 'a',
        created_at: createdAt,
        payload,
      });
      sim.injectFault({
        match: { route: 'events' },
        body: JSON.stringify({
          data: [entry('e1', 'soon', { comment: 'x' }), entry('e2', '2026-11-27T10:00:00Z', { comment: 42, user_id: null })],
          meta: { page_number: 1, total_pages: 1 },
        }),
      });
      const feed = await source().listCommentsSince('2026-11-24T12:00:00.000Z', deadline());
      expect(feed).toMatchObject({
        comments: [{ id: 'e2', body: '', byTelnyxStaff: true, unreadable: [{ field: 'payload.comment', value: '42' }] }],
        invalid: [{ id: null, problem: 'comment feed entry: created_at: missing or not a date' }],
        complete: true,
      });
    });

    it('passes over status and FOC events a feed lists when it ignores filter[event_type]: not comments, not odd data', async () => {
      const event = (id: string, eventType: string, payload: Record<string, unknown>) => ({
        id,
        event_type: eventType,
        portout_id: 'a',
        created_at: '2026-11-27T10:00:00Z',
        payload,
      });
      sim.injectFault({
        match: { route: 'events' },
        body: JSON.stringify({
          data: [
            event('e1', 'portout.status_changed', { status: 'authorized' }),
            event('e2', 'portout.foc_date_changed', { foc_date: '2026-12-01T00:00:00Z' }),
            event('e3', 'portout.new_comment', { comment: 'Please call us.', user_id: 'u1' }),
          ],
          meta: { page_number: 1, total_pages: 1 },
        }),
      });
      const feed = await source().listCommentsSince('2026-11-24T12:00:00.000Z', deadline());
      expect(feed.comments.map((comment) => comment.id)).toEqual(['e3']);
      expect(feed).toMatchObject({ invalid: [], complete: true });
    });
  });
});
