import type { TelnyxSimulator } from './telnyx-simulator.ts';

const HOUR = 3_600_000;

function demoPortout(id: string, supportKey: string, numbers: string[], now: number, extra: Record<string, unknown> = {}) {
  const created = new Date(now - 2 * HOUR).toISOString();
  return {
    id,
    record_type: 'portout',
    status: 'pending',
    phone_numbers: numbers,
    support_key: supportKey,
    carrier_name: 'Gaining Wireless',
    spid: '6214',
    pon: `PON-${supportKey.slice(3)}`,
    foc_date: new Date(now + 50 * HOUR).toISOString(),
    requested_foc_date: new Date(now + 48 * HOUR).toISOString(),
    end_user_name: 'Acme Logistics',
    authorized_name: 'Jordan Smith',
    service_address: '1600 Example Ave',
    city: 'Denver',
    state: 'CO',
    zip: '80202',
    reason: null,
    rejection_code: null,
    created_at: created,
    inserted_at: created,
    updated_at: created,
    ...extra,
  };
}

/**
 * What the demo shows, one step before each poll: requests arriving, a rejection, one leaving Telnyx.
 * Each step describes itself for the terminal.
 */
export function demoSteps(sim: TelnyxSimulator, now: number): Array<{ title: string; apply(): void }> {
  return [
    {
      title: 'Two port-out requests are waiting when the watcher starts',
      apply: () =>
        sim.upsert(
          demoPortout('7a2b0c4e-1f3d-4e5a-9b6c-000000000001', 'PO_100201', ['+13035550101'], now),
          demoPortout('7a2b0c4e-1f3d-4e5a-9b6c-000000000002', 'PO_100202', ['+13035550102', '+13035550103', '+13035550104'], now),
        ),
    },
    {
      title: 'A new request arrives, one is rejected by you, and one completes (ported)',
      apply: () => {
        sim.upsert(demoPortout('7a2b0c4e-1f3d-4e5a-9b6c-000000000003', 'PO_100203', ['+17205550199'], now, { carrier_name: 'Unknown MVNO' }));
        sim.setStatus('7a2b0c4e-1f3d-4e5a-9b6c-000000000001', 'rejected-pending');
        sim.setStatus('7a2b0c4e-1f3d-4e5a-9b6c-000000000002', 'ported');
      },
    },
    {
      title: 'Telnyx finds the rejection reason invalid: the request is pending again',
      apply: () => sim.setStatus('7a2b0c4e-1f3d-4e5a-9b6c-000000000001', 'pending'),
    },
    { title: 'Nothing changes: the poll is quiet', apply: () => {} },
  ];
}
