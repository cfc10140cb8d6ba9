import type { Portout, PortoutStatus } from './portout.ts';
import type { TrackedPortout } from './ports.ts';

/** Something a person should hear about, for one port-out. At most one per port-out per run. */
export type PortoutEvent =
  | { type: 'new'; portout: Portout }
  | { type: 'status-changed'; portout: Portout; previousStatus: PortoutStatus; tracked: TrackedPortout }
  /** A tracked request that Telnyx now answers 404 for. */
  | { type: 'vanished'; tracked: TrackedPortout };

export function eventPortoutId(event: PortoutEvent): string {
  return event.type === 'vanished' ? event.tracked.id : event.portout.id;
}

/** The version the event was computed from; null for a port-out never seen before. */
export function eventBasisVersion(event: PortoutEvent): number | null {
  return event.type === 'new' ? null : event.tracked.version;
}
