import fc from 'fast-check';
import { newTrackedPortout } from '../../functions/poller/core/diff.ts';
import type { PortoutComment, PortoutEvent } from '../../functions/poller/core/model.ts';
import { PORTOUT_ID_PATTERN, PORTOUT_STATUSES, type Portout } from '../../functions/poller/core/portout.ts';

// Arbitrary port-outs and events for property tests of the renderings: free text in any script, numbers valid or
// not, timestamps that are not dates, long lists.

const trackedFrom = (p: Portout) => newTrackedPortout(p, new Date('2026-11-27T16:00:00.000Z'), []);

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('Zoë', '山田太郎', '👩‍👩‍👧 Família', '“Quoted” – dash', '{[~]}|^€\\', 'line\nbreak\u2028\t'),
);
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const timestamp = fc.oneof(
  fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 12 }),
);
const phoneNumber = fc.oneof(fc.stringMatching(/^\+[1-9]\d{6,14}$/), fc.string({ unit: 'binary', maxLength: 30 }));
const phoneNumbers = fc.oneof(
  fc.array(phoneNumber, { maxLength: 4 }),
  fc.array(phoneNumber, { minLength: 50, maxLength: 50 }),
);
export const anyPortout: fc.Arbitrary<Portout> = fc.record({
  id: fc.stringMatching(PORTOUT_ID_PATTERN),
  status: fc.constantFrom(...PORTOUT_STATUSES),
  phoneNumbers,
  supportKey: nullable(fc.oneof(fc.stringMatching(/^PO_\d{1,9}$/), anyText)),
  carrierName: nullable(anyText),
  spid: nullable(anyText),
  pon: nullable(anyText),
  focDate: nullable(timestamp),
  requestedFocDate: nullable(timestamp),
  endUserName: nullable(anyText),
  authorizedName: nullable(anyText),
  serviceAddress: nullable(anyText),
  city: nullable(anyText),
  state: nullable(anyText),
  zip: nullable(anyText),
  reason: nullable(anyText),
  rejectionCode: nullable(fc.integer()),
  createdAt: nullable(timestamp),
  updatedAt: nullable(timestamp),
  unreadable: fc.constant([]),
});
const anyComments: fc.Arbitrary<PortoutComment[]> = fc.array(
  fc.record({
    id: fc.string({ minLength: 1, maxLength: 8 }),
    portoutId: fc.constant('po'),
    body: fc.string({ unit: 'binary', maxLength: 300 }),
    byTelnyxStaff: fc.boolean(),
    createdAt: timestamp,
    unreadable: fc.constant([]),
  }),
  { maxLength: 3 },
);
const withTracked = (arb: fc.Arbitrary<Portout>) =>
  fc.tuple(arb, fc.constantFrom(...PORTOUT_STATUSES)).map(([p, previous]) => ({
    portout: p,
    tracked: trackedFrom({ ...p, status: previous }),
  }));
export const anyEvent: fc.Arbitrary<PortoutEvent> = fc.oneof(
  fc.tuple(anyPortout, anyComments).map(([p, comments]): PortoutEvent => ({ type: 'new', portout: p, comments })),
  fc.tuple(withTracked(anyPortout), anyComments).map(
    ([{ portout: p, tracked }, comments]): PortoutEvent => ({
      type: 'status-changed',
      portout: p,
      previousStatus: tracked.status,
      tracked,
      comments,
    }),
  ),
  fc.tuple(withTracked(anyPortout), nullable(timestamp), anyComments).map(
    ([{ portout: p, tracked }, previousFocDate, comments]): PortoutEvent => ({
      type: 'foc-date-changed',
      portout: p,
      tracked,
      previousFocDate,
      comments,
    }),
  ),
  fc.tuple(withTracked(anyPortout), anyComments).map(
    ([{ portout: p, tracked }, comments]): PortoutEvent => ({ type: 'new-comment', portout: p, tracked, comments }),
  ),
  fc.tuple(withTracked(anyPortout), fc.integer({ min: 1, max: 720 })).map(
    ([{ portout: p, tracked }, reminderHours]): PortoutEvent => ({ type: 'foc-approaching', portout: p, tracked, reminderHours }),
  ),
  anyPortout.map((p): PortoutEvent => ({ type: 'possible-fraud', portout: p })),
  anyPortout.map((p): PortoutEvent => ({ type: 'vanished', tracked: trackedFrom(p) })),
);
export const anyNow = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });
