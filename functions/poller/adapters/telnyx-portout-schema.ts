import * as v from 'valibot';
import { PORTOUT_ID_PATTERN, PORTOUT_STATUSES, type Portout } from '../core/portout.ts';
import type { PortoutComment } from '../core/ports.ts';

// Telnyx documents every field as optional and shows nulls on fresh requests, so each one is nullish here.
const text = v.nullish(v.string());
const timestamp = v.nullish(
  v.pipe(
    v.string(),
    v.check((value) => !Number.isNaN(Date.parse(value)), 'not a date'),
  ),
);

export const PortoutItemSchema = v.object({
  id: v.pipe(v.string('not a string'), v.regex(PORTOUT_ID_PATTERN, 'id has an unexpected shape')),
  status: v.picklist(PORTOUT_STATUSES, 'unknown status'),
  phone_numbers: v.nullish(v.array(v.string('phone_numbers must hold strings'))),
  support_key: text,
  carrier_name: text,
  spid: text,
  pon: text,
  foc_date: timestamp,
  requested_foc_date: timestamp,
  end_user_name: text,
  authorized_name: text,
  service_address: text,
  city: text,
  state: text,
  zip: text,
  reason: text,
  rejection_code: v.nullish(v.number()),
  created_at: timestamp,
  updated_at: timestamp,
});

/** Names each failing field and what is wrong with it; never echoes the value, which may be personal data. */
function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const problem = issue.kind === 'schema' && issue.type === 'object' && issue.input === undefined ? 'missing' : issue.message.split(':')[0];
      return `${v.getDotPath(issue) ?? 'item'}: ${problem}`;
    })
    .join('; ');
}

type PortoutItem = v.InferOutput<typeof PortoutItemSchema>;
type Check = (value: unknown) => boolean;

const isText: Check = (value) => value === null || value === undefined || typeof value === 'string';
const isTimestamp: Check = (value) =>
  value === null || value === undefined || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));

/**
 * The schema's rules as plain checks, one per field (the type makes a new field need one). Listing 10,000 items,
 * valibot takes several times as long to say "valid" as these do, so it runs only to name what failed.
 */
const FIELD_CHECKS: Record<keyof typeof PortoutItemSchema.entries, Check> = {
  id: (value) => typeof value === 'string' && PORTOUT_ID_PATTERN.test(value),
  status: (value) => (PORTOUT_STATUSES as readonly unknown[]).includes(value),
  phone_numbers: (value) => {
    if (value === null || value === undefined) return true;
    if (!Array.isArray(value)) return false;
    for (let index = 0; index < value.length; index++) if (typeof value[index] !== 'string') return false;
    return true;
  },
  support_key: isText,
  carrier_name: isText,
  spid: isText,
  pon: isText,
  foc_date: isTimestamp,
  requested_foc_date: isTimestamp,
  end_user_name: isText,
  authorized_name: isText,
  service_address: isText,
  city: isText,
  state: isText,
  zip: isText,
  reason: isText,
  rejection_code: (value) => value === null || value === undefined || (typeof value === 'number' && !Number.isNaN(value)),
  created_at: isTimestamp,
  updated_at: isTimestamp,
};
const CHECKED_FIELDS = Object.entries(FIELD_CHECKS);

function passesChecks(raw: unknown): raw is PortoutItem {
  if (!raw || typeof raw !== 'object') return false;
  const item = raw as Record<string, unknown>;
  for (const [key, check] of CHECKED_FIELDS) if (!check(item[key])) return false;
  return true;
}

function toPortout(item: PortoutItem): Portout {
  return {
    id: item.id,
    status: item.status,
    phoneNumbers: item.phone_numbers ? [...item.phone_numbers] : [],
    supportKey: item.support_key ?? null,
    carrierName: item.carrier_name ?? null,
    spid: item.spid ?? null,
    pon: item.pon ?? null,
    focDate: item.foc_date ?? null,
    requestedFocDate: item.requested_foc_date ?? null,
    endUserName: item.end_user_name ?? null,
    authorizedName: item.authorized_name ?? null,
    serviceAddress: item.service_address ?? null,
    city: item.city ?? null,
    state: item.state ?? null,
    zip: item.zip ?? null,
    reason: item.reason ?? null,
    rejectionCode: item.rejection_code ?? null,
    createdAt: item.created_at ?? null,
    updatedAt: item.updated_at ?? null,
  };
}

export type ParsedItem = { ok: true; portout: Portout } | { ok: false; id: string | null; problem: string };

/** Validates one listed item. The problem text names fields, never values, so it is safe to log. */
export function parsePortoutItem(raw: unknown): ParsedItem {
  if (passesChecks(raw)) return { ok: true, portout: toPortout(raw) };
  const result = v.safeParse(PortoutItemSchema, raw);
  if (!result.success) {
    const rawId = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    const id = typeof rawId === 'string' && PORTOUT_ID_PATTERN.test(rawId) ? rawId : null;
    return { ok: false, id, problem: describeIssues(result.issues) };
  }
  return { ok: true, portout: toPortout(result.output) };
}

const count = v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0)));

const ListPageSchema = v.object({
  data: v.array(v.unknown(), 'not an array'),
  // Paging metadata is only trusted when well formed; without it the source pages sequentially.
  meta: v.fallback(
    v.nullish(v.object({ page_number: count, page_size: count, total_pages: count, total_results: count })),
    null,
  ),
});

export type ListPage = {
  items: unknown[];
  pageNumber: number | null;
  pageSize: number | null;
  totalPages: number | null;
  totalResults: number | null;
};

export function parseListPage(body: unknown): ListPage | { problem: string } {
  const result = v.safeParse(ListPageSchema, body);
  if (!result.success) return { problem: describeIssues(result.issues) };
  return {
    items: result.output.data,
    pageNumber: result.output.meta?.page_number ?? null,
    pageSize: result.output.meta?.page_size || null,
    totalPages: result.output.meta?.total_pages ?? null,
    totalResults: result.output.meta?.total_results ?? null,
  };
}

const RetrieveSchema = v.object({ data: v.unknown() });

export function parseRetrieveBody(body: unknown): { item: unknown } | { problem: string } {
  const result = v.safeParse(RetrieveSchema, body);
  return result.success ? { item: result.output.data } : { problem: describeIssues(result.issues) };
}

const CommentEventSchema = v.object({
  id: v.string(),
  event_type: v.literal('portout.new_comment'),
  created_at: v.pipe(
    v.string(),
    v.check((value) => !Number.isNaN(Date.parse(value))),
  ),
  portout_id: v.pipe(v.string(), v.regex(PORTOUT_ID_PATTERN)),
  payload: v.object({
    id: v.nullish(v.string()),
    comment: v.string(),
    // Telnyx leaves user_id null on comments its porting staff write.
    user_id: v.nullish(v.string()),
  }),
});

/** A `portout.new_comment` event from the events feed, or null if it isn't one we can read. */
export function parseCommentEvent(raw: unknown): PortoutComment | null {
  const result = v.safeParse(CommentEventSchema, raw);
  if (!result.success) return null;
  const event = result.output;
  return {
    id: event.payload.id ?? event.id,
    portoutId: event.portout_id,
    body: event.payload.comment,
    byTelnyxStaff: !event.payload.user_id,
    createdAt: new Date(event.created_at).toISOString(),
  };
}
