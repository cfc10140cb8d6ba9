import Telnyx from 'telnyx';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PORTOUT_STATUSES } from '../../functions/poller/core/portout.ts';
import { startTelnyxSimulator, type TelnyxSimulator } from '../../local/telnyx-simulator.ts';
import { telnyxPortout } from '../support/factories.ts';

type ListQuery = NonNullable<Parameters<Telnyx['portouts']['list']>[0]>;

const running: TelnyxSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

async function start(records: Record<string, unknown>[] = [], options: { apiKey?: string; latencyMs?: number } = {}) {
  const sim = await startTelnyxSimulator({ records, ...options });
  running.push(sim);
  return { sim, client: sdk(sim) };
}

function sdk(sim: TelnyxSimulator, options: { apiKey?: string; maxRetries?: number; timeout?: number } = {}): Telnyx {
  return new Telnyx({ apiKey: sim.apiKey, baseURL: sim.baseUrl, maxRetries: 0, ...options });
}

async function listIds(client: Telnyx, query: ListQuery = {}): Promise<unknown[]> {
  const page = await client.portouts.list(query);
  return page.data.map((record) => record.id);
}

async function listAllIds(client: Telnyx, query: ListQuery = {}): Promise<unknown[]> {
  const ids: unknown[] = [];
  for await (const record of client.portouts.list(query)) ids.push(record.id);
  return ids;
}

