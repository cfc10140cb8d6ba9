import type { FaultLab } from './fault-lab.ts';
import { telnyxPortout, type TelnyxPortoutRecord } from './factories.ts';

export const portoutId = (n: number) => `po-${String(n).padStart(2, '0')}`;

const DAY_MS = 86_400_000;
// One filing time for all, so the simulator lists them in id order.
const FILED_AT = new Date(Date.now() - DAY_MS).toISOString();
const FOC_DATE = new Date(Date.now() + 30 * DAY_MS).toISOString();

/**
 * A port-out as Telnyx returns it, filed today with its FOC date a month out, so no FOC reminder falls due
 * whenever the suite runs: a scenario about reminders sets its own FOC date, and the others stay free of them.
 */
export function storyPortout(overrides: TelnyxPortoutRecord = {}) {
  return telnyxPortout({
    foc_date: FOC_DATE,
    requested_foc_date: FOC_DATE,
    created_at: FILED_AT,
    inserted_at: FILED_AT,
    updated_at: FILED_AT,
    ...overrides,
  });
}

/** `count` pending port-outs, po-01 upwards, listed in id order. */
export function pendingPortouts(count: number, from = 1) {
  return Array.from({ length: count }, (_, i) => storyPortout({ id: portoutId(from + i) }));
}

/**
 * The changes most scenarios stage, one of each path through a poll, with 5-item pages over seven tracked
 * port-outs: a rejection on page 1 and one on page 2, one authorized (gone from the listing: found by a lookup),
 * one deleted (a lookup answers 404) and a new request at the end of the listing. Five alerts are due.
 */
export function stageStandardChanges(lab: FaultLab): void {
  lab.setStatus(portoutId(1), 'rejected-pending');
  lab.setStatus(portoutId(7), 'rejected-pending');
  lab.setStatus(portoutId(3), 'authorized');
  lab.remove(portoutId(4));
  lab.add(storyPortout({ id: portoutId(8) }));
}

/** A lab watching seven pending port-outs, with the standard changes staged and nothing polled since. */
export async function watchSevenAndChange(lab: FaultLab): Promise<void> {
  lab.add(...pendingPortouts(7));
  await lab.startWatching();
  stageStandardChanges(lab);
}
