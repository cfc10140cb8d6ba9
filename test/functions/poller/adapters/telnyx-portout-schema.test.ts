import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommentEvent, parseListPage, parsePortoutItem } from '../../../../functions/poller/adapters/telnyx-portout-schema.ts';
import { PORTOUT_STATUSES, UNREADABLE_VALUE_MAX_CHARS } from '../../../../functions/poller/core/portout.ts';
import { telnyxPortout } from '../../../support/factories.ts';

/** Every optional field the poller reads, as Telnyx names it, and the Portout field it becomes. */
const OPTIONAL_FIELDS = {
  support_key: 'supportKey',
  carrier_name: 'carrierName',
  spid: 'spid',
  pon: 'pon',
  foc_date: 'focDate',
  requested_foc_date: 'requestedFocDate',
  end_user_name: 'endUserName',
  authorized_name: 'authorizedName',
  service_address: 'serviceAddress',
  city: 'city',
  state: 'state',
  zip: 'zip',
  reason: 'reason',
  rejection_code: 'rejectionCode',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
} as const;
const TIMESTAMPS = new Set(['foc_date', 'requested_foc_date', 'created_at', 'updated_at']);

/** What a field may hold on the wire: any JSON value, plus the odd shapes Prism and drift produce. */
const anyJson = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom('TBD', 'not a date', 'foo 2020', '12', '', '2026-11-27T10:00:00Z', 'Zoë\u2028\u202e', 13035551212, [1, '+1'], { a: 1 }),
);
const optionalValues = fc.record(
  Object.fromEntries(Object.keys(OPTIONAL_FIELDS).map((field) => [field, anyJson])),
  { requiredKeys: [] },
);

/** The shape each field is read in; anything else is unreadable. */
function readable(field: string, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (field === 'rejection_code') return typeof value === 'number';
  if (TIMESTAMPS.has(field)) return typeof value === 'string' && (value.trim() === '' || (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))));
  return typeof value === 'string';
}

