import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { parsePortoutItem, PortoutItemSchema } from '../../../../functions/poller/adapters/telnyx-portout-schema.ts';
import { PORTOUT_STATUSES } from '../../../../functions/poller/core/portout.ts';
import { telnyxPortout } from '../../../support/factories.ts';

/** Values a field may hold on the wire: right types, wrong types, nulls, bad dates, absent. */
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('2026-11-27T10:00:00Z', 'not a date', '', 'po-1', ...PORTOUT_STATUSES, 'on-hold'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }),
  fc.constant({}),
);
const fields = Object.keys(PortoutItemSchema.entries);
const item = fc.record(Object.fromEntries(fields.map((field) => [field, anyValue])), { requiredKeys: [] });
/** Mostly valid items with one or two fields replaced, so both outcomes are common. */
const nearlyValid = fc
  .tuple(fc.subarray(fields, { maxLength: 2 }), fc.array(anyValue, { minLength: 2, maxLength: 2 }))
  .map(([keys, values]) => ({ ...telnyxPortout(), ...Object.fromEntries(keys.map((key, i) => [key, values[i]])) }));

describe('parsePortoutItem', () => {
  it('accepts exactly what the schema accepts (its fast path agrees with valibot)', () => {
    fc.assert(
      fc.property(fc.oneof(item, nearlyValid), (raw) => {
        expect(parsePortoutItem(raw).ok).toBe(v.safeParse(PortoutItemSchema, raw).success);
      }),
      { numRuns: 3_000 },
    );
  });

  it('gives the same port-out on the fast path as through the schema', () => {
    fc.assert(
      fc.property(nearlyValid, (raw) => {
        const parsed = parsePortoutItem(raw);
        fc.pre(parsed.ok);
        const viaSchema = v.parse(PortoutItemSchema, raw);
        expect(parsed.ok && parsed.portout).toMatchObject({ id: viaSchema.id, status: viaSchema.status, phoneNumbers: viaSchema.phone_numbers ?? [] });
      }),
    );
  });
});
