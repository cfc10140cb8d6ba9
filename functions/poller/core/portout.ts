/** Every status the Telnyx spec allows, in one place: the simulator, the source and the stack all read it here. */
export const PORTOUT_STATUSES = ['pending', 'authorized', 'ported', 'rejected', 'rejected-pending', 'canceled'] as const;
export type PortoutStatus = (typeof PORTOUT_STATUSES)[number];

/** The statuses a customer can still act on; the poller lists exactly these. */
export const WATCHED_STATUSES = ['pending', 'rejected-pending'] as const satisfies readonly PortoutStatus[];
export type WatchedStatus = (typeof WATCHED_STATUSES)[number];

export function isPortoutStatus(value: unknown): value is PortoutStatus {
  return typeof value === 'string' && (PORTOUT_STATUSES as readonly string[]).includes(value);
}

export function isWatchedStatus(status: PortoutStatus): status is WatchedStatus {
  return (WATCHED_STATUSES as readonly string[]).includes(status);
}

/**
 * A port-out request as the core sees it: validated, camelCased, with every optional Telnyx field
 * normalised to null (Telnyx documents nulls on fresh requests for most of them).
 */
export interface Portout {
  id: string;
  status: PortoutStatus;
  phoneNumbers: string[];
  supportKey: string | null;
  carrierName: string | null;
  spid: string | null;
  pon: string | null;
  focDate: string | null;
  requestedFocDate: string | null;
  endUserName: string | null;
  authorizedName: string | null;
  serviceAddress: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  reason: string | null;
  rejectionCode: number | null;
  createdAt: string | null;
  updatedAt: string | null;
}

/** Port-out ids become DynamoDB sort keys and URL path segments, so only this shape is accepted. */
export const PORTOUT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
