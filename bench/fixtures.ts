/** Port-out records shaped like Telnyx's `PortoutDetails` (list-portouts.md), every field filled, as a busy account's would be. */

const DAY_MS = 86_400_000;
// Filed a month ago, FOC dates ten days out: no FOC reminder falls due during a run, whenever it runs.
const BASE_MS = Date.now() - 30 * DAY_MS;
const FOC_DATE = new Date(Date.now() + 10 * DAY_MS).toISOString();

/** Deterministic UUID-shaped id, like Telnyx's, so runs are repeatable. */
export function portoutId(index: number): string {
  const hex = index.toString(16).padStart(12, '0');
  return `0ccc7b54-4df3-4bca-a65a-${hex}`;
}

export function benchPortout(index: number): Record<string, unknown> {
  const at = new Date(BASE_MS + index * 1_000).toISOString();
  const number = `+1303${String(5_000_000 + index).padStart(7, '0')}`;
  return {
    id: portoutId(index),
    record_type: 'portout',
    status: index % 10 === 9 ? 'rejected-pending' : 'pending',
    phone_numbers: [number],
    authorized_name: 'Jane Doe',
    carrier_name: 'Gaining Wireless',
    current_carrier: 'telnyx',
    end_user_name: 'Acme Corp',
    city: 'Denver',
    state: 'CO',
    zip: '80202',
    lsr: ['https://example.com/files/lsr.pdf'],
    pon: `PON-${index}`,
    reason: null,
    rejection_code: null,
    service_address: '100 Main St',
    foc_date: FOC_DATE,
    requested_foc_date: FOC_DATE,
    spid: '9999',
    support_key: `PO_${String(index).padStart(6, '0')}`,
    already_ported: false,
    user_id: '7865816a-ee85-4e50-b19e-52983dcc6d4a',
    vendor: '0e66ed3b-37e6-4fed-93d6-a30ce2493661',
    created_at: at,
    inserted_at: at,
    updated_at: at,
    host_messaging: false,
  };
}

/** The other watched status, so a flip is always a status change the poller must alert. */
export function flippedStatus(status: unknown): 'pending' | 'rejected-pending' {
  return status === 'pending' ? 'rejected-pending' : 'pending';
}
