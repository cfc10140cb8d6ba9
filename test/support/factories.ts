import type { Portout } from '../../functions/poller/core/portout.ts';
import type { PortoutComment, TrackedPortout } from '../../functions/poller/core/ports.ts';

let sequence = 0;
function nextId(): string {
  sequence += 1;
  return `po-${String(sequence).padStart(6, '0')}`;
}

/** A port-out exactly as the Telnyx API returns it (snake_case, as in list-portouts.md). */
export type TelnyxPortoutRecord = Record<string, unknown> & { id?: unknown; status?: unknown };

export function telnyxPortout(overrides: TelnyxPortoutRecord = {}): TelnyxPortoutRecord & { id: string } {
  const id = typeof overrides.id === 'string' ? overrides.id : nextId();
  return {
    record_type: 'portout',
    status: 'pending',
    phone_numbers: ['+13035551212'],
    support_key: `PO_${id.slice(-6)}`,
    carrier_name: 'Gaining Wireless',
    spid: '9999',
    pon: 'PON-1',
    foc_date: '2026-12-01T15:00:00.000Z',
    requested_foc_date: '2026-12-01T15:00:00.000Z',
    end_user_name: 'Acme Corp',
    authorized_name: 'Jane Doe',
    service_address: '100 Main St',
    city: 'Denver',
    state: 'CO',
    zip: '80202',
    reason: null,
    rejection_code: null,
    already_ported: false,
    current_carrier: 'telnyx',
    lsr: [],
    host_messaging: false,
    created_at: '2026-11-27T10:00:00.000Z',
    inserted_at: '2026-11-27T10:00:00.000Z',
    updated_at: '2026-11-27T10:00:00.000Z',
    ...overrides,
    id,
  };
}

/** A port-out as the core sees it, after the Telnyx source validated it. */
export function portout(overrides: Partial<Portout> = {}): Portout {
  return {
    id: overrides.id ?? nextId(),
    status: 'pending',
    phoneNumbers: ['+13035551212'],
    supportKey: 'PO_764725',
    carrierName: 'Gaining Wireless',
    spid: '9999',
    pon: 'PON-1',
    focDate: '2026-12-01T15:00:00.000Z',
    requestedFocDate: '2026-12-01T15:00:00.000Z',
    endUserName: 'Acme Corp',
    authorizedName: 'Jane Doe',
    serviceAddress: '100 Main St',
    city: 'Denver',
    state: 'CO',
    zip: '80202',
    reason: null,
    rejectionCode: null,
    createdAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T10:00:00.000Z',
    unreadable: [],
    ...overrides,
  };
}

/** What the state table holds for a port-out: by default, a pending one alerted once. */
export function trackedPortout(overrides: Partial<TrackedPortout> = {}): TrackedPortout {
  return {
    id: overrides.id ?? nextId(),
    status: 'pending',
    focDate: '2026-12-01T15:00:00.000Z',
    phoneNumbers: ['+13035551212'],
    supportKey: 'PO_764725',
    remindedHours: [],
    lastCommentAt: null,
    version: 1,
    ...overrides,
  };
}

/** The record a port-out's first alert leaves behind. */
export function trackedOf(p: Portout, overrides: Partial<TrackedPortout> = {}): TrackedPortout {
  return trackedPortout({
    id: p.id,
    status: p.status,
    focDate: p.focDate,
    phoneNumbers: p.phoneNumbers,
    supportKey: p.supportKey,
    ...overrides,
  });
}

export function portoutComment(overrides: Partial<PortoutComment> = {}): PortoutComment {
  return {
    id: `c-${nextId()}`,
    portoutId: 'po-000001',
    body: 'The rejection reason given is not valid; please review.',
    byTelnyxStaff: true,
    createdAt: '2026-11-27T11:00:00.000Z',
    unreadable: [],
    ...overrides,
  };
}
