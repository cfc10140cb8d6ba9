import type { TelnyxAccount } from './telnyx-simulator.ts';

const HOUR = 3_600_000;
const id = (n: number) => `7a2b0c4e-1f3d-4e5a-9b6c-00000000000${n}`;

function demoPortout(n: number, supportKey: string, numbers: string[], now: number, extra: Record<string, unknown> = {}) {
  const created = new Date(now - 2 * HOUR).toISOString();
  return {
    id: id(n),
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
 * What the demo shows, one step before each poll: requests arriving, a rejection Telnyx refuses with a comment,
 * a port completing, a fraud attempt with a wrong PIN, and a FOC date pulled in. Each step describes itself.
 */
export function demoSteps(sim: TelnyxAccount, now: number): Array<{ title: string; apply(): void }> {
  return [
    {
      title: 'Two port-out requests are waiting when the watcher starts: one summary',
      apply: () =>
        sim.upsert(
          demoPortout(1, 'PO_100201', ['+13035550101'], now),
          demoPortout(2, 'PO_100202', ['+13035550102', '+13035550103', '+13035550104'], now),
        ),
    },
    {
      title: 'A new request arrives, you reject one, and one completes (ported)',
      apply: () => {
        sim.upsert(demoPortout(3, 'PO_100203', ['+17205550199'], now, { carrier_name: 'Unknown MVNO' }));
        sim.setStatus(id(1), 'rejected-pending');
        sim.setStatus(id(2), 'ported');
      },
    },
    {
      title: 'Telnyx refuses your rejection reason and says why; someone tries a port with a wrong PIN',
      apply: () => {
        sim.setStatus(id(1), 'pending');
        sim.addComment(id(1), { body: 'Rejection reason "account closed" is not valid for this number. Please review.', userId: null });
        sim.upsert(
          demoPortout(4, 'PO_100204', ['+13035550188'], now, {
            status: 'rejected',
            carrier_name: 'Prepaid Mobile Co',
            rejection_code: 1002,
            reason: 'Invalid PIN',
          }),
        );
      },
    },
    {
      title: 'The gaining carrier pulls the FOC date in to 20 hours from now',
      apply: () => sim.setFocDate(id(3), new Date(now + 20 * HOUR).toISOString()),
    },
    { title: 'Nothing changes: the poll is quiet', apply: () => {} },
  ];
}
