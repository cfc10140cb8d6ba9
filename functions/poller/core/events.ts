import type { Portout, PortoutStatus } from './portout.ts';
import type { PortoutComment, TrackedPortout } from './ports.ts';

/**
 * What happened to one port-out in one run: at most one event per port-out, the most important kind
 * (status > FOC date > comment > reminder), carrying the comments that came with it.
 */
export type PortoutEvent =
  | { type: 'new'; portout: Portout; comments: PortoutComment[] }
  | { type: 'status-changed'; portout: Portout; tracked: TrackedPortout; previousStatus: PortoutStatus; comments: PortoutComment[] }
  | { type: 'foc-date-changed'; portout: Portout; tracked: TrackedPortout; previousFocDate: string | null; comments: PortoutComment[] }
  | { type: 'new-comment'; portout: Portout; tracked: TrackedPortout; comments: PortoutComment[] }
  /** Still pending with the FOC date inside a reminder threshold (hours) not yet reminded. */
  | { type: 'foc-approaching'; portout: Portout; tracked: TrackedPortout; reminderHours: number }
  /** A tracked request that Telnyx now answers 404 for. */
  | { type: 'vanished'; tracked: TrackedPortout }
  /** A request created as (or turned) `rejected` before it was ever seen pending: with PIN protection, a wrong PIN. */
  | { type: 'possible-fraud'; portout: Portout };

export function eventPortoutId(event: PortoutEvent): string {
  return event.type === 'vanished' ? event.tracked.id : event.portout.id;
}

/** The version the event was computed from; null for a port-out never recorded before. */
export function eventBasisVersion(event: PortoutEvent): number | null {
  return event.type === 'new' || event.type === 'possible-fraud' ? null : event.tracked.version;
}
