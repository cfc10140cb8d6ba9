import type { PortoutEvent } from '../model.ts';
import { isWatchedStatus, type Portout, type PortoutStatus } from '../portout.ts';
import { addHours, parseTimestamp } from './time-left.ts';

/** Telnyx authorizes a pending request nobody answered 24 to 48 hours after it was filed. */
export const AUTO_AUTHORIZE_AFTER_HOURS = { earliest: 24, latest: 48 } as const;

/** Telnyx refused the customer's rejection: the request is live again, with the auto-authorization clock running. */
export function rejectionRefused(previous: PortoutStatus, status: PortoutStatus): boolean {
  return previous === 'rejected-pending' && status === 'pending';
}

export const upper = (status: PortoutStatus) => status.toUpperCase();

export interface AutoAuthorizationWindow {
  filed: Date;
  earliest: Date;
  latest: Date;
}

/** Null unless the request is pending and Telnyx gave a filing time. */
export function autoAuthorizationWindow(portout: Portout): AutoAuthorizationWindow | null {
  const filed = portout.status === 'pending' ? parseTimestamp(portout.createdAt) : null;
  if (!filed) return null;
  return {
    filed,
    earliest: addHours(filed, AUTO_AUTHORIZE_AFTER_HOURS.earliest),
    latest: addHours(filed, AUTO_AUTHORIZE_AFTER_HOURS.latest),
  };
}

/** Once a request is rejected, canceled or ported, its FOC date no longer matters. */
export const focMatters = (status: PortoutStatus) => isWatchedStatus(status) || status === 'authorized';

/** The next moment that forces someone's hand: auto-authorization, else the FOC date. */
export function nextDeadline(portout: Portout): { label: string; at: Date } | null {
  const window = autoAuthorizationWindow(portout);
  if (window) return { label: 'auto-auth', at: window.earliest };
  const foc = focMatters(portout.status) ? parseTimestamp(portout.focDate) : null;
  return foc && { label: 'FOC', at: foc };
}

export const eventPortout = (event: PortoutEvent): Portout | null => (event.type === 'vanished' ? null : event.portout);
export const eventNumbers = (event: PortoutEvent) =>
  (event.type === 'vanished' ? event.tracked : event.portout).phoneNumbers;

/** How a digest counts this event, e.g. "new pending". */
function tallyLabel(event: PortoutEvent): string {
  switch (event.type) {
    case 'new':
      return `new ${event.portout.status}`;
    case 'status-changed':
      return `now ${event.portout.status}`;
    case 'foc-date-changed':
      return 'FOC moved';
    case 'new-comment':
      return 'commented';
    case 'foc-approaching':
      return 'FOC soon';
    case 'possible-fraud':
      return 'possible fraud';
    case 'vanished':
      return 'gone';
  }
}

/** "3 new pending, 1 now authorized", most frequent first. */
export function tally(events: readonly PortoutEvent[]): string {
  const counts = new Map<string, number>();
  for (const label of events.map(tallyLabel)) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([label, count]) => `${count} ${label}`)
    .join(', ');
}
