import * as v from 'valibot';
import {
  isIsoTimestamp,
  PORTOUT_ID_PATTERN,
  readStatus,
  unreadableValue,
  type Portout,
  type UnreadableField,
} from '../core/portout.ts';
import type { PortoutComment } from '../core/ports.ts';

/** Names each failing field and what is wrong with it; never echoes the value, which may be personal data. */
function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const problem = issue.kind === 'schema' && issue.type === 'object' && issue.input === undefined ? 'missing' : issue.message.split(':')[0];
      return `${v.getDotPath(issue) ?? 'item'}: ${problem}`;
    })
    .join('; ');
}

const UNREADABLE = Symbol('unreadable');
/** Reads one optional field: its value, null when Telnyx sent none, or UNREADABLE for any other shape. */
type Read<T> = (value: unknown) => T | null | typeof UNREADABLE;

// Telnyx documents every field as optional and shows nulls on fresh requests, so null and absent are "not set".
const text: Read<string> = (value) => (value === null || value === undefined ? null : typeof value === 'string' ? value : UNREADABLE);
const timestamp: Read<string> = (value) => {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return UNREADABLE;
  // An empty date says "not set" as plainly as null does.
  if (value.trim() === '') return null;
  return isIsoTimestamp(value) ? value : UNREADABLE;
};
const code: Read<number> = (value) =>
  value === null || value === undefined ? null : typeof value === 'number' && Number.isFinite(value) ? value : UNREADABLE;

/** The readable numbers; anything else in `phone_numbers` makes the field unreadable, though the strings still count. */
function readPhoneNumbers(value: unknown, unreadable: UnreadableField[]): string[] {
  if (value === null || value === undefined) return [];
  const numbers = Array.isArray(value) ? value.filter((number): number is string => typeof number === 'string') : [];
  if (!Array.isArray(value) || numbers.length < value.length) unreadable.push({ field: 'phone_numbers', value: unreadableValue(value) });
  return numbers;
}

/** Why an item can't be diffed at all; the text names fields, never values, so it is safe to log. */
function holdBackReason(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'item: not an object';
  const { id, status } = raw as { id?: unknown; status?: unknown };
  const problems: string[] = [];
  if (id === undefined || id === null) problems.push('id: missing');
  else if (typeof id !== 'string') problems.push('id: not a string');
  else if (!PORTOUT_ID_PATTERN.test(id)) problems.push('id: unexpected shape');
  if (status === undefined || status === null) problems.push('status: missing');
  else if (typeof status !== 'string') problems.push('status: not a string');
  else if (readStatus(status) === null) problems.push('status: blank');
  return problems.length > 0 ? problems.join('; ') : null;
}

export type ParsedItem = { ok: true; portout: Portout } | { ok: false; id: string | null; problem: string };

/**
 * Reads one port-out item, failing open: an item with a usable id and a status is read whatever shape its other
 * fields arrive in, each unreadable one set to null and listed in `unreadable` (an unknown status is kept,
 * sanitized). Only an item without a usable id or status is held back; the problem text names fields, never values.
 */
export function parsePortoutItem(raw: unknown): ParsedItem {
  const problem = holdBackReason(raw);
  if (problem !== null) {
    const rawId = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    const id = typeof rawId === 'string' && PORTOUT_ID_PATTERN.test(rawId) ? rawId : null;
    return { ok: false, id, problem };
  }
  const item = raw as Record<string, unknown>;
  const unreadable: UnreadableField[] = [];
  const read = <T>(field: string, reader: Read<T>): T | null => {
    const value = reader(item[field]);
    if (value !== UNREADABLE) return value;
    unreadable.push({ field, value: unreadableValue(item[field]) });
    return null;
  };
  // Read in the order of the Portout fields, so `unreadable` lists them in the order alerts show them.
  const phoneNumbers = readPhoneNumbers(item.phone_numbers, unreadable);
  return {
    ok: true,
    portout: {
      id: item.id as string,
      status: readStatus(item.status)!,
      phoneNumbers,
      supportKey: read('support_key', text),
      carrierName: read('carrier_name', text),
      spid: read('spid', text),
      pon: read('pon', text),
      focDate: read('foc_date', timestamp),
      requestedFocDate: read('requested_foc_date', timestamp),
      endUserName: read('end_user_name', text),
      authorizedName: read('authorized_name', text),
      serviceAddress: read('service_address', text),
      city: read('city', text),
      state: read('state', text),
      zip: read('zip', text),
      reason: read('reason', text),
      rejectionCode: read('rejection_code', code),
      createdAt: read('created_at', timestamp),
      updatedAt: read('updated_at', timestamp),
      unreadable,
    },
  };
}

const ListPageSchema = v.object({ data: v.array(v.unknown(), 'not an array'), meta: v.optional(v.unknown()) });

export type ListPage = {
  items: unknown[];
  pageNumber: number | null;
  pageSize: number | null;
  totalPages: number | null;
  totalResults: number | null;
};

