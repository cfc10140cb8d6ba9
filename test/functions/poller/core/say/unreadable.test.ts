import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommentEvent, parsePortoutItem } from '../../../../../functions/poller/adapters/telnyx-portout-schema.ts';
import type { PortoutComment, PortoutEvent } from '../../../../../functions/poller/core/model.ts';
import { readStatus, type Portout } from '../../../../../functions/poller/core/portout.ts';
import { fitsOneSegment, isGsm7 } from '../../../../../functions/poller/core/say/gsm7.ts';
import { renderAlert } from '../../../../../functions/poller/core/say/render.ts';
import { portout, portoutComment, trackedOf } from '../../../../support/factories.ts';

const NOW = new Date('2026-11-27T12:00:00.000Z');

/** Every optional field the poller reads, as Telnyx names it. */
const OPTIONAL_FIELDS = [
  'phone_numbers',
  'support_key',
  'carrier_name',
  'spid',
  'pon',
  'foc_date',
  'requested_foc_date',
  'end_user_name',
  'authorized_name',
  'service_address',
  'city',
  'state',
  'zip',
  'reason',
  'rejection_code',
  'created_at',
  'updated_at',
];

/** Any JSON value, plus the odd shapes Prism's random data and drift produce, and long or non-GSM text. */
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('TBD', 'foo 2020', '', '2026-11-28T10:00:00Z', '山田太郎 👩‍👩‍👧', '\u202e\u2028x', 13035551212, ['+13035551212', 1]),
);
const anyStatus = fc.oneof(fc.constantFrom('pending', 'rejected-pending', 'authorized', 'rejected'), fc.string({ unit: 'binary', maxLength: 60 }));

/** A port-out as the adapter reads it from an item whose optional fields hold arbitrary JSON values. */
const anyReadPortout: fc.Arbitrary<Portout> = fc
  .tuple(fc.record(Object.fromEntries(OPTIONAL_FIELDS.map((field) => [field, anyJson])), { requiredKeys: [] }), anyStatus)
  .map(([fields, status]) => parsePortoutItem({ ...fields, id: 'po-1', status }))
  .filter((parsed) => parsed.ok)
  .map((parsed) => (parsed as { ok: true; portout: Portout }).portout);

/** A comment as the adapter reads it from a feed entry whose payload holds arbitrary JSON values. */
const anyReadComments: fc.Arbitrary<PortoutComment[]> = fc.array(
  fc
    .record({ id: anyJson, comment: anyJson, user_id: anyJson }, { requiredKeys: [] })
    .map((payload) => parseCommentEvent({ id: 'e1', event_type: 'portout.new_comment', portout_id: 'po-1', created_at: '2026-11-27T11:00:00Z', payload }))
    .filter((parsed) => parsed.ok)
    .map((parsed) => (parsed as { ok: true; comment: PortoutComment }).comment),
  { maxLength: 2 },
);

const anyEvent: fc.Arbitrary<PortoutEvent> = fc.oneof(
  fc.tuple(anyReadPortout, anyReadComments).map(([p, comments]): PortoutEvent => ({ type: 'new', portout: p, comments })),
  fc.tuple(anyReadPortout, anyReadComments).map(
    ([p, comments]): PortoutEvent => ({ type: 'status-changed', portout: p, previousStatus: 'pending', tracked: trackedOf(p, { status: 'pending' }), comments }),
  ),
  fc.tuple(anyReadPortout, anyReadComments).map(
    ([p, comments]): PortoutEvent => ({ type: 'foc-date-changed', portout: p, tracked: trackedOf(p), previousFocDate: '2026-12-01T15:00:00.000Z', comments }),
  ),
  fc.tuple(anyReadPortout, anyReadComments).map(([p, comments]): PortoutEvent => ({ type: 'new-comment', portout: p, tracked: trackedOf(p), comments })),
  anyReadPortout.map((p): PortoutEvent => ({ type: 'foc-approaching', portout: p, tracked: trackedOf(p), reminderHours: 24 })),
  anyReadPortout.map((p): PortoutEvent => ({ type: 'possible-fraud', portout: p })),
);
const displayName = fc.string({ unit: 'binary', maxLength: 10 });