/** Plain fetch, for the query forms and headers the SDK never produces. */
async function get(sim: TelnyxSimulator, pathAndQuery: string, init: { key?: string | null; method?: string } = {}) {
  const key = init.key === undefined ? sim.apiKey : init.key;
  const response = await fetch(`${sim.baseUrl}${pathAndQuery}`, {
    method: init.method ?? 'GET',
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: (): unknown => JSON.parse(text) };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

function envelope(code: string, title: string, detail: unknown, parameter?: string) {
  return {
    errors: [
      {
        code,
        title,
        detail,
        ...(parameter === undefined ? {} : { source: { parameter } }),
        meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` },
      },
    ],
  };
}

const badRequest = (parameter: string) => envelope('10015', 'Bad Request', expect.any(String), parameter);
const AUTH_FAILED = envelope('10009', 'Authentication failed', 'The required authentication headers were either invalid or not included in the request.');

describe('startTelnyxSimulator', () => {
  it('listens on 127.0.0.1 on a random port and exposes a /v2 base URL and the default key', async () => {
    const { sim } = await start();
    expect(sim.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    expect(sim.baseUrl).not.toBe('http://127.0.0.1:0/v2');
    expect(sim.apiKey).toBe('KEY_SIMULATOR');
  });

  it('close() ends a response still waiting on an injected delay, and can be called twice', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' })]);
    sim.injectFault({ delayMs: 10_000 });
    const pending = caught(client.portouts.list());
    // Close once the request is in and waiting on its delay: a fixed pause let a loaded machine close before it came.
    await vi.waitFor(() => expect(sim.requests).toHaveLength(1), { timeout: 5_000, interval: 5 });
    const before = Date.now();
    await sim.close();
    await sim.close();
    expect(Date.now() - before).toBeLessThan(500);
    const error = await pending;
    expect(error).toBeInstanceOf(Telnyx.APIConnectionError);
    expect(error).not.toBeInstanceOf(Telnyx.APIConnectionTimeoutError);
  });
});

describe('GET /v2/portouts: order and paging', () => {
  it('orders by inserted_at, then id, then insertion order; missing inserted_at or id sort last', async () => {
    const { client } = await start([
      telnyxPortout({ id: 'c', inserted_at: '2026-01-02T00:00:00.000Z' }),
      { status: 'pending', inserted_at: '2026-01-01T00:00:00.000Z' },
      telnyxPortout({ id: 'no-date', inserted_at: null }),
      telnyxPortout({ id: 'b', inserted_at: '2026-01-01T00:00:00.000Z' }),
      telnyxPortout({ id: 'a', inserted_at: '2026-01-02T00:00:00.000Z' }),
      { status: 'ported', inserted_at: '2026-01-01T00:00:00.000Z' },
    ]);
    const page = await client.portouts.list();
    expect(page.data.map((record) => record.id ?? record.status)).toEqual(['b', 'pending', 'ported', 'a', 'c', 'no-date']);
  });

  it('defaults to page 1 of 20 and reports meta', async () => {
    const { client } = await start(Array.from({ length: 25 }, (_, i) => telnyxPortout({ id: `p${String(i).padStart(2, '0')}` })));
    const page = await client.portouts.list();
    expect(page.data).toHaveLength(20);
    expect(page.data[0]?.id).toBe('p00');
    expect(page.meta).toEqual({ page_number: 1, page_size: 20, total_pages: 2, total_results: 25 });
  });

  it('serves exact slices with meta for each page, and an empty page with correct meta past the end', async () => {
    const { client } = await start(['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => telnyxPortout({ id })));
    const meta = (page_number: number) => ({ page_number, page_size: 2, total_pages: 3, total_results: 5 });

    const first = await client.portouts.list({ 'page[size]': 2 });
    expect([first.data.map((r) => r.id), first.meta]).toEqual([['p1', 'p2'], meta(1)]);
    const last = await client.portouts.list({ 'page[size]': 2, 'page[number]': 3 });
    expect([last.data.map((r) => r.id), last.meta]).toEqual([['p5'], meta(3)]);
    const beyond = await client.portouts.list({ 'page[size]': 2, 'page[number]': 9 });
    expect([beyond.data, beyond.meta]).toEqual([[], meta(9)]);
  });

  it('lets the SDK auto-paginate: every record once, one request per page', async () => {
    const { sim, client } = await start(['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => telnyxPortout({ id })));
    expect(await listAllIds(client, { 'page[size]': 2 })).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(sim.requests.map((request) => request.query.get('page[number]'))).toEqual([null, '2', '3']);
  });

  it('reports total_pages 0 when nothing matches', async () => {
    const { client } = await start([telnyxPortout({ id: 'a', status: 'ported' })]);
    const page = await client.portouts.list({ filter: { status: 'pending' } });
    expect([page.data, page.meta]).toEqual([[], { page_number: 1, page_size: 20, total_pages: 0, total_results: 0 }]);
  });

  it('accepts the maximum page size of 250', async () => {
    const { client } = await start([telnyxPortout({ id: 'a' })]);
    expect((await client.portouts.list({ 'page[size]': 250 })).meta).toEqual({ page_number: 1, page_size: 250, total_pages: 1, total_results: 1 });
  });

  it.each([
    ['page[number]=0', 'page[number]'],
    ['page[number]=-1', 'page[number]'],
    ['page[number]=1.5', 'page[number]'],
    ['page[number]=abc', 'page[number]'],
    ['page[size]=0', 'page[size]'],
    ['page[size]=251', 'page[size]'],
    ['page[size]=2.5', 'page[size]'],
    ['page[size]=1e2', 'page[size]'],
  ])('rejects %s with a 422 naming the parameter', async (query, parameter) => {
    const { sim } = await start();
    const response = await get(sim, `/portouts?${query}`);
    expect([response.status, response.json()]).toEqual([422, badRequest(parameter)]);
  });

  it('rejects out-of-range paging through the SDK as UnprocessableEntityError', async () => {
    const { client } = await start();
    const error = await caught(client.portouts.list({ 'page[size]': 251 }));
    expect(error).toBeInstanceOf(Telnyx.UnprocessableEntityError);
    expect((error as InstanceType<typeof Telnyx.APIError>).error).toEqual(badRequest('page[size]'));
  });

  it('filters and pages 10,000 records correctly', async () => {
    // Minimal records: this test is about scale, and full factory records would only slow the copy down.
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      id: `bulk-${String(i).padStart(5, '0')}`,
      status: i % 2 === 0 ? 'pending' : 'ported',
      inserted_at: '2026-11-27T10:00:00.000Z',
    }));
    const { client } = await start(records);
    const page = await client.portouts.list({ filter: { status_in: ['pending', 'rejected-pending'] }, 'page[size]': 250, 'page[number]': 20 });
    expect(page.meta).toEqual({ page_number: 20, page_size: 250, total_pages: 20, total_results: 5_000 });
    expect(page.data.map((record) => record.id)).toEqual(records.filter((record) => record.status === 'pending').slice(4_750).map((record) => record.id));
  });
});

describe('GET /v2/portouts: filters', () => {
  const oneOfEachStatus = () => PORTOUT_STATUSES.map((status) => telnyxPortout({ id: `po-${status}`, status }));

  it('filter[status_in] as the SDK sends it (comma-joined) returns exactly those statuses', async () => {
    const { sim, client } = await start(oneOfEachStatus());
    expect(await listIds(client, { filter: { status_in: ['pending', 'rejected-pending'] } })).toEqual(['po-pending', 'po-rejected-pending']);
    expect(sim.requests[0]?.query.get('filter[status_in]')).toBe('pending,rejected-pending');
  });

  it('filter[status] returns exactly that status', async () => {
    const { client } = await start(oneOfEachStatus());
    expect(await listIds(client, { filter: { status: 'rejected' } })).toEqual(['po-rejected']);
  });

  it.each([
    ['comma-joined', 'filter[status_in]=pending,rejected-pending'],
    ['bracketed', 'filter[status_in][]=pending&filter[status_in][]=rejected-pending'],
    ['repeated', 'filter[status_in]=pending&filter[status_in]=rejected-pending'],
    ['mixed', 'filter[status_in][]=pending&filter[status_in]=rejected-pending'],
  ])('accepts status_in arrays %s', async (_form, query) => {
    const { sim } = await start(oneOfEachStatus());
    const response = await get(sim, `/portouts?${query}`);
    expect(response.status).toBe(200);
    expect((response.json() as { data: { id: string }[] }).data.map((record) => record.id)).toEqual(['po-pending', 'po-rejected-pending']);
  });

  it.each([
    ['filter[status]=approved', 'filter[status]'],
    ['filter[status_in]=pending,cancelled', 'filter[status_in]'],
    ['filter[status_in][]=pending&filter[status_in][]=PENDING', 'filter[status_in]'],
    ['filter[status_in]=pending,', 'filter[status_in]'],
  ])('rejects an invalid status (%s) with a 422 naming the parameter', async (query, parameter) => {
    const { sim } = await start(oneOfEachStatus());
    const response = await get(sim, `/portouts?${query}`);
    expect([response.status, response.json()]).toEqual([422, badRequest(parameter)]);
  });

  it('an unknown status through the SDK is an UnprocessableEntityError with the Telnyx envelope', async () => {
    const { client } = await start();
    const error = await caught(client.portouts.list({ filter: { status: 'approved' as never } }));
    expect(error).toBeInstanceOf(Telnyx.UnprocessableEntityError);
    expect((error as InstanceType<typeof Telnyx.APIError>).error).toEqual(
      envelope('10015', 'Bad Request', 'approved is not a valid status; expected one of pending, authorized, ported, rejected, rejected-pending, canceled.', 'filter[status]'),
    );
  });

  it('country: the record field wins (case-insensitive), else the first number’s calling code (+1 US, +44 GB, +353 IE)', async () => {
    const { client, sim } = await start([
      telnyxPortout({ id: 'a-us', phone_numbers: ['+13035551212', '+442071234567'] }),
      telnyxPortout({ id: 'b-gb', phone_numbers: ['+442071234567'] }),
      telnyxPortout({ id: 'c-ie', phone_numbers: ['+35312345678'] }),
      telnyxPortout({ id: 'd-ca', phone_numbers: ['+14165550000'], country_code: 'CA' }),
      telnyxPortout({ id: 'e-gb-field', phone_numbers: ['+13035551212'], country_code: 'gb' }),
      telnyxPortout({ id: 'f-unknown', phone_numbers: ['+61291234567'] }),
      telnyxPortout({ id: 'g-none', phone_numbers: [] }),
      telnyxPortout({ id: 'h-no-plus', phone_numbers: ['13035551212'] }),
    ]);
    expect(await listIds(client, { filter: { country_code: 'us' } })).toEqual(['a-us']);
    expect(await listIds(client, { filter: { country_code: 'GB' } })).toEqual(['b-gb', 'e-gb-field']);
    expect(await listIds(client, { filter: { country_code_in: ['IE', 'CA'] } })).toEqual(['c-ie', 'd-ca']);
    const bracketed = await get(sim, '/portouts?filter[country_code_in][]=ie&filter[country_code_in][]=us');
    expect((bracketed.json() as { data: { id: string }[] }).data.map((record) => record.id)).toEqual(['a-us', 'c-ie']);
  });

  it.each([
    ['filter[country_code]=USA', 'filter[country_code]'],
    ['filter[country_code_in]=US,1', 'filter[country_code_in]'],
  ])('rejects a country code that is not 2 letters (%s)', async (query, parameter) => {
    const { sim } = await start();
    const response = await get(sim, `/portouts?${query}`);
    expect([response.status, response.json()]).toEqual([422, badRequest(parameter)]);
  });

  it.each([
    ['carrier_name', 'Other Carrier'],
    ['spid', 'SP1234'],
    ['pon', 'PON-Seven'],
    ['support_key', 'PO_ABC123'],
  ] as const)('filter[%s] matches the field exactly and case-sensitively', async (field, value) => {
    const { client } = await start([
      telnyxPortout({ id: 'hit', [field]: value }),
      telnyxPortout({ id: 'lower', [field]: value.toLowerCase() }),
      telnyxPortout({ id: 'prefix', [field]: `${value}X` }),
      telnyxPortout({ id: 'null', [field]: null }),
    ]);
    expect(await listIds(client, { filter: { [field]: value } })).toEqual(['hit']);
  });

  it('filter[phone_number] matches any number of the port-out, exactly', async () => {
    const { client } = await start([
      telnyxPortout({ id: 'first', phone_numbers: ['+13035551212', '+13035550000'] }),
      telnyxPortout({ id: 'second', phone_numbers: ['+13035559999', '+13035551212'] }),
      telnyxPortout({ id: 'other', phone_numbers: ['+130355512120'] }),
    ]);
    expect(await listIds(client, { filter: { phone_number: '+13035551212' } })).toEqual(['first', 'second']);
  });

  it('filter[foc_date] matches the same UTC calendar day, whatever form the filter takes', async () => {
    const { client } = await start([
      telnyxPortout({ id: 'd1-start', foc_date: '2026-12-01T00:00:00.000Z' }),
      telnyxPortout({ id: 'd2-end', foc_date: '2026-12-01T23:59:59.999Z' }),
      telnyxPortout({ id: 'day-before', foc_date: '2026-11-30T23:59:59.999Z' }),
      telnyxPortout({ id: 'day-after', foc_date: '2026-12-02T00:00:00.000Z' }),
      telnyxPortout({ id: 'null', foc_date: null }),
      telnyxPortout({ id: 'garbage', foc_date: 'soon' }),
    ]);
    for (const foc_date of ['2026-12-01', '2026-12-01T15:00:00.000Z', '2026-12-02T01:00:00+02:00']) {
      expect(await listIds(client, { filter: { foc_date } })).toEqual(['d1-start', 'd2-end']);
    }
  });

  it('filter[inserted_at][gte|lte] compare instants, inclusive; records without a date never match', async () => {
    const { client } = await start([
      telnyxPortout({ id: 'i1', inserted_at: '2026-01-01T00:00:00.000Z' }),
      telnyxPortout({ id: 'i2', inserted_at: '2026-01-02T00:00:00.000Z' }),
      telnyxPortout({ id: 'i3', inserted_at: '2026-01-03T00:00:00.000Z' }),
      telnyxPortout({ id: 'i4', inserted_at: null }),
    ]);
    const day2 = '2026-01-02T00:00:00.000Z';
    expect(await listIds(client, { filter: { inserted_at: { gte: day2 } } })).toEqual(['i2', 'i3']);
    expect(await listIds(client, { filter: { inserted_at: { lte: day2 } } })).toEqual(['i1', 'i2']);
    expect(await listIds(client, { filter: { inserted_at: { gte: day2, lte: day2 } } })).toEqual(['i2']);
    expect(await listIds(client, { filter: { inserted_at: { gte: '2026-01-01T12:00:00+01:00' } } })).toEqual(['i2', 'i3']);
  });

  it('filter[ported_out_at][gte|lte] read the record’s ported_out_at field; records without it never match', async () => {
    const { client } = await start([
      telnyxPortout({ id: 'feb', status: 'ported', ported_out_at: '2026-02-01T00:00:00.000Z' }),
      telnyxPortout({ id: 'mar', status: 'ported', ported_out_at: '2026-03-01T00:00:00.000Z' }),
      telnyxPortout({ id: 'none', status: 'ported' }),
    ]);
    expect(await listIds(client, { filter: { ported_out_at: { gte: '2026-02-15' } } })).toEqual(['mar']);
    expect(await listIds(client, { filter: { ported_out_at: { lte: '2026-02-15' } } })).toEqual(['feb']);
  });

  it.each([
    ['filter[foc_date]', '2026-02-30'],
    ['filter[foc_date]', 'tomorrow'],
    ['filter[inserted_at][gte]', '2026-01-01T10:00:00'],
    ['filter[inserted_at][lte]', '2026-01-01T24:00:00Z'],
    ['filter[ported_out_at][gte]', '2026-13-01'],
    ['filter[ported_out_at][lte]', '01/02/2026'],
  ])('rejects %s=%s (not a date, or a time without zone) with a 422', async (parameter, value) => {
    const { sim } = await start();
    const response = await get(sim, `/portouts?${encodeURIComponent(parameter)}=${encodeURIComponent(value)}`);
    expect([response.status, response.json()]).toEqual([422, badRequest(parameter)]);
  });

  it('ANDs all filters together', async () => {
    const { client } = await start([
      telnyxPortout({ id: 'all', status: 'pending', carrier_name: 'X', phone_numbers: ['+442071234567'] }),
      telnyxPortout({ id: 'wrong-status', status: 'ported', carrier_name: 'X', phone_numbers: ['+442071234567'] }),
      telnyxPortout({ id: 'wrong-carrier', status: 'pending', carrier_name: 'Y', phone_numbers: ['+442071234567'] }),
      telnyxPortout({ id: 'wrong-country', status: 'pending', carrier_name: 'X', phone_numbers: ['+13035551212'] }),
    ]);
    expect(await listIds(client, { filter: { status_in: ['pending', 'authorized'], carrier_name: 'X', country_code: 'GB' } })).toEqual(['all']);
  });

  it.each([
    ['filter[statusIn]=pending', 'filter[statusIn]'],
    ['filter[status][]=pending', 'filter[status][]'],
    ['filter[inserted_at]=2026-01-01', 'filter[inserted_at]'],
    ['page[offset]=2', 'page[offset]'],
    ['filter[status]=pending&filter[status]=ported', 'filter[status]'],
    ['filter[pon]=', 'filter[pon]'],
  ])('rejects a misspelt, repeated or empty parameter (%s) instead of ignoring it', async (query, parameter) => {
    const { sim } = await start();
    const response = await get(sim, `/portouts?${query}`);
    expect([response.status, response.json()]).toEqual([422, badRequest(parameter)]);
  });

  it('ignores query parameters outside filter[...] and page[...]', async () => {
    const { sim } = await start([telnyxPortout({ id: 'a' })]);
    expect((await get(sim, '/portouts?sort=-inserted_at&include=everything')).status).toBe(200);
  });

  it('serves schema-violating records raw and never crashes a filter on them', async () => {
    const noId = { status: 'pending' };
    const weird = { id: 'weird', status: 'approved', phone_numbers: null, foc_date: 123, inserted_at: {}, carrier_name: null, country_code: 7 };
    const numericId = { id: 42, status: null, phone_numbers: [5, '+44'], ported_out_at: false };
    const { sim, client } = await start([noId, weird, numericId]);

    expect((await client.portouts.list()).data).toEqual([weird, noId, numericId]);
    expect((await client.portouts.list({ filter: { status_in: ['pending'] } })).data).toEqual([noId]);
    const everyFilter = [
      'filter[status]=pending',
      'filter[status_in]=pending',
      'filter[country_code]=US',
      'filter[country_code_in]=US',
      'filter[carrier_name]=X',
      'filter[spid]=X',
      'filter[pon]=X',
      'filter[phone_number]=%2B44',
      'filter[support_key]=X',
      'filter[foc_date]=2026-01-01',
      'filter[inserted_at][gte]=2026-01-01',
      'filter[inserted_at][lte]=2026-01-01',
      'filter[ported_out_at][gte]=2026-01-01',
      'filter[ported_out_at][lte]=2026-01-01',
    ];
    for (const query of everyFilter) {
      expect((await get(sim, `/portouts?${query}`)).status, query).toBe(200);
    }
    expect((await client.portouts.retrieve('weird')).data).toEqual(weird);
  });
});

describe('GET /v2/portouts/{id}', () => {
  it('returns { data: record } exactly as stored, unknown fields included', async () => {
    const record = telnyxPortout({ id: 'po-1', extra_field: { nested: [1, null] } });
    const { client } = await start([record, telnyxPortout({ id: 'po-2' })]);
    expect(await client.portouts.retrieve('po-1')).toEqual({ data: record });
  });

  it('answers an unknown id with NotFoundError and the 10005 envelope', async () => {
    const { client } = await start([telnyxPortout({ id: 'po-1' })]);
    const error = await caught(client.portouts.retrieve('po-404'));
    expect(error).toBeInstanceOf(Telnyx.NotFoundError);
    expect((error as InstanceType<typeof Telnyx.APIError>).error).toEqual(envelope('10005', 'Resource not found', 'Port-out po-404 could not be found.'));
  });

  it('decodes percent-encoded ids', async () => {
    const { client } = await start([telnyxPortout({ id: 'po 1/x' })]);
    expect((await client.portouts.retrieve('po 1/x')).data?.id).toBe('po 1/x');
  });
});

describe('routing and authentication', () => {
  it.each([
    ['GET', '/portouts/po-1/comments'],
    ['GET', '/numbers'],
    ['GET', '/portouts/'],
    ['POST', '/portouts'],
    ['PATCH', '/portouts/po-1'],
  ])('answers %s %s with the 404 JSON envelope', async (method, path) => {
    const { sim } = await start([telnyxPortout({ id: 'po-1' })]);
    const response = await get(sim, path, { method });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.json()).toEqual(envelope('10005', 'Resource not found', 'The requested resource or URL could not be found.'));
  });

  it('rejects a request without Authorization with 401 and the 10009 envelope', async () => {
    const { sim } = await start();
    const response = await get(sim, '/portouts', { key: null });
    expect([response.status, response.headers.get('content-type'), response.json()]).toEqual([401, 'application/json', AUTH_FAILED]);
  });

  it('rejects a wrong key through the SDK as AuthenticationError', async () => {
    const { sim } = await start();
    const error = await caught(sdk(sim, { apiKey: 'KEY_WRONG' }).portouts.list());
    expect(error).toBeInstanceOf(Telnyx.AuthenticationError);
    expect((error as InstanceType<typeof Telnyx.APIError>).error).toEqual(AUTH_FAILED);
  });

  it('checks authentication before validation and routing', async () => {
    const { sim } = await start();
    expect((await get(sim, '/portouts?page[size]=0', { key: 'KEY_WRONG' })).status).toBe(401);
    expect((await get(sim, '/nowhere', { key: 'KEY_WRONG' })).status).toBe(401);
  });

  it('uses the apiKey option', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' })], { apiKey: 'KEY_CUSTOM' });
    expect(sim.apiKey).toBe('KEY_CUSTOM');
    expect(await listIds(client)).toEqual(['a']);
  });

  it('setApiKey rotates the key: the old key gets 401, the new one works', async () => {
    const { sim, client: oldClient } = await start([telnyxPortout({ id: 'a' })]);
    sim.setApiKey('KEY_ROTATED');
    expect(sim.apiKey).toBe('KEY_ROTATED');
    expect(await caught(oldClient.portouts.list())).toBeInstanceOf(Telnyx.AuthenticationError);
    expect(await listIds(sdk(sim))).toEqual(['a']);
  });
});

describe('record store', () => {
  it('upsert replaces by id in place and appends records without an id', async () => {
    const { sim } = await start([telnyxPortout({ id: 'a', pon: 'old' })]);
    sim.upsert(telnyxPortout({ id: 'a', pon: 'new' }), { status: 'pending' }, { status: 'pending' });
    expect(sim.records().map((record) => [record.id, record.pon ?? null])).toEqual([
      ['a', 'new'],
      [undefined, null],
      [undefined, null],
    ]);
  });

  it('copies records in and out, so callers cannot change served data by mutation', async () => {
    const input = telnyxPortout({ id: 'a', phone_numbers: ['+13035551212'] });
    const { sim, client } = await start([input]);
    input.status = 'ported';
    (input.phone_numbers as string[]).push('+13035550000');
    const out = sim.records()[0] as { status: string };
    out.status = 'canceled';
    expect((await client.portouts.retrieve('a')).data).toMatchObject({ status: 'pending', phone_numbers: ['+13035551212'] });
  });

  it('remove deletes a record from list and retrieve', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' }), telnyxPortout({ id: 'b' })]);
    sim.remove('a');
    expect(await listIds(client)).toEqual(['b']);
    expect(await caught(client.portouts.retrieve('a'))).toBeInstanceOf(Telnyx.NotFoundError);
  });

  it('setStatus changes the status and bumps updated_at strictly, even twice in the same millisecond', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a', updated_at: '2099-01-01T00:00:00.000Z' })]);
    sim.setStatus('a', 'authorized');
    sim.setStatus('a', 'ported');
    expect((await client.portouts.retrieve('a')).data).toMatchObject({ status: 'ported', updated_at: '2099-01-01T00:00:00.002Z' });

    const before = Date.now();
    sim.upsert(telnyxPortout({ id: 'b', updated_at: '2020-01-01T00:00:00.000Z' }));
    sim.setStatus('b', 'canceled');
    expect(Date.parse(String(sim.records().find((record) => record.id === 'b')?.updated_at))).toBeGreaterThanOrEqual(before);
  });

  it('setStatus and remove throw on an unknown id', async () => {
    const { sim } = await start();
    expect(() => sim.setStatus('nope', 'pending')).toThrow('no port-out with id nope');
    expect(() => sim.remove('nope')).toThrow('no port-out with id nope');
  });
});

describe('request log and latency', () => {
  it('logs every request, rejected ones included, and resetRequests empties the log', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' })]);
    const before = Date.now();
    await client.portouts.list({ filter: { status_in: ['pending', 'rejected-pending'] }, 'page[size]': 250 });
    await client.portouts.retrieve('a');
    await get(sim, '/portouts', { key: null });
    expect(sim.requests.map(({ method, path, query }) => [method, path, query.toString()])).toEqual([
      ['GET', '/v2/portouts', 'filter%5Bstatus_in%5D=pending%2Crejected-pending&page%5Bsize%5D=250'],
      ['GET', '/v2/portouts/a', ''],
      ['GET', '/v2/portouts', ''],
    ]);
    for (const { at } of sim.requests) expect(at).toBeGreaterThanOrEqual(before);
    sim.resetRequests();
    expect(sim.requests).toEqual([]);
  });

  it('adds the configured latency to every response, error responses included', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' })], { latencyMs: 40 });
    let before = Date.now();
    await client.portouts.retrieve('a');
    expect(Date.now() - before).toBeGreaterThanOrEqual(38);
    before = Date.now();
    await get(sim, '/portouts', { key: null });
    expect(Date.now() - before).toBeGreaterThanOrEqual(38);
    sim.setLatency(0);
    before = Date.now();
    await client.portouts.retrieve('a');
    expect(Date.now() - before).toBeLessThan(38);
  });

  it('refuses a negative or non-finite latency', async () => {
    const { sim } = await start();
    expect(() => sim.setLatency(-1)).toThrow(RangeError);
    expect(() => sim.setLatency(Number.NaN)).toThrow(RangeError);
  });
});

describe('fault injection', () => {
  it('status 429 with Retry-After: RateLimitError, the header and the 10011 envelope, once', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' })]);
    sim.injectFault({ status: 429, retryAfter: '2' });
    const error = (await caught(client.portouts.list())) as InstanceType<typeof Telnyx.APIError>;
    expect(error).toBeInstanceOf(Telnyx.RateLimitError);
    expect(error.headers?.get('retry-after')).toBe('2');
    expect(error.error).toEqual(envelope('10011', 'Too many requests', 'Injected fault.'));
    expect(await listIds(client)).toEqual(['a']);
  });

  it('passes an HTTP-date Retry-After and extra headers through verbatim', async () => {
    const { sim } = await start();
    const date = 'Wed, 21 Oct 2026 07:28:00 GMT';
    sim.injectFault({ status: 503, retryAfter: date, headers: { 'X-RateLimit-Remaining': '0' } });
    const response = await get(sim, '/portouts');
    expect([response.status, response.headers.get('retry-after'), response.headers.get('x-ratelimit-remaining')]).toEqual([503, date, '0']);
  });

  it.each([500, 502, 503])('status %i becomes InternalServerError with the 10007 envelope', async (status) => {
    const { sim, client } = await start();
    sim.injectFault({ status });
    const error = (await caught(client.portouts.list())) as InstanceType<typeof Telnyx.APIError>;
    expect(error).toBeInstanceOf(Telnyx.InternalServerError);
    expect([error.status, error.error]).toEqual([status, envelope('10007', 'Unexpected error', 'Injected fault.')]);
  });

  it('lets the SDK retry after a Retry-After of 0', async () => {
    const { sim } = await start([telnyxPortout({ id: 'a' })]);
    sim.injectFault({ status: 429, retryAfter: '0' });
    expect(await listIds(sdk(sim, { maxRetries: 1 }))).toEqual(['a']);
    expect(sim.requests).toHaveLength(2);
  });

  it('times: N hits exactly N matching requests; Infinity lasts until clearFaults', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' })]);
    sim.injectFault({ status: 500, times: 2 });
    expect(await caught(client.portouts.list())).toBeInstanceOf(Telnyx.InternalServerError);
    expect(await caught(client.portouts.list())).toBeInstanceOf(Telnyx.InternalServerError);
    expect(await listIds(client)).toEqual(['a']);

    sim.injectFault({ status: 502, times: Infinity });
    for (let i = 0; i < 3; i += 1) expect(await caught(client.portouts.list())).toBeInstanceOf(Telnyx.InternalServerError);
    sim.clearFaults();
    expect(await listIds(client)).toEqual(['a']);
  });

  it('refuses times that are not a positive integer or Infinity', async () => {
    const { sim } = await start();
    expect(() => sim.injectFault({ status: 500, times: 0 })).toThrow(RangeError);
    expect(() => sim.injectFault({ status: 500, times: 1.5 })).toThrow(RangeError);
  });

  it('applies the earliest matching fault first', async () => {
    const { sim, client } = await start();
    sim.injectFault({ status: 503 });
    sim.injectFault({ status: 429 });
    expect(await caught(client.portouts.list())).toBeInstanceOf(Telnyx.InternalServerError);
    expect(await caught(client.portouts.list())).toBeInstanceOf(Telnyx.RateLimitError);
  });

  it('match.route and match.id: only the matching request is hit, the fault waits for it', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' }), telnyxPortout({ id: 'b' })]);
    sim.injectFault({ match: { route: 'retrieve', id: 'b' }, status: 500 });
    expect(await listIds(client)).toEqual(['a', 'b']);
    expect((await client.portouts.retrieve('a')).data?.id).toBe('a');
    expect(await caught(client.portouts.retrieve('b'))).toBeInstanceOf(Telnyx.InternalServerError);
    expect((await client.portouts.retrieve('b')).data?.id).toBe('b');
  });

  it('match.pageNumber hits only that page of a listing', async () => {
    const { sim, client } = await start(['p1', 'p2', 'p3'].map((id) => telnyxPortout({ id })));
    sim.injectFault({ match: { route: 'list', pageNumber: 2 }, status: 503 });
    const seen: unknown[] = [];
    const error = await caught(
      (async () => {
        for await (const record of client.portouts.list({ 'page[size]': 1 })) seen.push(record.id);
      })(),
    );
    expect(error).toBeInstanceOf(Telnyx.InternalServerError);
    expect(seen).toEqual(['p1']);
    expect(await listAllIds(client, { 'page[size]': 1 })).toEqual(['p1', 'p2', 'p3']);
  });

  it('body overrides the response, with status 200 unless given', async () => {
    const { sim } = await start([telnyxPortout({ id: 'a' })]);
    sim.injectFault({ body: '{"data":[]}' });
    sim.injectFault({ status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' });
    const missingMeta = await get(sim, '/portouts');
    expect([missingMeta.status, missingMeta.headers.get('content-type'), missingMeta.text]).toEqual([200, 'application/json', '{"data":[]}']);
    const html = await get(sim, '/portouts');
    expect([html.status, html.headers.get('content-type'), html.text]).toEqual([502, 'text/html', '<html>Bad gateway</html>']);
  });

  it('contentType alone relabels the normal body, which the SDK then returns as a string', async () => {
    const record = telnyxPortout({ id: 'a' });
    const { sim, client } = await start([record]);
    sim.injectFault({ contentType: 'text/html' });
    expect(await client.portouts.retrieve('a')).toBe(JSON.stringify({ data: record }));
  });

  it('delayMs slower than the client timeout gives APIConnectionTimeoutError; the next request is not delayed', async () => {
    const { sim } = await start([telnyxPortout({ id: 'a' })]);
    const client = sdk(sim, { timeout: 50 });
    sim.injectFault({ delayMs: 300 });
    expect(await caught(client.portouts.list())).toBeInstanceOf(Telnyx.APIConnectionTimeoutError);
    expect(await listIds(client)).toEqual(['a']);
  });

  it('delayMs within the client timeout only slows the response down', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' })]);
    sim.injectFault({ delayMs: 60 });
    const before = Date.now();
    expect(await listIds(client)).toEqual(['a']);
    expect(Date.now() - before).toBeGreaterThanOrEqual(58);
  });

  it('resetConnection destroys the socket: APIConnectionError, not a timeout', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' })]);
    sim.injectFault({ resetConnection: true });
    const error = await caught(client.portouts.list());
    expect(error).toBeInstanceOf(Telnyx.APIConnectionError);
    expect(error).not.toBeInstanceOf(Telnyx.APIConnectionTimeoutError);
    expect(await listIds(client)).toEqual(['a']);
  });

  it('meta replaces the meta block, and meta: null omits it, leaving data intact', async () => {
    const { sim } = await start([telnyxPortout({ id: 'a' })]);
    sim.injectFault({ meta: { total_pages: 7 } });
    sim.injectFault({ meta: null });
    const lying = (await get(sim, '/portouts')).json() as { data: { id: string }[]; meta: unknown };
    expect([lying.data.map((record) => record.id), lying.meta]).toEqual([['a'], { total_pages: 7 }]);
    const bare = (await get(sim, '/portouts')).json() as Record<string, unknown>;
    expect(Object.keys(bare)).toEqual(['data']);
  });

  it('meta without page_number reproduces the SDK asking for page 2 forever', async () => {
    const { sim, client } = await start(['p1', 'p2', 'p3'].map((id) => telnyxPortout({ id })));
    sim.injectFault({ match: { route: 'list' }, meta: { page_size: 1, total_pages: 3, total_results: 3 }, times: Infinity });
    let pages = 0;
    for await (const _page of (await client.portouts.list({ 'page[size]': 1 })).iterPages()) {
      pages += 1;
      if (pages === 4) break;
    }
    expect(sim.requests.map((request) => request.query.get('page[number]'))).toEqual([null, '2', '2', '2']);
  });
});

describe('onListPage', () => {
  it('runs before each served page with its number, and can be removed', async () => {
    const { sim, client } = await start(['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => telnyxPortout({ id })));
    const pages: number[] = [];
    sim.onListPage((pageNumber) => pages.push(pageNumber));
    await listAllIds(client, { 'page[size]': 2 });
    expect(pages).toEqual([1, 2, 3]);
    sim.onListPage(undefined);
    await listAllIds(client, { 'page[size]': 2 });
    expect(pages).toEqual([1, 2, 3]);
  });

  it('an insertion before the cursor between pages shifts later pages (a record is seen twice)', async () => {
    const { sim, client } = await start(['p1', 'p2', 'p3', 'p4'].map((id) => telnyxPortout({ id })));
    sim.onListPage((pageNumber) => {
      if (pageNumber === 2) sim.upsert(telnyxPortout({ id: 'p0', inserted_at: '2000-01-01T00:00:00.000Z' }));
    });
    expect(await listAllIds(client, { 'page[size]': 2 })).toEqual(['p1', 'p2', 'p2', 'p3', 'p4']);
  });

  it('a removal between pages makes a later record skip a page (it is never seen)', async () => {
    const { sim, client } = await start(['p1', 'p2', 'p3', 'p4'].map((id) => telnyxPortout({ id })));
    sim.onListPage((pageNumber) => {
      if (pageNumber === 2) sim.remove('p1');
    });
    expect(await listAllIds(client, { 'page[size]': 2 })).toEqual(['p1', 'p2', 'p4']);
  });

  it('does not run for rejected, invalid or fault-replaced requests', async () => {
    const { sim, client } = await start();
    const pages: number[] = [];
    sim.onListPage((pageNumber) => pages.push(pageNumber));
    sim.injectFault({ status: 503 });
    await caught(client.portouts.list());
    await get(sim, '/portouts', { key: null });
    await get(sim, '/portouts?page[size]=0');
    await client.portouts.retrieve('x').catch(() => undefined);
    expect(pages).toEqual([]);
  });

  it('does not run for a request whose client timed out during the delay', async () => {
    const { sim } = await start();
    const pages: number[] = [];
    sim.onListPage((pageNumber) => pages.push(pageNumber));
    sim.injectFault({ delayMs: 60 });
    expect(await caught(sdk(sim, { timeout: 20 }).portouts.list())).toBeInstanceOf(Telnyx.APIConnectionTimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 70));
    expect(pages).toEqual([]);
  });

  it('a throwing hook becomes a 500 carrying its message', async () => {
    const { sim, client } = await start();
    sim.onListPage(() => {
      throw new Error('hook broke');
    });
    const error = (await caught(client.portouts.list())) as InstanceType<typeof Telnyx.APIError>;
    expect([error.status, error.error]).toEqual([500, envelope('10007', 'Unexpected error', 'hook broke')]);
  });
});

describe('GET /v2/portouts/events', () => {
  type EventQuery = NonNullable<Parameters<Telnyx['portouts']['events']['list']>[0]>;
  const T0 = Date.parse('2026-11-27T12:00:00.000Z');
  const at = (ms: number) => new Date(T0 + ms).toISOString();
  const eventId = (n: number) => `e0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const commentId = (n: number) => `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  function event(n: number, event_type: string, portout_id: string, payload: Record<string, unknown>, created_at: string) {
    return {
      id: eventId(n),
      event_type,
      portout_id,
      available_notification_methods: ['email'],
      payload_status: 'created',
      payload,
      record_type: 'portout_event',
      created_at,
      updated_at: created_at,
    };
  }
  /** Only Date is faked: Date.now() stays at T0, so every default created_at is exact; the server's timers stay real. */
  function freezeClock(): void {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
  }
  afterEach(() => {
    vi.useRealTimers();
  });

  async function eventIds(client: Telnyx, query: EventQuery = {}): Promise<unknown[]> {
    return (await client.portouts.events.list(query)).data.map((item) => item.id);
  }
  async function allEventIds(client: Telnyx, query: EventQuery = {}): Promise<unknown[]> {
    const ids: unknown[] = [];
    for await (const item of client.portouts.events.list(query)) ids.push(item.id);
    return ids;
  }

  /** Five events on two port-outs, created_at T0+0..T0+4 ms: status a, comment b, foc a, comment a, status b. */
  async function fiveEvents() {
    freezeClock();
    const started = await start([telnyxPortout({ id: 'a' }), telnyxPortout({ id: 'b' })]);
    started.sim.setStatus('a', 'authorized');
    started.sim.addComment('b', { body: 'first' });
    started.sim.setFocDate('a', '2026-12-05T15:00:00.000Z');
    started.sim.addComment('a', { body: 'second', userId: 'user-1' });
    started.sim.setStatus('b', 'rejected-pending');
    return started;
  }

  it('setStatus appends portout.status_changed with the SDK payload fields, served as stored', async () => {
    freezeClock();
    const { sim, client } = await start([
      telnyxPortout({ id: 'a', user_id: 'owner-1', reason: null, updated_at: '2026-11-27T10:00:00.000Z' }),
    ]);
    sim.setStatus('a', 'rejected-pending');
    const expected = event(
      1,
      'portout.status_changed',
      'a',
      {
        id: 'a',
        status: 'rejected-pending',
        phone_numbers: ['+13035551212'],
        carrier_name: 'Gaining Wireless',
        spid: '9999',
        user_id: 'owner-1',
        subscriber_name: 'Acme Corp',
        rejection_reason: null,
      },
      at(0),
    );
    const page = await client.portouts.events.list();
    expect(page.data).toEqual([expected]);
    expect(page.meta).toEqual({ page_number: 1, page_size: 20, total_pages: 1, total_results: 1 });
    expect(sim.events()).toEqual([expected]);
    expect((await client.portouts.retrieve('a')).data).toMatchObject({ status: 'rejected-pending', updated_at: at(0) });
  });

  it('status payloads are snapshots: later changes do not alter them; missing fields are omitted, attempted_pin copied', async () => {
    freezeClock();
    const { sim } = await start([
      telnyxPortout({ id: 'a', reason: 'Not mine', attempted_pin: '1234', user_id: 'owner-1' }),
      { id: 'bare', status: 'pending' },
    ]);
    sim.setStatus('a', 'rejected-pending');
    sim.upsert(telnyxPortout({ id: 'a', status: 'pending', reason: 'changed', phone_numbers: ['+442071234567'] }));
    sim.setStatus('bare', 'canceled');
    expect(sim.events().map((item) => item.payload)).toEqual([
      {
        id: 'a',
        status: 'rejected-pending',
        phone_numbers: ['+13035551212'],
        carrier_name: 'Gaining Wireless',
        spid: '9999',
        user_id: 'owner-1',
        subscriber_name: 'Acme Corp',
        rejection_reason: 'Not mine',
        attempted_pin: '1234',
      },
      { id: 'bare', status: 'canceled' },
    ]);
  });

  it('addComment appends portout.new_comment; no userId means Telnyx staff (user_id null); returns the stored event', async () => {
    freezeClock();
    const { sim, client } = await start([telnyxPortout({ id: 'a', updated_at: '2026-11-27T10:00:00.000Z' })]);
    const staff = sim.addComment('a', { body: 'We need the account PIN.' });
    const customer = sim.addComment('a', { body: 'Not ours.', userId: 'user-7', id: 'comment-x', createdAt: '2026-11-28T09:00:00Z' });
    const explicitNull = sim.addComment('a', { body: 'Checking.', userId: null });
    expect(staff).toEqual(event(1, 'portout.new_comment', 'a', { id: commentId(1), comment: 'We need the account PIN.', portout_id: 'a', user_id: null }, at(0)));
    expect(customer).toEqual(
      event(2, 'portout.new_comment', 'a', { id: 'comment-x', comment: 'Not ours.', portout_id: 'a', user_id: 'user-7' }, '2026-11-28T09:00:00Z'),
    );
    // 1 ms after the latest event in the feed, which is the explicit (future) one.
    expect(explicitNull).toEqual(
      event(3, 'portout.new_comment', 'a', { id: commentId(2), comment: 'Checking.', portout_id: 'a', user_id: null }, '2026-11-28T09:00:00.001Z'),
    );
    expect((await client.portouts.events.list()).data).toEqual([staff, customer, explicitNull]);
    // The record itself is untouched.
    expect((await client.portouts.retrieve('a')).data?.updated_at).toBe('2026-11-27T10:00:00.000Z');
    // The returned event is a copy.
    (staff.payload as { comment: string }).comment = 'mutated';
    expect(sim.events()[0]).toMatchObject({ payload: { comment: 'We need the account PIN.' } });
  });

  it('setFocDate sets foc_date, bumps updated_at and appends portout.foc_date_changed', async () => {
    freezeClock();
    const { sim, client } = await start([telnyxPortout({ id: 'a', user_id: 'owner-1', updated_at: '2099-01-01T00:00:00.000Z' })]);
    const returned = sim.setFocDate('a', '2026-12-05T15:00:00.000Z');
    const expected = event(1, 'portout.foc_date_changed', 'a', { id: 'a', foc_date: '2026-12-05T15:00:00.000Z', user_id: 'owner-1' }, at(0));
    expect(returned).toEqual(expected);
    expect((await client.portouts.events.list()).data).toEqual([expected]);
    expect((await client.portouts.retrieve('a')).data).toMatchObject({ foc_date: '2026-12-05T15:00:00.000Z', updated_at: '2099-01-01T00:00:00.001Z' });
    expect(await listIds(client, { filter: { foc_date: '2026-12-05' } })).toEqual(['a']);
  });

  it('setFocDate and addComment refuse unknown ids and bad dates without changing anything', async () => {
    const { sim } = await start([telnyxPortout({ id: 'a' })]);
    expect(() => sim.setFocDate('nope', '2026-12-05')).toThrow('no port-out with id nope');
    expect(() => sim.addComment('nope', { body: 'x' })).toThrow('no port-out with id nope');
    expect(() => sim.setFocDate('a', '2026-02-30')).toThrow(RangeError);
    expect(() => sim.addComment('a', { body: 'x', createdAt: '2026-01-01T10:00:00' })).toThrow(RangeError);
    expect(sim.events()).toEqual([]);
    expect(sim.records()[0]?.foc_date).toBe('2026-12-01T15:00:00.000Z');
  });

  it('orders by created_at ascending, then creation order; default created_at is strictly increasing', async () => {
    freezeClock();
    const { sim, client } = await start([telnyxPortout({ id: 'a' })]);
    sim.setStatus('a', 'authorized'); // e1 at T0
    sim.setStatus('a', 'ported'); // e2 at T0+1 ms, same wall-clock millisecond
    sim.addComment('a', { body: 'late backfill', createdAt: at(-60_000) }); // e3, a minute earlier
    sim.addComment('a', { body: 'tie', createdAt: at(1) }); // e4, same instant as e2
    sim.addComment('a', { body: 'next' }); // e5 at T0+2 ms
    expect(await eventIds(client)).toEqual([eventId(3), eventId(1), eventId(2), eventId(4), eventId(5)]);
    expect(sim.events().map((item) => item.created_at)).toEqual([at(-60_000), at(0), at(1), at(1), at(2)]);
  });

  it('upsert and remove append no events, and remove keeps the removed port-out’s events', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' })]);
    sim.setStatus('a', 'authorized');
    sim.upsert(telnyxPortout({ id: 'a', status: 'ported' }), telnyxPortout({ id: 'b' }));
    sim.remove('a');
    expect((await client.portouts.events.list()).data.map((item) => [item.event_type, item.portout_id])).toEqual([['portout.status_changed', 'a']]);
  });

  it('events() is a deep copy', async () => {
    const { sim } = await start([telnyxPortout({ id: 'a' })]);
    sim.setStatus('a', 'authorized');
    const copy = sim.events()[0] as { payload: { phone_numbers: string[] } };
    copy.payload.phone_numbers.push('+10000000000');
    expect(sim.events()[0]).toMatchObject({ payload: { phone_numbers: ['+13035551212'] } });
  });

  it('filter[event_type], filter[portout_id] and filter[created_at][gte|lte] (inclusive) through the SDK, ANDed', async () => {
    const { sim, client } = await fiveEvents();
    expect(await eventIds(client, { filter: { event_type: 'portout.new_comment' } })).toEqual([eventId(2), eventId(4)]);
    expect(await eventIds(client, { filter: { event_type: 'portout.status_changed' } })).toEqual([eventId(1), eventId(5)]);
    expect(await eventIds(client, { filter: { event_type: 'portout.foc_date_changed' } })).toEqual([eventId(3)]);
    expect(await eventIds(client, { filter: { portout_id: 'a' } })).toEqual([eventId(1), eventId(3), eventId(4)]);
    expect(await eventIds(client, { filter: { portout_id: 'nope' } })).toEqual([]);
    expect(await eventIds(client, { filter: { created_at: { gte: at(3) } } })).toEqual([eventId(4), eventId(5)]);
    expect(await eventIds(client, { filter: { created_at: { lte: at(1) } } })).toEqual([eventId(1), eventId(2)]);
    expect(await eventIds(client, { filter: { created_at: { gte: at(1), lte: at(3) } } })).toEqual([eventId(2), eventId(3), eventId(4)]);
    expect(await eventIds(client, { filter: { created_at: { gte: '2026-11-27T13:00:00+01:00' } } })).toEqual([
      eventId(1),
      eventId(2),
      eventId(3),
      eventId(4),
      eventId(5),
    ]);
    expect(await eventIds(client, { filter: { event_type: 'portout.new_comment', portout_id: 'a', created_at: { gte: at(0), lte: at(4) } } })).toEqual([
      eventId(4),
    ]);
    expect(sim.requests.at(-1)?.query.toString()).toBe(
      'filter%5Bevent_type%5D=portout.new_comment&filter%5Bportout_id%5D=a' +
        `&filter%5Bcreated_at%5D%5Bgte%5D=${encodeURIComponent(at(0))}&filter%5Bcreated_at%5D%5Blte%5D=${encodeURIComponent(at(4))}`,
    );
  });

  it('pages like the list: exact slices, meta, an empty page past the end, total_pages 0 when nothing matches', async () => {
    const { client } = await fiveEvents();
    const meta = (page_number: number) => ({ page_number, page_size: 2, total_pages: 3, total_results: 5 });
    const first = await client.portouts.events.list({ 'page[size]': 2 });
    expect([first.data.map((item) => item.id), first.meta]).toEqual([[eventId(1), eventId(2)], meta(1)]);
    const last = await client.portouts.events.list({ 'page[size]': 2, 'page[number]': 3 });
    expect([last.data.map((item) => item.id), last.meta]).toEqual([[eventId(5)], meta(3)]);
    const beyond = await client.portouts.events.list({ 'page[size]': 2, 'page[number]': 4 });
    expect([beyond.data, beyond.meta]).toEqual([[], meta(4)]);
    const none = await client.portouts.events.list({ filter: { portout_id: 'nope' } });
    expect([none.data, none.meta]).toEqual([[], { page_number: 1, page_size: 20, total_pages: 0, total_results: 0 }]);
    expect((await client.portouts.events.list({ 'page[size]': 250 })).meta).toEqual({ page_number: 1, page_size: 250, total_pages: 1, total_results: 5 });
  });

  it('lets the SDK auto-paginate with for await, filters kept on every page, one request per page', async () => {
    const { sim, client } = await fiveEvents();
    sim.resetRequests();
    expect(await allEventIds(client, { 'page[size]': 2 })).toEqual([eventId(1), eventId(2), eventId(3), eventId(4), eventId(5)]);
    expect(sim.requests.map(({ path, query }) => [path, query.get('page[number]')])).toEqual([
      ['/v2/portouts/events', null],
      ['/v2/portouts/events', '2'],
      ['/v2/portouts/events', '3'],
    ]);
    sim.resetRequests();
    expect(await allEventIds(client, { 'page[size]': 1, filter: { portout_id: 'a' } })).toEqual([eventId(1), eventId(3), eventId(4)]);
    expect(sim.requests.map(({ query }) => [query.get('filter[portout_id]'), query.get('page[number]')])).toEqual([
      ['a', null],
      ['a', '2'],
      ['a', '3'],
    ]);
  });

  it('a bad event_type through the SDK is an UnprocessableEntityError with the exact envelope', async () => {
    const { client } = await start();
    const error = await caught(client.portouts.events.list({ filter: { event_type: 'portout.created' as never } }));
    expect(error).toBeInstanceOf(Telnyx.UnprocessableEntityError);
    expect((error as InstanceType<typeof Telnyx.APIError>).error).toEqual(
      envelope(
        '10015',
        'Bad Request',
        'portout.created is not a valid event type; expected one of portout.status_changed, portout.new_comment, portout.foc_date_changed.',
        'filter[event_type]',
      ),
    );
  });

  it.each([
    ['filter[event_type]=portout.status_change', 'filter[event_type]'],
    ['filter[event_type]=PORTOUT.NEW_COMMENT', 'filter[event_type]'],
    ['filter[event_type][]=portout.new_comment', 'filter[event_type][]'],
    ['filter[event_type]=portout.new_comment&filter[event_type]=portout.new_comment', 'filter[event_type]'],
    ['filter[portout_id]=', 'filter[portout_id]'],
    ['filter[status]=pending', 'filter[status]'],
    ['filter[created_at]=2026-01-01', 'filter[created_at]'],
    ['filter[created_at][gt]=2026-01-01', 'filter[created_at][gt]'],
    ['filter[created_at][gte]=2026-01-01T10:00:00', 'filter[created_at][gte]'],
    ['filter[created_at][lte]=2026-02-30', 'filter[created_at][lte]'],
    ['page[number]=0', 'page[number]'],
    ['page[size]=251', 'page[size]'],
    ['page[size]=1e2', 'page[size]'],
    ['page[offset]=2', 'page[offset]'],
  ])('rejects %s with a 422 naming the parameter', async (query, parameter) => {
    const { sim } = await start();
    const response = await get(sim, `/portouts/events?${query}`);
    expect([response.status, response.json()]).toEqual([422, badRequest(parameter)]);
  });

  it('ignores query parameters outside filter[...] and page[...]', async () => {
    const { sim } = await start();
    expect((await get(sim, '/portouts/events?sort=-created_at')).status).toBe(200);
  });

  it('requires the key: 401 without it, AuthenticationError with a wrong one, checked before validation', async () => {
    const { sim } = await start();
    const missing = await get(sim, '/portouts/events', { key: null });
    expect([missing.status, missing.json()]).toEqual([401, AUTH_FAILED]);
    const error = await caught(sdk(sim, { apiKey: 'KEY_WRONG' }).portouts.events.list());
    expect(error).toBeInstanceOf(Telnyx.AuthenticationError);
    expect((await get(sim, '/portouts/events?filter[event_type]=bad', { key: 'KEY_WRONG' })).status).toBe(401);
  });

  it('routes /portouts/events to the feed, not to the port-out with id "events"; deeper paths and POST are 404', async () => {
    const { sim } = await start([telnyxPortout({ id: 'events' })]);
    sim.setStatus('events', 'authorized');
    const feed = (await get(sim, '/portouts/events')).json() as { data: { portout_id: string }[]; meta: unknown };
    expect([feed.data.map((item) => item.portout_id), feed.meta]).toEqual([['events'], { page_number: 1, page_size: 20, total_pages: 1, total_results: 1 }]);
    for (const [method, path] of [
      ['GET', '/portouts/events/e0000000-0000-4000-8000-000000000001'],
      ['POST', '/portouts/events'],
    ] as const) {
      const response = await get(sim, path, { method });
      expect([response.status, response.json()]).toEqual([404, envelope('10005', 'Resource not found', 'The requested resource or URL could not be found.')]);
    }
  });

  it('fault match.route "events" hits only the feed; list and retrieve are untouched, and list faults skip the feed', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' })]);
    sim.setStatus('a', 'authorized');
    sim.injectFault({ match: { route: 'list' }, status: 500 });
    sim.injectFault({ match: { route: 'events' }, status: 429, retryAfter: '3' });
    expect((await client.portouts.retrieve('a')).data?.id).toBe('a');
    const error = (await caught(client.portouts.events.list())) as InstanceType<typeof Telnyx.APIError>;
    expect(error).toBeInstanceOf(Telnyx.RateLimitError);
    expect([error.headers?.get('retry-after'), error.error]).toEqual(['3', envelope('10011', 'Too many requests', 'Injected fault.')]);
    expect(await eventIds(client)).toEqual([eventId(1)]);
    expect(await caught(client.portouts.list())).toBeInstanceOf(Telnyx.InternalServerError);
  });

  it('fault match.pageNumber applies to the feed: for await stops at that page, then recovers', async () => {
    const { sim, client } = await fiveEvents();
    sim.injectFault({ match: { route: 'events', pageNumber: 2 }, status: 503 });
    const seen: unknown[] = [];
    const error = await caught(
      (async () => {
        for await (const item of client.portouts.events.list({ 'page[size]': 2 })) seen.push(item.id);
      })(),
    );
    expect(error).toBeInstanceOf(Telnyx.InternalServerError);
    expect(seen).toEqual([eventId(1), eventId(2)]);
    expect(await allEventIds(client, { 'page[size]': 2 })).toEqual([eventId(1), eventId(2), eventId(3), eventId(4), eventId(5)]);
  });

  it('fault meta replaces the feed’s meta block', async () => {
    const { sim } = await start([telnyxPortout({ id: 'a' })]);
    sim.setStatus('a', 'authorized');
    sim.injectFault({ match: { route: 'events' }, meta: { total_pages: 9 } });
    const body = (await get(sim, '/portouts/events')).json() as { data: { id: string }[]; meta: unknown };
    expect([body.data.map((item) => item.id), body.meta]).toEqual([[eventId(1)], { total_pages: 9 }]);
  });

  it('onListPage does not run for the feed', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'a' })]);
    const pages: number[] = [];
    sim.onListPage((pageNumber) => pages.push(pageNumber));
    await client.portouts.events.list();
    expect(pages).toEqual([]);
  });
});

describe('several accounts on one server', () => {
  it('routes each request by its key to that account’s records, events and request log', async () => {
    const { sim, client } = await start([telnyxPortout({ id: 'default-po' })]);
    const other = sim.addAccount('KEY_OTHER');
    other.upsert(telnyxPortout({ id: 'other-po' }));
    other.setStatus('other-po', 'rejected');
    const otherClient = sdk(sim, { apiKey: 'KEY_OTHER' });
    expect(await listIds(client)).toEqual(['default-po']);
    expect(await listIds(otherClient)).toEqual(['other-po']);
    expect(await caught(client.portouts.retrieve('other-po'))).toBeInstanceOf(Telnyx.NotFoundError);
    expect((await otherClient.portouts.events.list()).data.map((event) => event.portout_id)).toEqual(['other-po']);
    expect(sim.events()).toEqual([]);
    expect([sim.requests.length, other.requests.length]).toEqual([2, 2]);
    expect(other.id).not.toBe(sim.id);
  });

  it('an unknown key gets 401 and is logged by the default account, which also holds its faults', async () => {
    const { sim } = await start();
    const other = sim.addAccount();
    expect(other.apiKey).toBe('KEY_ACCOUNT_1');
    sim.injectFault({ status: 503 });
    other.injectFault({ status: 500, times: Infinity });
    expect((await get(sim, '/portouts', { key: 'KEY_NOBODY' })).status).toBe(503);
    expect((await get(sim, '/portouts', { key: 'KEY_NOBODY' })).json()).toEqual(AUTH_FAILED);
    expect(sim.requests).toHaveLength(2);
    expect(other.requests).toHaveLength(0);
  });

  it('rotates one account’s key without touching the others; a key already in use is refused', async () => {
    const { sim } = await start();
    const other = sim.addAccount('KEY_OTHER');
    other.setApiKey('KEY_OTHER_2');
    expect((await get(sim, '/portouts', { key: 'KEY_OTHER' })).status).toBe(401);
    expect((await get(sim, '/portouts', { key: 'KEY_OTHER_2' })).status).toBe(200);
    expect((await get(sim, '/portouts')).status).toBe(200);
    expect(() => other.setApiKey(sim.apiKey)).toThrow(/already uses/);
    expect(() => sim.addAccount('KEY_OTHER_2')).toThrow(/already uses/);
  });

  it('latency is server-wide', async () => {
    const { sim } = await start([], { latencyMs: 60 });
    sim.addAccount('KEY_OTHER');
    const before = Date.now();
    expect((await get(sim, '/portouts', { key: 'KEY_OTHER' })).status).toBe(200);
    expect(Date.now() - before).toBeGreaterThanOrEqual(55);
  });
});

describe('managed accounts', () => {
  type ManagedListQuery = NonNullable<Parameters<Telnyx['managedAccounts']['list']>[0]>;

  async function managedIds(client: Telnyx, query: ManagedListQuery = {}): Promise<unknown[]> {
    return (await client.managedAccounts.list(query)).data.map((account) => account.id);
  }

  async function withManaged() {
    const started = await start();
    const { sim } = started;
    sim.addManagedAccount({ id: 'ma-1', organizationName: 'Brand One', status: 'enabled' });
    sim.addManagedAccount({ id: 'ma-2', status: 'disabled' });
    sim.addManagedAccount({ id: 'ma-3', status: 'blocked' });
    sim.addManagedAccount({ id: 'ma-4', status: 'cancelled' });
    sim.addManagedAccount({ id: 'ma-5', email: 'ops@five.example' });
    return started;
  }

  it('lists the manager’s accounts newest first, in the SDK’s list shape with no key and no status', async () => {
    const { sim, client } = await withManaged();
    const page = await client.managedAccounts.list({ 'page[size]': 2 });
    expect(page.data.map((account) => account.id)).toEqual(['ma-5', 'ma-3']);
    const [first] = page.data;
    expect(first).toEqual({
      id: 'ma-5',
      email: 'ops@five.example',
      manager_account_id: sim.id,
      record_type: 'managed_account',
      rollup_billing: false,
      managed_account_allow_custom_pricing: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await get(sim, '/managed_accounts?page[size]=2')).json()).toMatchObject({
      meta: { page_number: 1, page_size: 2, total_pages: 2, total_results: 4 },
    });
    const ids: unknown[] = [];
    for await (const account of client.managedAccounts.list({ 'page[size]': 1 })) ids.push(account.id);
    expect(ids).toEqual(['ma-5', 'ma-3', 'ma-2', 'ma-1']);
  });

  it('filter[status][eq]: enabled/active, disabled (any other status), blocked, cancelled, all; cancelled only when asked', async () => {
    const { client } = await withManaged();
    expect(await managedIds(client, { filter: { status: { eq: 'enabled' } } })).toEqual(['ma-5', 'ma-1']);
    expect(await managedIds(client, { filter: { status: { eq: 'active' } } })).toEqual(['ma-5', 'ma-1']);
    expect(await managedIds(client, { filter: { status: { eq: 'disabled' } } })).toEqual(['ma-3', 'ma-2']);
    expect(await managedIds(client, { filter: { status: { eq: 'disabled' } }, include_cancelled_accounts: true })).toEqual(['ma-4', 'ma-3', 'ma-2']);
    expect(await managedIds(client, { filter: { status: { eq: 'blocked' } } })).toEqual(['ma-3']);
    expect(await managedIds(client, { filter: { status: { eq: 'cancelled' } } })).toEqual(['ma-4']);
    expect(await managedIds(client, { filter: { status: { eq: 'all' } }, include_cancelled_accounts: true })).toHaveLength(5);
    expect(await managedIds(client, { filter: { organization_name: { contains: 'brand' } } })).toEqual(['ma-1']);
  });

  it('rejects an unknown status, an unknown filter and a bad include_cancelled_accounts with 422', async () => {
    const { sim } = await withManaged();
    expect((await get(sim, '/managed_accounts?filter[status][eq]=paused')).json()).toEqual(badRequest('filter[status][eq]'));
    expect((await get(sim, '/managed_accounts?filter[status]=enabled')).status).toBe(422);
    expect((await get(sim, '/managed_accounts?include_cancelled_accounts=yes')).json()).toEqual(badRequest('include_cancelled_accounts'));
  });

  it('retrieve returns { data } with the account’s current key; unknown or another manager’s ids get the 404 envelope', async () => {
    const { sim, client } = await withManaged();
    const managedAccount = sim.addManagedAccount({ id: 'ma-6', organizationName: 'Six', apiKey: 'KEY_SIX' });
    expect((await client.managedAccounts.retrieve('ma-6')).data).toMatchObject({
      id: 'ma-6',
      api_key: 'KEY_SIX',
      organization_name: 'Six',
      manager_account_id: sim.id,
      record_type: 'managed_account',
    });
    managedAccount.setApiKey('KEY_SIX_ROTATED');
    expect((await client.managedAccounts.retrieve('ma-6')).data?.api_key).toBe('KEY_SIX_ROTATED');
    const notFound = await caught(client.managedAccounts.retrieve('ma-nope'));
    expect(notFound).toBeInstanceOf(Telnyx.NotFoundError);
    expect((notFound as InstanceType<typeof Telnyx.APIError>).error).toEqual(envelope('10005', 'Resource not found', 'Managed account ma-nope could not be found.'));
    const otherManager = sim.addAccount('KEY_OTHER_MANAGER');
    sim.addManagedAccount({ id: 'ma-other', managerKey: otherManager.apiKey });
    expect(await caught(client.managedAccounts.retrieve('ma-other'))).toBeInstanceOf(Telnyx.NotFoundError);
    expect(await managedIds(sdk(sim, { apiKey: 'KEY_OTHER_MANAGER' }))).toEqual(['ma-other']);
  });

  it('a managed account’s own key reaches its port-outs while enabled, and gets 403 once disabled', async () => {
    const { sim } = await start();
    const managedAccount = sim.addManagedAccount({ id: 'ma-1' });
    managedAccount.upsert(telnyxPortout({ id: 'po-managed' }));
    expect(await listIds(sdk(sim, { apiKey: managedAccount.apiKey }))).toEqual(['po-managed']);
    const before = (await sdk(sim).managedAccounts.list()).data[0]?.updated_at;
    sim.setManagedStatus('ma-1', 'disabled');
    expect(await caught(sdk(sim, { apiKey: managedAccount.apiKey }).portouts.list())).toBeInstanceOf(Telnyx.PermissionDeniedError);
    const after = (await sdk(sim).managedAccounts.list()).data[0]?.updated_at;
    expect(Date.parse(after!)).toBeGreaterThan(Date.parse(before!));
    expect(await managedIds(sdk(sim), { filter: { status: { eq: 'disabled' } } })).toEqual(['ma-1']);
  });

  it('a removed managed account is listed nowhere, its retrieve is the 404 envelope, and its own key is refused', async () => {
    const { sim, client } = await withManaged();
    const removed = sim.addManagedAccount({ id: 'ma-6' });
    sim.removeManagedAccount('ma-6');
    expect(await managedIds(client, { filter: { status: { eq: 'all' } }, include_cancelled_accounts: true })).toEqual(['ma-5', 'ma-4', 'ma-3', 'ma-2', 'ma-1']);
    const notFound = await caught(client.managedAccounts.retrieve('ma-6'));
    expect(notFound).toBeInstanceOf(Telnyx.NotFoundError);
    expect((notFound as InstanceType<typeof Telnyx.APIError>).error).toEqual(envelope('10005', 'Resource not found', 'Managed account ma-6 could not be found.'));
    expect(await caught(sdk(sim, { apiKey: removed.apiKey }).portouts.list())).toBeInstanceOf(Telnyx.AuthenticationError);
    expect(() => sim.removeManagedAccount('ma-6')).toThrow(/no managed account/);
    expect(() => sim.addManagedAccount({ id: 'ma-6' })).toThrow(/already exists/);
  });

  it('refuses a duplicate id, an unknown manager key, a bad status and setManagedStatus on an unknown id', async () => {
    const { sim } = await start();
    sim.addManagedAccount({ id: 'ma-1' });
    expect(() => sim.addManagedAccount({ id: 'ma-1' })).toThrow(/already exists/);
    expect(() => sim.addManagedAccount({ id: 'ma-2', managerKey: 'KEY_NOBODY' })).toThrow(/manager key/);
    expect(() => sim.addManagedAccount({ id: 'ma-3', status: 'paused' as 'enabled' })).toThrow(RangeError);
    expect(() => sim.setManagedStatus('ma-nope', 'disabled')).toThrow(/no managed account/);
  });

  it('faults target managed-list pages and managed-retrieve ids; meta can be dropped', async () => {
    const { sim, client } = await withManaged();
    sim.injectFault({ match: { route: 'managed-list', pageNumber: 2 }, status: 500 });
    sim.injectFault({ match: { route: 'managed-retrieve', id: 'ma-1' }, status: 503 });
    sim.injectFault({ match: { route: 'managed-list' }, meta: null });
    expect(await caught(client.managedAccounts.retrieve('ma-1'))).toBeInstanceOf(Telnyx.InternalServerError);
    expect((await get(sim, '/managed_accounts')).json()).not.toHaveProperty('meta');
    expect((await get(sim, '/managed_accounts?page[number]=2')).status).toBe(500);
    expect((await get(sim, '/managed_accounts?page[number]=2')).status).toBe(200);
    expect((await client.managedAccounts.retrieve('ma-1')).data?.id).toBe('ma-1');
    expect(sim.requests.map(({ path }) => path)).toContain('/v2/managed_accounts/ma-1');
  });

  it('match.query hits only requests giving those parameters exactly', async () => {
    const { sim, client } = await withManaged();
    sim.injectFault({ match: { route: 'managed-list', query: { 'filter[status][eq]': 'enabled' } }, status: 500 });
    expect(await managedIds(client, { filter: { status: { eq: 'disabled' } } })).toEqual(['ma-3', 'ma-2']);
    expect(await managedIds(client)).toHaveLength(4);
    expect(await caught(client.managedAccounts.list({ filter: { status: { eq: 'enabled' } } }))).toBeInstanceOf(Telnyx.InternalServerError);
  });
});