const META_FIELDS = ['page_number', 'page_size', 'total_pages', 'total_results'] as const;

/**
 * One listing page. Without `meta` (or a field of it) the source pages to the first short page; a `meta` that
 * contradicts the request (another page number, a page larger than asked, a count that is not a whole number) makes
 * the page untrustworthy, so it fails like a malformed one and nothing is concluded from the listing. The problem
 * text holds field names and numbers only.
 */
export function parseListPage(body: unknown, asked: { pageNumber: number; pageSize: number }): ListPage | { problem: string } {
  const result = v.safeParse(ListPageSchema, body);
  if (!result.success) return { problem: describeIssues(result.issues) };
  const { data, meta } = result.output;
  const page: ListPage = { items: data, pageNumber: null, pageSize: null, totalPages: null, totalResults: null };
  if (meta === null || meta === undefined) return page;
  if (typeof meta !== 'object' || Array.isArray(meta)) return { problem: 'meta: not an object' };
  const counts: Partial<Record<(typeof META_FIELDS)[number], number>> = {};
  for (const field of META_FIELDS) {
    const value = (meta as Record<string, unknown>)[field];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      return { problem: `meta.${field}: not a whole number from 0 up` };
    }
    counts[field] = value;
  }
  const { page_number: pageNumber, page_size: pageSize } = counts;
  if (pageNumber !== undefined && pageNumber !== asked.pageNumber) {
    return { problem: `meta.page_number: ${pageNumber} on the answer for page ${asked.pageNumber}` };
  }
  if (pageSize !== undefined && pageSize > asked.pageSize) {
    return { problem: `meta.page_size: ${pageSize}, more than the ${asked.pageSize} asked for` };
  }
  if (pageSize !== undefined && data.length > pageSize) {
    return { problem: `meta.page_size: ${pageSize}, but the page holds ${data.length} items` };
  }
  return {
    ...page,
    pageNumber: pageNumber ?? null,
    // A page size of 0 says nothing about where the listing ends.
    pageSize: pageSize || null,
    totalPages: counts.total_pages ?? null,
    totalResults: counts.total_results ?? null,
  };
}

const RetrieveSchema = v.object({ data: v.unknown() });

export function parseRetrieveBody(body: unknown): { item: unknown } | { problem: string } {
  const result = v.safeParse(RetrieveSchema, body);
  return result.success ? { item: result.output.data } : { problem: describeIssues(result.issues) };
}

export type ParsedComment = { ok: true; comment: PortoutComment } | { ok: false; problem: string };

/**
 * A `portout.new_comment` event from the events feed, failing open like a port-out: one that names a usable port-out
 * and says when it was posted is alerted, its body or author shown as unreadable if they arrive in another shape.
 * Without the time it can't be told once (comments are de-duplicated by time), so it is held back with the port-out
 * id or the event type missing. The problem text names fields, never values.
 */
export function parseCommentEvent(raw: unknown): ParsedComment {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, problem: 'item: not an object' };
  const event = raw as Record<string, unknown>;
  const problems: string[] = [];
  if (event.event_type !== 'portout.new_comment') problems.push('event_type: not portout.new_comment');
  const portoutId = event.portout_id;
  if (typeof portoutId !== 'string' || !PORTOUT_ID_PATTERN.test(portoutId)) problems.push('portout_id: missing or unexpected shape');
  const createdAt = event.created_at;
  if (typeof createdAt !== 'string' || !isIsoTimestamp(createdAt)) problems.push('created_at: missing or not a date');
  if (problems.length > 0) return { ok: false, problem: problems.join('; ') };

  const unreadable: UnreadableField[] = [];
  const payload = typeof event.payload === 'object' && event.payload !== null && !Array.isArray(event.payload) ? (event.payload as Record<string, unknown>) : null;
  if (payload === null) unreadable.push({ field: 'payload', value: unreadableValue(event.payload) });
  const body = payload?.comment;
  if (payload !== null && typeof body !== 'string') unreadable.push({ field: 'payload.comment', value: unreadableValue(body) });
  // Telnyx leaves user_id null on comments its porting staff write; any other shape can't say who wrote it.
  const userId = payload?.user_id;
  const byTelnyxStaff = payload !== null && (userId === null || userId === undefined);
  if (payload !== null && !byTelnyxStaff && typeof userId !== 'string') unreadable.push({ field: 'payload.user_id', value: unreadableValue(userId) });
  const created = new Date(createdAt as string).toISOString();
  const commentId = [payload?.id, event.id].find((id): id is string => typeof id === 'string' && id !== '');
  return {
    ok: true,
    comment: {
      id: commentId ?? `${portoutId as string}@${created}`,
      portoutId: portoutId as string,
      body: typeof body === 'string' ? body : '',
      byTelnyxStaff,
      createdAt: created,
      unreadable,
    },
  };
}