describe('alerts about port-outs with fields that can\'t be read', () => {
  it('the SMS is GSM-7 and one segment, the subject fits, whatever JSON arrives in every optional field', () => {
    fc.assert(
      fc.property(anyEvent, displayName, (event, name) => {
        const alert = renderAlert(event, 'a', NOW, { displayName: name });
        expect(isGsm7(alert.sms)).toBe(true);
        expect(fitsOneSegment(alert.sms, name)).toBe(true);
        expect(alert.subject.length).toBeLessThanOrEqual(99);
        expect(alert.subject).toMatch(/^[\x20-\x7e]*$/);
      }),
      { numRuns: 1_500 },
    );
  });

  it('the email and the JSON document name every unreadable field and show what Telnyx sent', () => {
    fc.assert(
      fc.property(anyEvent, (event) => {
        const alert = renderAlert(event, 'a', NOW);
        const p = (event as { portout: Portout }).portout;
        expect(alert.json).toMatchObject({
          unreadableFields: p.unreadable.map((entry) => entry.field),
          unreadableValues: Object.fromEntries(p.unreadable.map((entry) => [entry.field, entry.value])),
        });
        for (const entry of p.unreadable) expect(alert.email).toContain(`  ${entry.field}: ${entry.value}`);
      }),
      { numRuns: 500 },
    );
  });

  it('an unreadable FOC date is said, with what Telnyx sent, and no time left is made up', () => {
    const p = portout({ status: 'authorized', focDate: null, unreadable: [{ field: 'foc_date', value: '"TBD"' }] });
    const alert = renderAlert({ type: 'status-changed', portout: p, previousStatus: 'pending', tracked: trackedOf(p, { status: 'pending' }), comments: [] }, 'a', NOW);
    expect(alert.sms).toContain('FOC unreadable "TBD"');
    expect(alert.email).toContain('FOC date:           unreadable: Telnyx sent "TBD"; the time left is unknown');
    expect(alert.email).not.toContain('not set yet');
  });

  it('an unreadable filing time: the auto-authorization window is not computed, and the alert says why', () => {
    const p = portout({ createdAt: null, unreadable: [{ field: 'created_at', value: '"yesterday"' }] });
    const alert = renderAlert({ type: 'new', portout: p, comments: [] }, 'a', NOW);
    expect(alert.sms).toContain('Auto-auths 24-48h after filing (time unreadable)');
    expect(alert.email).toContain(`the filing time can't be read: Telnyx sent "yesterday"; the time left is unknown`);
    expect(alert.json).toMatchObject({ autoAuthorization: null, unreadableFields: ['created_at'] });
  });

  it('unreadable numbers are not "no number listed"', () => {
    const p = portout({ phoneNumbers: [], unreadable: [{ field: 'phone_numbers', value: '{"n":1}' }] });
    const alert = renderAlert({ type: 'new', portout: p, comments: [] }, 'a', NOW);
    expect(alert.sms).toContain(': numbers unreadable');
    expect(alert.subject).toContain(': numbers unreadable');
    expect(alert.email).toContain('Phone numbers: unreadable: Telnyx sent {"n":1}');
  });

  it('a comment whose text or author can\'t be read is still told', () => {
    const p = portout();
    const comment = portoutComment({
      body: '',
      byTelnyxStaff: false,
      unreadable: [
        { field: 'payload.comment', value: '42' },
        { field: 'payload.user_id', value: '7' },
      ],
    });
    const alert = renderAlert({ type: 'new-comment', portout: p, tracked: trackedOf(p), comments: [comment] }, 'a', NOW);
    expect(alert.sms).toContain('Comment: (unreadable)');
    expect(alert.email).toContain("an author that can't be told (Telnyx sent user_id 7)");
    expect(alert.email).toContain("(the text can't be read: Telnyx sent 42)");
    expect(alert.json).toMatchObject({ comments: [{ body: '', unreadableFields: ['payload.comment', 'payload.user_id'] }] });
  });

  it('a status Telnyx added is alerted under its name, in the text and the attributes', () => {
    const p = portout({ status: readStatus('on-hold')! });
    const alert = renderAlert({ type: 'status-changed', portout: p, previousStatus: 'pending', tracked: trackedOf(p, { status: 'pending' }), comments: [] }, 'a', NOW);
    expect(alert.sms).toMatch(/^Port-out pending->ON-HOLD: /);
    expect(alert.sms).toContain('Check the Telnyx portal');
    expect(alert.email).toContain('This port-out request is now on-hold, a status portout-watch does not know yet.');
    expect(alert.email).toContain('portout-watch does not know the status on-hold');
    expect(alert.attributes).toMatchObject({ status: 'on-hold', previousStatus: 'pending' });
  });

  it('the chat notification says an unreadable FOC date and carrier are unreadable, and names an unknown status', () => {
    const p = portout({
      status: readStatus('on-hold')!,
      focDate: null,
      carrierName: null,
      unreadable: [
        { field: 'carrier_name', value: '42' },
        { field: 'foc_date', value: '"TBD"' },
      ],
    });
    const alert = renderAlert({ type: 'status-changed', portout: p, previousStatus: 'pending', tracked: trackedOf(p, { status: 'pending' }), comments: [] }, 'a', NOW);
    const chat = alert.chat as { content: { description: string; nextSteps: string[] } };
    expect(chat.content.description).toContain('*Gaining carrier:* unreadable: Telnyx sent `42`');
    expect(chat.content.description).toContain('*FOC date:* unreadable: Telnyx sent `"TBD"`');
    expect(chat.content.nextSteps[0]).toContain('portout-watch does not know the status on-hold');
  });

  it('chat shows unreadable numbers, filing time and support key as unreadable, never as "none" or "not given"', () => {
    const p = portout({
      phoneNumbers: [],
      createdAt: null,
      supportKey: null,
      unreadable: [
        { field: 'phone_numbers', value: '"+1303<!channel>"' },
        { field: 'created_at', value: '"yesterday"' },
        { field: 'support_key', value: '{}' },
      ],
    });
    const chat = renderAlert({ type: 'new', portout: p, comments: [] }, 'a', NOW).chat as { content: { description: string } };
    expect(chat.content.description).toContain('*Numbers:* unreadable: Telnyx sent `"+1303<!channel>"`');
    expect(chat.content.description).toContain('(filing time unreadable: Telnyx sent `"yesterday"`)');
    expect(chat.content.description).toContain('*Support key:* unreadable: Telnyx sent `{}`');
    expect(chat.content.description).not.toContain('none listed');
  });

  it('a readable port-out still says nothing about unreadable fields', () => {
    const alert = renderAlert({ type: 'new', portout: portout(), comments: [] }, 'a', NOW);
    expect(alert.email).not.toContain("can't read");
    expect(alert.json).toMatchObject({ unreadableFields: [], unreadableValues: {} });
  });
});
