import type { Portout, PortoutStatus } from './portout.ts';
import type { PortoutComment, TrackedPortout } from './ports.ts';

/**
 * What happened to one port-out in one run: at most one event per port-out, the most important kind
 * (status > FOC date > comment > reminder), carrying the comments that came with it.
 */
export type PortoutEvent =
  /** `priorVersion`: the version of a closed record the request had before (it vanished and came back). */
  | { type: 'new'; portout: Portout; comments: PortoutComment[]; priorVersion?: number }
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

/** The open record's version the event was computed from; null when there was no open record. */
export function eventBasisVersion(event: PortoutEvent): number | null {
  return event.type === 'new' || event.type === 'possible-fraud' ? null : event.tracked.version;
}

/**
 * The version the event's write records. It keeps counting across a close and a return, so a request that vanished
 * and came back never reuses an alert id its first life already sent.
 */
export function eventNextVersion(event: PortoutEvent): number {
  if (event.type === 'new') return (event.priorVersion ?? 0) + 1;
  return (eventBasisVersion(event) ?? 0) + 1;
}
