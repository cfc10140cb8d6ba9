import type { PortoutEvent } from './model.ts';

// Defined in model.ts, beside the types the rendering shares; the deciding half finds it here too.
export type { PortoutEvent } from './model.ts';

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