describe('parsePortoutItem fails open', () => {
  it('reads any item with a usable id and status, whatever its other fields hold, and names each unreadable one', () => {
    fc.assert(
      fc.property(optionalValues, fc.option(anyJson, { nil: undefined }), (values, numbers) => {
        const raw = { id: 'po-1', status: 'pending', ...values, phone_numbers: numbers };
        const parsed = parsePortoutItem(raw);
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        const unreadable = parsed.portout.unreadable.map((entry) => entry.field);
        for (const [field, key] of Object.entries(OPTIONAL_FIELDS)) {
          const value = (values as Record<string, unknown>)[field];
          if (readable(field, value)) {
            expect(unreadable).not.toContain(field);
            const expected = value === undefined || (typeof value === 'string' && TIMESTAMPS.has(field) && value.trim() === '') ? null : value;
            expect(parsed.portout[key]).toEqual(expected);
          } else {
            expect(unreadable).toContain(field);
            expect(parsed.portout[key]).toBeNull();
          }
        }
        for (const entry of parsed.portout.unreadable) {
          expect(entry.value).toMatch(/^[\x20-\x7e]*$/);
          expect(entry.value.length).toBeLessThanOrEqual(UNREADABLE_VALUE_MAX_CHARS);
        }
        expect(parsed.portout.phoneNumbers.every((number) => typeof number === 'string')).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('shows an unreadable value as JSON, cut short', () => {
    const parsed = parsePortoutItem(
      telnyxPortout({ foc_date: 'TBD', carrier_name: 42, created_at: 'yesterday', city: { name: 'x'.repeat(100) } }),
    );
    expect(parsed.ok && parsed.portout.unreadable).toEqual([
      { field: 'carrier_name', value: '42' },
      { field: 'foc_date', value: '"TBD"' },
      { field: 'city', value: `{"name":"${'x'.repeat(29)}..` },
      { field: 'created_at', value: '"yesterday"' },
    ]);
    expect(parsed.ok && [parsed.portout.focDate, parsed.portout.carrierName, parsed.portout.createdAt]).toEqual([null, null, null]);
  });

  it('reads a date only when it is ISO 8601: what Date.parse would guess from "foo 2020" or "12" is unreadable', () => {
    for (const focDate of ['foo 2020', '12', 'Nov 29', '29/11/2026']) {
      const parsed = parsePortoutItem(telnyxPortout({ foc_date: focDate }));
      expect(parsed.ok && parsed.portout.unreadable.map((entry) => entry.field)).toEqual(['foc_date']);
    }
    const iso = parsePortoutItem(telnyxPortout({ foc_date: '2026-11-29T10:00:00+01:00' }));
    expect(iso.ok && iso.portout.focDate).toBe('2026-11-29T10:00:00+01:00');
  });

  it('keeps the readable numbers of a phone_numbers array that holds other things, and marks it unreadable', () => {
    const parsed = parsePortoutItem(telnyxPortout({ phone_numbers: ['+13035551212', 13035551213, null] }));
    expect(parsed.ok && parsed.portout.phoneNumbers).toEqual(['+13035551212']);
    expect(parsed.ok && parsed.portout.unreadable).toEqual([{ field: 'phone_numbers', value: '["+13035551212",13035551213,null]' }]);
    const notAnArray = parsePortoutItem(telnyxPortout({ phone_numbers: '+13035551212' }));
    expect(notAnArray.ok && notAnArray.portout.phoneNumbers).toEqual([]);
    expect(notAnArray.ok && notAnArray.portout.unreadable.map((entry) => entry.field)).toEqual(['phone_numbers']);
  });

  it('keeps a status it does not know, under its raw name sanitized', () => {
    const cases: Array<[unknown, string]> = [
      ['on-hold', 'on-hold'],
      ['In Review', 'In_Review'],
      ['awaiting\u202e docs!', 'awaiting_docs'],
      [' pending ', 'pending'],
      ['x'.repeat(60), 'x'.repeat(40)],
    ];
    for (const [status, expected] of cases) {
      const parsed = parsePortoutItem(telnyxPortout({ status }));
      expect(parsed.ok && parsed.portout.status).toBe(expected);
    }
  });

  it('holds back only an item without a usable id or status, naming fields and never values', () => {
    const cases: Array<[unknown, string]> = [
      [{ ...telnyxPortout(), id: undefined }, 'id: missing'],
      [telnyxPortout({ id: 'po-1', status: undefined }), 'status: missing'],
      [telnyxPortout({ id: 'po-1', status: 3 }), 'status: not a string'],
      [telnyxPortout({ id: 'po-1', status: '  !! ' }), 'status: blank'],
      [{ id: 12, status: 'pending' }, 'id: not a string'],
      [{ id: '../etc', status: 'pending' }, 'id: unexpected shape'],
      [['po-1'], 'item: not an object'],
      [null, 'item: not an object'],
    ];
    for (const [raw, problem] of cases) {
      const parsed = parsePortoutItem(raw);
      expect(parsed).toMatchObject({ ok: false, problem });
    }
    const unreadableId = parsePortoutItem({ id: 'Jane Doe +13035551212', status: 'Jane Doe' });
    expect(unreadableId.ok).toBe(false);
    expect(!unreadableId.ok && unreadableId.problem).not.toMatch(/Jane|1303/);
    // A usable id is kept with the problem, so that port-out's state is left alone rather than taken as gone.
    expect(parsePortoutItem({ id: 'po-9', status: null })).toEqual({ ok: false, id: 'po-9', problem: 'status: missing' });
  });

  it('reads every spec status as itself', () => {
    for (const status of PORTOUT_STATUSES) {
      const parsed = parsePortoutItem(telnyxPortout({ status }));
      expect(parsed.ok && parsed.portout).toMatchObject({ status, unreadable: [] });
    }
  });
});

describe('parseListPage: meta that contradicts the request makes the page untrustworthy', () => {
  const asked = { pageNumber: 2, pageSize: 250 };
  const body = (meta: unknown, items = 3) => ({ data: Array.from({ length: items }, () => ({})), meta });

  it('accepts consistent meta, missing meta, and missing fields of it', () => {
    expect(parseListPage(body({ page_number: 2, page_size: 250, total_pages: 3, total_results: 503 }), asked)).toMatchObject({
      pageNumber: 2,
      pageSize: 250,
      totalPages: 3,
      totalResults: 503,
    });
    expect(parseListPage(body(undefined), asked)).toMatchObject({ pageNumber: null, totalPages: null });
    expect(parseListPage(body(null), asked)).toMatchObject({ pageNumber: null, totalPages: null });
    expect(parseListPage(body({ total_pages: 3 }), asked)).toMatchObject({ pageNumber: null, totalPages: 3 });
    // A server may page by a smaller size than asked.
    expect(parseListPage(body({ page_number: 2, page_size: 20 }), asked)).toMatchObject({ pageSize: 20 });
  });

  it.each([
    ['another page number', { page_number: 1, total_pages: 3 }, 'meta.page_number: 1 on the answer for page 2'],
    ['a negative count', { page_number: 2, total_pages: -1 }, 'meta.total_pages: not a whole number from 0 up'],
    ['a fractional count', { page_number: 2, total_results: 2.5 }, 'meta.total_results: not a whole number from 0 up'],
    ['a count as a string', { page_number: '2' }, 'meta.page_number: not a whole number from 0 up'],
    ['a page larger than asked', { page_number: 2, page_size: 500 }, 'meta.page_size: 500, more than the 250 asked for'],
    ['more items than its page size', { page_number: 2, page_size: 2 }, 'meta.page_size: 2, but the page holds 3 items'],
    ['meta that is not an object', 'page 2', 'meta: not an object'],
  ])('%s', (_name, meta, problem) => {
    expect(parseListPage(body(meta), asked)).toEqual({ problem });
  });
});

describe('parseCommentEvent fails open', () => {
  const event = (overrides: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) => ({
    id: 'e1',
    event_type: 'portout.new_comment',
    portout_id: 'po-1',
    created_at: '2026-11-27T11:00:00Z',
    payload: { id: 'c1', comment: 'Please call us', portout_id: 'po-1', user_id: null, ...payload },
    ...overrides,
  });

  it('reads a well-formed comment', () => {
    expect(parseCommentEvent(event())).toEqual({
      ok: true,
      comment: { id: 'c1', portoutId: 'po-1', body: 'Please call us', byTelnyxStaff: true, createdAt: '2026-11-27T11:00:00.000Z', unreadable: [] },
    });
    expect(parseCommentEvent(event({}, { user_id: 'u-1' }))).toMatchObject({ ok: true, comment: { byTelnyxStaff: false } });
  });

  it('alerts a comment whose body or author arrive in another shape, showing them as unreadable', () => {
    expect(parseCommentEvent(event({}, { comment: { text: 'hi' }, user_id: 7 }))).toMatchObject({
      ok: true,
      comment: {
        body: '',
        byTelnyxStaff: false,
        unreadable: [
          { field: 'payload.comment', value: '{"text":"hi"}' },
          { field: 'payload.user_id', value: '7' },
        ],
      },
    });
    expect(parseCommentEvent(event({ payload: 'hello' }))).toMatchObject({
      ok: true,
      comment: { body: '', unreadable: [{ field: 'payload', value: '"hello"' }] },
    });
  });

  it('falls back to the event id, then to the port-out and time, for the comment id', () => {
    expect(parseCommentEvent(event({}, { id: null }))).toMatchObject({ ok: true, comment: { id: 'e1' } });
    expect(parseCommentEvent(event({ id: 5 }, { id: 5 }))).toMatchObject({ ok: true, comment: { id: 'po-1@2026-11-27T11:00:00.000Z' } });
  });

  it('holds back an entry with no usable port-out id, time or comment type, naming fields only', () => {
    expect(parseCommentEvent(event({ created_at: 'soon' }))).toEqual({ ok: false, problem: 'created_at: missing or not a date' });
    expect(parseCommentEvent(event({ portout_id: 'Jane Doe' }))).toEqual({ ok: false, problem: 'portout_id: missing or unexpected shape' });
    expect(parseCommentEvent(event({ event_type: 'portout.status_changed' }))).toEqual({
      ok: false,
      problem: 'event_type: not portout.new_comment',
    });
    expect(parseCommentEvent('x')).toEqual({ ok: false, problem: 'item: not an object' });
  });
});
