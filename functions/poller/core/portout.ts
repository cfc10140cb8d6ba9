/** Every status the Telnyx spec allows, in one place: the simulator, the source and the stack all read it here. */
export const PORTOUT_STATUSES = ['pending', 'authorized', 'ported', 'rejected', 'rejected-pending', 'canceled'] as const;
export type KnownPortoutStatus = (typeof PORTOUT_STATUSES)[number];

declare const unknownStatus: unique symbol;
/**
 * A status Telnyx sent that this version does not know (Telnyx may add one): its raw name, sanitized by readStatus
 * so it is safe in alert ids, message attributes and table items. Only readStatus makes one.
 */
export type UnknownPortoutStatus = string & { readonly [unknownStatus]: true };
export type PortoutStatus = KnownPortoutStatus | UnknownPortoutStatus;

/** The statuses a customer can still act on; the poller lists exactly these. */
export const WATCHED_STATUSES = ['pending', 'rejected-pending'] as const satisfies readonly KnownPortoutStatus[];
export type WatchedStatus = (typeof WATCHED_STATUSES)[number];

export function isKnownStatus(value: unknown): value is KnownPortoutStatus {
  return typeof value === 'string' && (PORTOUT_STATUSES as readonly string[]).includes(value);
}

/**
 * Whether the poller keeps watching a request in this status: pending and rejected-pending, and any status it does
 * not know. An unknown status came back from the `pending,rejected-pending` listing, or a watched request turned
 * into it; nobody can say whether the customer may still act, so the watch fails open and keeps following it.
 */
export function isWatchedStatus(status: string): boolean {
  return !isKnownStatus(status) || (WATCHED_STATUSES as readonly string[]).includes(status);
}

const STATUS_MAX_CHARS = 40;

/**
 * A status as Telnyx sent it: a known one as is, any other string sanitized (runs of characters outside
 * `A-Za-z0-9_-` become `_`, cut to 40 characters). Null when there is no usable status: not a string, or nothing
 * left after sanitizing.
 */
export function readStatus(raw: unknown): PortoutStatus | null {
  if (typeof raw !== 'string') return null;
  if (isKnownStatus(raw)) return raw;
  const cleaned = raw
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '')
    .slice(0, STATUS_MAX_CHARS);
  if (isKnownStatus(cleaned)) return cleaned;
  return /[A-Za-z0-9]/.test(cleaned) ? (cleaned as UnknownPortoutStatus) : null;
}

/**
 * A field Telnyx sent in a shape that can't be read (a `foc_date` of "TBD", a number for `carrier_name`). The alert
 * still goes out, showing this instead of the value. Never logged: the value may be personal data.
 */
export interface UnreadableField {
  /** The field's name as Telnyx sends it, e.g. `foc_date`. */
  field: string;
  /** The raw value as JSON, printable ASCII only, cut to UNREADABLE_VALUE_MAX_CHARS. */
  value: string;
}

export const UNREADABLE_VALUE_MAX_CHARS = 40;

/** The unreadable field of this name, if Telnyx sent it in a shape that can't be read. */
export function unreadableField(item: { unreadable: readonly UnreadableField[] }, field: string): UnreadableField | undefined {
  return item.unreadable.find((entry) => entry.field === field);
}

/** What an unreadable value looks like in an alert: JSON, printable ASCII (others become `?`), cut short with `..`. */
export function unreadableValue(raw: unknown): string {
  const json = JSON.stringify(raw) ?? String(raw);
  const printable = json.replace(/[^\x20-\x7e]/g, '?');
  return printable.length <= UNREADABLE_VALUE_MAX_CHARS ? printable : `${printable.slice(0, UNREADABLE_VALUE_MAX_CHARS - 2)}..`;
}

/**
 * A port-out request as the core sees it, camelCased, with every optional Telnyx field normalised to null
 * (Telnyx documents nulls on fresh requests for most of them). A field Telnyx sent in a shape that can't be read is
 * null here too, and listed in `unreadable`, so the alerts can say which it was.
 */
export interface Portout {
  id: string;
  status: PortoutStatus;
  /** The readable numbers; if `phone_numbers` held anything else, it is listed in `unreadable`. */
  phoneNumbers: string[];
  supportKey: string | null;
  carrierName: string | null;
  spid: string | null;
  pon: string | null;
  /** ISO 8601 timestamps, as received; null when absent or unreadable. */
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
  /** Fields that arrived in a shape that can't be read, in the order Telnyx documents them. */
  unreadable: UnreadableField[];
}

/** Port-out ids become DynamoDB sort keys and URL path segments, so only this shape is accepted. */
export const PORTOUT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Telnyx documents ISO 8601. Date.parse alone also reads "foo 2020" and "12" as dates, so a readable timestamp must
 * start with a calendar date.
 */
export function isIsoTimestamp(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value));
}

/** Two timestamps naming the same instant, however each is written (`…Z`, `…+00:00`, with or without milliseconds). */
export function sameInstant(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return false;
  const at = Date.parse(a);
  return !Number.isNaN(at) && at === Date.parse(b);
}
