/**
 * A loopback simulator of the Telnyx port-out API (`GET /v2/portouts`, `GET /v2/portouts/{id}`,
 * `GET /v2/portouts/events`) and of managed-account discovery (`GET /v2/managed_accounts`,
 * `GET /v2/managed_accounts/{id}`), for the local run, the test suite and the benchmark. It speaks what the official
 * `telnyx` SDK sends and reads (see /work/shared/telnyx/list-portouts.md and api-notes.md).
 *
 * Accounts: one server serves several accounts, told apart by the bearer key. The simulator handle is the default
 * account (`options.apiKey`); `addAccount` and `addManagedAccount` open more, each with its own records, events,
 * faults, request log and hooks. A request is routed to the account holding its key; one with no or an unknown key
 * is logged by the default account, takes its faults, and gets 401. Latency is server-wide. Keys are unique.
 *
 * Semantics chosen where the spec is silent:
 * - Order: ascending `inserted_at`, then `id`, then insertion order. Records without a parseable `inserted_at`
 *   or without a string `id` sort after the others. The order is cached and only recomputed after
 *   `upsert`/`remove`, so a 10,000-record listing does not re-sort on every page.
 * - Records are stored as given (deep-copied), so they may violate the schema; filters treat a missing or
 *   mistyped field as "does not match". Only string ids are keys: other records are listed but not retrievable.
 * - Text filters (`carrier_name`, `spid`, `pon`, `support_key`) are exact and case-sensitive; `phone_number`
 *   matches any exact entry of `phone_numbers`; `status`/`status_in` must be spec statuses (else 422).
 * - `country_code`/`country_code_in` take 2 letters, case-insensitive. A record's country is its `country_code`
 *   field if it is a string, else derived from the first phone number's calling code (see CALLING_CODES; +1 maps
 *   to US, so give Canadian records an explicit `country_code`).
 * - Dates in filters: `YYYY-MM-DD` (midnight UTC) or an RFC 3339 date-time with `Z` or an offset (else 422).
 *   `foc_date` matches records whose `foc_date` falls on the same UTC calendar day. `inserted_at[gte|lte]` and
 *   `ported_out_at[gte|lte]` compare instants, inclusive. `ported_out_at` is not in the record schema: it reads
 *   a `ported_out_at` field if the record has one, so records without it never match that filter.
 * - Arrays: comma-joined (what the SDK sends), bracketed (`key[]=a&key[]=b`) and repeated forms, in any mix.
 *   A scalar parameter given twice, an empty value, or an unknown `filter[...]`/`page[...]` key is a 422, so a
 *   client typo fails loudly instead of silently returning everything. Other query parameters are ignored.
 * - Paging: `total_pages` is `ceil(total_results / page_size)`, so 0 when nothing matches.
 * - Authentication is checked before routing and validation. Non-GET methods get the 404 envelope.
 * - Latency (global plus a fault's `delayMs`) is waited out before the response is computed, so a page reflects
 *   the store when it is sent; a request whose client gave up meanwhile is dropped.
 *
 * The events feed (`GET /v2/portouts/events`, SDK `client.portouts.events.list`):
 * - `/v2/portouts/events` is routed before `/v2/portouts/{id}`, so a record whose id is `events` is listed but
 *   cannot be retrieved.
 * - Events are only created by `setStatus` (`portout.status_changed`), `addComment` (`portout.new_comment`) and
 *   `setFocDate` (`portout.foc_date_changed`). `upsert` and `remove` create none, and `remove` keeps the removed
 *   port-out's events (the feed is a log).
 * - Order: ascending `created_at`, then creation order. Telnyx documents no order for this endpoint; ascending suits
 *   a change log read with `filter[created_at][gte]` as a cursor.
 * - `created_at` defaults to now, but always at least 1 ms after the latest event already in the feed, so a new
 *   event sorts last even after an explicit future `createdAt`; `updated_at` equals `created_at`.
 * - Event shape, as the SDK's `PortoutEvent` types and the documentation example: `{ id, event_type, portout_id,
 *   available_notification_methods: ['email'], payload_status: 'created', payload, record_type: 'portout_event',
 *   created_at, updated_at }`. Ids are deterministic UUID-shaped strings: events `e0000000-0000-4000-8000-<n>`,
 *   generated comment ids `c0000000-0000-4000-8000-<n>` (n counts from 1, 12 digits).
 * - Payloads are snapshots of the record when the event is created (see the methods for the fields). A payload
 *   field whose record field is missing (`undefined`) is omitted; `null` is kept.
 * - Parameters: `filter[event_type]` (one of the three types, else 422), `filter[portout_id]` (exact string; no
 *   UUID check, since simulator ids are free-form), `filter[created_at][gte|lte]` (dates as for the list, inclusive),
 *   `page[number]`/`page[size]`, with the list's parsing rules: unknown `filter[...]`/`page[...]` keys (including
 *   every list-only filter), repeats and empty values are 422s; other parameters are ignored. Auth, `meta` and
 *   faults work as for the list; `onListPage` does not run for it.
 *
 * Managed accounts (documented by Telnyx, unverified against a live account; see api-notes.md):
 * - Any account may list; it sees the accounts it manages (none: an empty list; Telnyx may answer 403 to an
 *   account it has not made a manager, which a fault reproduces). Retrieving another manager's account is a 404.
 * - List items follow the SDK's `ManagedAccountListResponse`: `{ id, email, organization_name (when given),
 *   manager_account_id, record_type: 'managed_account', rollup_billing, managed_account_allow_custom_pricing,
 *   created_at, updated_at }`, with no key and no status. Retrieve returns `{ data }` with the same fields plus
 *   `api_key` (the account's current key, so rotation shows). No `api_token`/`api_user`/`balance`.
 * - Order: created_at descending (Telnyx's documented default), i.e. newest first; `sort` is ignored, so an account
 *   added between page fetches shifts later pages.
 * - Parameters: `filter[status][eq]` (see parseManagedListQuery), `filter[email|organization_name][eq|contains]`,
 *   `include_cancelled_accounts` (`true`/`false`), `page[number]`/`page[size]` with the list's paging, meta and
 *   parsing rules (422 on unknown `filter[...]`/`page[...]` keys, repeats, empty values).
 * - A managed account that is not enabled gets 403 (10010) on every request made with its own key.
 * - A deleted managed account (removeManagedAccount) is gone from every listing, its retrieve is the 404 envelope,
 *   and its own key is refused (401). Its id is not reused.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PORTOUT_STATUSES } from '../functions/poller/core/portout.ts';

/** One simulated Telnyx account: its key, port-outs, events feed, faults and request log. */
export interface TelnyxAccount {
  /** Telnyx's id for the account: a managed account's given id, else generated; `manager_account_id` of the accounts it manages */
  readonly id: string;
  readonly apiKey: string;
  /** simulates key rotation: requests with the old key get 401 from now on; throws if another account holds the key */
  setApiKey(key: string): void;
  /** insert or replace by id (records without a string id are appended); records are deep-copied */
  upsert(...records: Record<string, unknown>[]): void;
  /** throws if no record has this id */
  remove(id: string): void;
  /**
   * sets `status` and bumps `updated_at` (strictly increasing per record); throws if no record has this id.
   * Also appends a `portout.status_changed` event whose payload is, from the updated record:
   * `{ id, status, phone_numbers, carrier_name, spid, user_id, subscriber_name: end_user_name,
   * rejection_reason: reason, attempted_pin }` (`attempted_pin` only if the record has such a field).
   * Every call appends one, even when the status does not change.
   */
  setStatus(id: string, status: string): void;
  /**
   * Sets `foc_date` (a `YYYY-MM-DD` date or an RFC 3339 date-time with zone, stored as given; else RangeError),
   * bumps `updated_at` as `setStatus` does, and appends a `portout.foc_date_changed` event with payload
   * `{ id, foc_date, user_id }` (`user_id` from the record). Returns a copy of the event; throws if no record has this id.
   */
  setFocDate(id: string, focDate: string): Record<string, unknown>;
  /**
   * Appends a `portout.new_comment` event with payload `{ id, comment, portout_id, user_id }`: `id` is the
   * comment's id (generated unless given), `comment` its body, `user_id` its author. A null or omitted `userId`
   * means Telnyx porting staff wrote it, and gives `user_id: null` (as the comments endpoint does). `createdAt`
   * (validated like `setFocDate`'s date, stored as given) overrides the event's `created_at`. The record is left
   * unchanged (`updated_at` included). Returns a copy of the event; throws if no record has `portoutId`.
   */
  addComment(portoutId: string, comment: { body: string; userId?: string | null; createdAt?: string; id?: string }): Record<string, unknown>;
  /** deep copy of the events feed, in feed order (ascending created_at, then creation order) */
  events(): Record<string, unknown>[];
  /** deep copy of the current records, in list order */
  records(): Record<string, unknown>[];
  /** every request this account received (the default account's also holds those with an unknown key) */
  readonly requests: ReadonlyArray<SimulatorRequest>;
  resetRequests(): void;
  /** queue a fault for this account's next matching request(s); when several match, the earliest injected wins */
  injectFault(fault: Fault): void;
  clearFaults(): void;
  /**
   * Runs right before an authenticated, valid list page is computed (after latency, and not when a fault
   * replaces the response); lets tests insert/remove records between page fetches.
   */
  onListPage(hook: ((pageNumber: number) => void) | undefined): void;
  /**
   * Runs with a copy of each event right after it joins the feed (`setStatus`, `setFocDate`, `addComment`): how
   * local/simulator-webhooks.ts posts the signed webhooks Telnyx would send.
   */
  onEvent(hook: ((event: Record<string, unknown>) => void) | undefined): void;
}

/** Telnyx's managed-account statuses (the list's `filter[status][eq]` also takes `all` and `active`). */
export type ManagedAccountStatus = 'enabled' | 'disabled' | 'blocked' | 'cancelled';

export interface ManagedAccountSpec {
  /** Telnyx's id for the managed account; must be unused */
  id: string;
  /** omitted means the field is absent, as the spec allows */
  organizationName?: string;
  /** default `<id>@managed.simulator.invalid` */
  email?: string;
  /** default 'enabled' */
  status?: ManagedAccountStatus;
  /** the managing account's current key; default the default account's */
  managerKey?: string;
  /** the managed account's own key; default generated (`KEY_ACCOUNT_<n>`) */
  apiKey?: string;
}

/** The server, and its default account (the one `options.apiKey` opens; every single-account caller uses it alone). */
export interface TelnyxSimulator extends TelnyxAccount {
  /** e.g. 'http://127.0.0.1:54321/v2': pass as the SDK's baseURL */
  readonly baseUrl: string;
  /** another account on the same server, reached with its own key (generated `KEY_ACCOUNT_<n>` unless given) */
  addAccount(apiKey?: string): TelnyxAccount;
  /** a managed account: listed and retrieved (with its key) by its manager; its own key reaches its port-outs */
  addManagedAccount(spec: ManagedAccountSpec): TelnyxAccount;
  /** changes a managed account's status and bumps its `updated_at`; throws on an unknown id */
  setManagedStatus(id: string, status: ManagedAccountStatus): void;
  /** deletes a managed account (see the header); throws on an unknown id */
  removeManagedAccount(id: string): void;
  /** latency added to every response of every account (ms), default 0 */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export interface SimulatorRequest {
  method: string;
  /** path without the query, e.g. '/v2/portouts' */
  path: string;
  query: URLSearchParams;
  /** Date.now() when the request arrived */
  at: number;
}

/**
 * A fault overlays the normal response. `status` and/or `body` replace it entirely (the list hook does not run);
 * the other fields adjust whatever is sent.
 */
export interface Fault {
  /**
   * omitted fields match anything; `pageNumber` (a request without `page[number]` is page 1) only matches valid
   * list, events and managed-list requests, `id` only retrieves (a port-out's or a managed account's); `query`
   * needs each parameter given exactly so, e.g. `{ 'filter[status][eq]': 'enabled' }`
   */
  match?: { route?: FaultRoute; pageNumber?: number; id?: string; query?: Record<string, string> };
  /** how many matching requests it hits, default 1; Infinity allowed */
  times?: number;
  /** e.g. 429, 500, 502, 503; the body is the error envelope unless `body` is given */
  status?: number;
  /** value of the Retry-After header, e.g. '2' or an HTTP date */
  retryAfter?: string;
  headers?: Record<string, string>;
  /** raw body override (e.g. non-JSON, or JSON missing data/meta); status 200 unless `status` is given */
  body?: string;
  /** override content-type (e.g. 'text/html') */
  contentType?: string;
  /** extra latency for this response (e.g. slower than a client timeout) */
  delayMs?: number;
  /** destroy the socket without a response (after any delay) */
  resetConnection?: boolean;
  /** replace (null = omit) the meta block of a list or events response, e.g. drop page_number or lie about total_pages */
  meta?: Record<string, unknown> | null;
}

/** `managed-list` is `GET /v2/managed_accounts`, `managed-retrieve` is `GET /v2/managed_accounts/{id}` */
export type FaultRoute = 'list' | 'retrieve' | 'events' | 'managed-list' | 'managed-retrieve';

export interface SimulatorOptions {
  /** default 'KEY_SIMULATOR' */
  apiKey?: string;
  records?: Record<string, unknown>[];
  latencyMs?: number;
  /** default '127.0.0.1' */
  host?: string;
  /** default 0: a random free port */
  port?: number;
}

type RawRecord = Record<string, unknown>;
type Predicate = (record: RawRecord) => boolean;
type Route =
  | { kind: 'list' }
  | { kind: 'events' }
  | { kind: 'retrieve'; id: string }
  | { kind: 'managed-list' }
  | { kind: 'managed-retrieve'; id: string }
  | { kind: 'other' };
/** a parsed list or events query */
interface ListQuery {
  pageNumber: number;
  pageSize: number;
  predicates: Predicate[];
}
interface Entry {
  readonly seq: number;
  readonly id: string | undefined;
  /** parsed inserted_at, Infinity when missing or unparseable so such records sort last */
  readonly insertedMs: number;
  readonly record: RawRecord;
}
interface EventEntry {
  readonly seq: number;
  readonly createdMs: number;
  readonly event: RawRecord;
}
interface QueuedFault {
  readonly fault: Fault;
  remaining: number;
}
interface Reply {
  status: number;
  body: string;
}
/** a parsed `GET /v2/managed_accounts` query; `predicates` test the listed item, which carries no status */
interface ManagedListQuery extends ListQuery {
  statusWanted(status: ManagedAccountStatus): boolean;
}
/** What the server keeps per account; the handle is what callers get. */
interface Account {
  readonly id: string;
  readonly handle: TelnyxAccount;
  key(): string;
  log(request: SimulatorRequest): void;
  /** `pageNumber` is undefined for anything but a valid list, events or managed-list request */
  takeFault(route: Route, pageNumber: number | undefined, query: URLSearchParams): Fault | undefined;
  /** the reply to an authenticated port-out request */
  servePortouts(route: Route, query: ListQuery | InvalidParameter | undefined, meta: Fault['meta']): Reply;
}
interface ManagedEntry {
  readonly seq: number;
  readonly account: Account;
  readonly manager: Account;
  readonly organizationName: string | undefined;
  readonly email: string;
  readonly createdAt: string;
  status: ManagedAccountStatus;
  updatedAt: string;
}

const STATUSES: ReadonlySet<string> = new Set(PORTOUT_STATUSES);
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 250;

/** E.164 calling code to country; prefix-free, so at most one entry matches a number. */
const CALLING_CODES: ReadonlyMap<string, string> = new Map([
  ['1', 'US'],
  ['44', 'GB'],
  ['353', 'IE'],
]);

const ERROR_TITLES: ReadonlyMap<number, readonly [code: string, title: string]> = new Map([
  [401, ['10009', 'Authentication failed']],
  [403, ['10010', 'Authorization failed']],
  [404, ['10005', 'Resource not found']],
  [408, ['10008', 'Request timeout']],
  [422, ['10015', 'Bad Request']],
  [429, ['10011', 'Too many requests']],
]);
const UNEXPECTED_ERROR = ['10007', 'Unexpected error'] as const;

const SCALAR_PARAMS = new Set([
  'filter[status]',
  'filter[country_code]',
  'filter[carrier_name]',
  'filter[spid]',
  'filter[pon]',
  'filter[phone_number]',
  'filter[support_key]',
  'filter[foc_date]',
  'filter[inserted_at][gte]',
  'filter[inserted_at][lte]',
  'filter[ported_out_at][gte]',
  'filter[ported_out_at][lte]',
  'page[number]',
  'page[size]',
]);
const ARRAY_PARAMS = new Set(['filter[status_in]', 'filter[country_code_in]']);
const EVENT_TYPES: readonly string[] = ['portout.status_changed', 'portout.new_comment', 'portout.foc_date_changed'];
const EVENT_SCALAR_PARAMS = new Set([
  'filter[event_type]',
  'filter[portout_id]',
  'filter[created_at][gte]',
  'filter[created_at][lte]',
  'page[number]',
  'page[size]',
]);
const NO_PARAMS: ReadonlySet<string> = new Set();
const MANAGED_SCALAR_PARAMS = new Set([
  'filter[status][eq]',
  'filter[email][eq]',
  'filter[email][contains]',
  'filter[organization_name][eq]',
  'filter[organization_name][contains]',
  'page[number]',
  'page[size]',
]);
const MANAGED_STATUSES: readonly ManagedAccountStatus[] = ['enabled', 'disabled', 'blocked', 'cancelled'];
const MANAGED_STATUS_FILTERS: readonly string[] = ['all', 'active', 'enabled', 'cancelled', 'disabled', 'blocked'];
/** payload field of a `portout.status_changed` event, and the record field it is copied from, in payload order */
const STATUS_PAYLOAD_FIELDS = [
  ['phone_numbers', 'phone_numbers'],
  ['carrier_name', 'carrier_name'],
  ['spid', 'spid'],
  ['user_id', 'user_id'],
  ['subscriber_name', 'end_user_name'],
  ['rejection_reason', 'reason'],
  ['attempted_pin', 'attempted_pin'],
] as const;
/** filters whose value must equal the record field of the same name */
const EXACT_TEXT_FIELDS = ['carrier_name', 'spid', 'pon', 'support_key'] as const;

class InvalidParameter extends Error {
  constructor(
    readonly parameter: string,
    detail: string,
  ) {
    super(detail);
  }
}

export async function startTelnyxSimulator(options: SimulatorOptions = {}): Promise<TelnyxSimulator> {
  let latencyMs = checkedDelay(options.latencyMs ?? 0, 'latencyMs');
  const accounts: Account[] = [];
  const managed = new Map<string, ManagedEntry>();
  /** deleted managed accounts: kept in `accounts` so ids and keys stay unique, but their keys open nothing */
  const deleted = new Set<Account>();
  let generatedKeys = 0;
  let latestManagedMs = -Infinity;
  const timers = new Set<NodeJS.Timeout>();

  function checkKeyFree(key: string, owner: Account | undefined): void {
    if (accounts.some((account) => account !== owner && account.key() === key)) {
      throw new Error(`Telnyx simulator: another account already uses the key ${key}`);
    }
  }

  function generatedKey(): string {
    let key: string;
    do key = `KEY_ACCOUNT_${(generatedKeys += 1)}`;
    while (accounts.some((account) => account.key() === key));
    return key;
  }

  /** Strictly increasing across managed accounts, so created_at orders them as they were added. */
  function managedTimestamp(): string {
    latestManagedMs = Math.max(Date.now(), latestManagedMs + 1);
    return new Date(latestManagedMs).toISOString();
  }

  function openAccount(id: string, initialKey: string): Account {
    checkKeyFree(initialKey, undefined);
    let apiKey = initialKey;
    let listHook: ((pageNumber: number) => void) | undefined;
    let eventHook: ((event: RawRecord) => void) | undefined;
    const entries = new Map<string | symbol, Entry>();
    let ordered: Entry[] | undefined;
    let nextSeq = 0;
    const eventEntries: EventEntry[] = [];
    let orderedEvents: EventEntry[] | undefined;
    let latestEventMs = -Infinity;
    let commentCount = 0;
    const faults: QueuedFault[] = [];
    const requests: SimulatorRequest[] = [];

    /** `copy` must already be private to the simulator. */
    function store(copy: RawRecord): void {
      const recordId = typeof copy.id === 'string' ? copy.id : undefined;
      const existing = recordId === undefined ? undefined : entries.get(recordId);
      const insertedMs = parseInstant(copy.inserted_at) ?? Infinity;
      entries.set(recordId ?? Symbol('no id'), { seq: existing?.seq ?? nextSeq++, id: recordId, insertedMs, record: copy });
      ordered = undefined;
    }

    function entryById(recordId: string): Entry {
      const entry = entries.get(recordId);
      if (entry === undefined) throw new Error(`Telnyx simulator: no port-out with id ${recordId}`);
      return entry;
    }

    function inOrder(): Entry[] {
      ordered ??= [...entries.values()].sort(compareEntries);
      return ordered;
    }

    function eventsInOrder(): EventEntry[] {
      orderedEvents ??= [...eventEntries].sort((a, b) => (a.createdMs !== b.createdMs ? (a.createdMs < b.createdMs ? -1 : 1) : a.seq - b.seq));
      return orderedEvents;
    }

    /** `createdMs` must be the parsed `createdAt` when that is given. Returns a copy of the stored event. */
    function appendEvent(portoutId: string, eventType: string, payload: RawRecord, createdAt?: { text: string; ms: number }): RawRecord {
      const createdMs = createdAt?.ms ?? Math.max(Date.now(), latestEventMs + 1);
      const created = createdAt?.text ?? new Date(createdMs).toISOString();
      latestEventMs = Math.max(latestEventMs, createdMs);
      const event: RawRecord = {
        id: uuidLike('e', eventEntries.length + 1),
        event_type: eventType,
        portout_id: portoutId,
        available_notification_methods: ['email'],
        payload_status: 'created',
        payload: structuredClone(payload),
        record_type: 'portout_event',
        created_at: created,
        updated_at: created,
      };
      eventEntries.push({ seq: eventEntries.length, createdMs, event });
      orderedEvents = undefined;
      eventHook?.(structuredClone(event));
      return structuredClone(event);
    }

    const account: Account = {
      id,
      key: () => apiKey,
      log(request) {
        requests.push(request);
      },
      takeFault(route, pageNumber, query) {
        const index = faults.findIndex(({ fault: { match = {} } }) => {
          if (match.route !== undefined && match.route !== route.kind) return false;
          if (match.pageNumber !== undefined && match.pageNumber !== pageNumber) return false;
          if (Object.entries(match.query ?? {}).some(([name, value]) => query.get(name) !== value)) return false;
          return match.id === undefined || ((route.kind === 'retrieve' || route.kind === 'managed-retrieve') && route.id === match.id);
        });
        const queued = faults[index];
        if (queued === undefined) return undefined;
        queued.remaining -= 1;
        if (queued.remaining <= 0) faults.splice(index, 1);
        return queued.fault;
      },
      servePortouts(route, query, meta) {
        if (route.kind === 'retrieve') {
          const entry = entries.get(route.id);
          return entry === undefined
            ? errorReply(404, `Port-out ${route.id} could not be found.`)
            : { status: 200, body: JSON.stringify({ data: entry.record }) };
        }
        if (route.kind === 'list' && query !== undefined) {
          if (query instanceof InvalidParameter) return errorReply(422, query.message, query.parameter);
          listHook?.(query.pageNumber);
          return page(inOrder().map(({ record }) => record), query, meta);
        }
        if (route.kind === 'events' && query !== undefined) {
          if (query instanceof InvalidParameter) return errorReply(422, query.message, query.parameter);
          return page(eventsInOrder().map(({ event }) => event), query, meta);
        }
        return errorReply(404, 'The requested resource or URL could not be found.');
      },
      handle: {
        id,
        get apiKey() {
          return apiKey;
        },
        setApiKey(key) {
          checkKeyFree(key, account);
          apiKey = key;
        },
        upsert(...records) {
          for (const copy of structuredClone(records)) store(copy);
        },
        remove(recordId) {
          entryById(recordId);
          entries.delete(recordId);
          ordered = undefined;
        },
        setStatus(recordId, status) {
          const { record } = entryById(recordId);
          record.status = status;
          bumpUpdatedAt(record);
          const payload: RawRecord = { id: record.id, status: record.status };
          for (const [field, source] of STATUS_PAYLOAD_FIELDS) {
            if (record[source] !== undefined) payload[field] = record[source];
          }
          appendEvent(recordId, 'portout.status_changed', payload);
        },
        setFocDate(recordId, focDate) {
          const { record } = entryById(recordId);
          checkedTimestamp(focDate, 'focDate');
          record.foc_date = focDate;
          bumpUpdatedAt(record);
          const payload: RawRecord = { id: record.id, foc_date: focDate };
          if (record.user_id !== undefined) payload.user_id = record.user_id;
          return appendEvent(recordId, 'portout.foc_date_changed', payload);
        },
        addComment(portoutId, comment) {
          entryById(portoutId);
          const createdAt =
            comment.createdAt === undefined ? undefined : { text: comment.createdAt, ms: checkedTimestamp(comment.createdAt, 'comment.createdAt') };
          const payload: RawRecord = {
            id: comment.id ?? uuidLike('c', (commentCount += 1)),
            comment: comment.body,
            portout_id: portoutId,
            user_id: comment.userId ?? null,
          };
          return appendEvent(portoutId, 'portout.new_comment', payload, createdAt);
        },
        records() {
          return inOrder().map(({ record }) => structuredClone(record));
        },
        events() {
          return eventsInOrder().map(({ event }) => structuredClone(event));
        },
        get requests() {
          return requests;
        },
        resetRequests() {
          requests.length = 0;
        },
        injectFault(fault) {
          const times = fault.times ?? 1;
          if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
            throw new RangeError(`Telnyx simulator: fault.times must be a positive integer or Infinity, got ${times}`);
          }
          if (fault.delayMs !== undefined) checkedDelay(fault.delayMs, 'fault.delayMs');
          faults.push({ fault: structuredClone(fault), remaining: times });
        },
        clearFaults() {
          faults.length = 0;
        },
        onListPage(hook) {
          listHook = hook;
        },
        onEvent(hook) {
          eventHook = hook;
        },
      },
    };
    accounts.push(account);
    return account;
  }

  function managedEntry(id: string): ManagedEntry {
    const entry = managed.get(id);
    if (entry === undefined) throw new Error(`Telnyx simulator: no managed account with id ${id}`);
    return entry;
  }

  function managedRecord(entry: ManagedEntry, withKey: boolean): RawRecord {
    return {
      id: entry.account.id,
      ...(withKey ? { api_key: entry.account.key() } : {}),
      email: entry.email,
      ...(entry.organizationName === undefined ? {} : { organization_name: entry.organizationName }),
      manager_account_id: entry.manager.id,
      record_type: 'managed_account',
      rollup_billing: false,
      managed_account_allow_custom_pricing: false,
      created_at: entry.createdAt,
      updated_at: entry.updatedAt,
    };
  }

  function serveManaged(manager: Account, route: Route, query: ManagedListQuery | InvalidParameter | undefined, meta: Fault['meta']): Reply {
    if (route.kind === 'managed-retrieve') {
      const entry = managed.get(route.id);
      return entry === undefined || entry.manager !== manager
        ? errorReply(404, `Managed account ${route.id} could not be found.`)
        : { status: 200, body: JSON.stringify({ data: managedRecord(entry, true) }) };
    }
    if (query === undefined) return errorReply(404, 'The requested resource or URL could not be found.');
    if (query instanceof InvalidParameter) return errorReply(422, query.message, query.parameter);
    const listed = [...managed.values()]
      .filter((entry) => entry.manager === manager && query.statusWanted(entry.status))
      // Telnyx's documented default order: created_at descending.
      .sort((a, b) => b.seq - a.seq)
      .map((entry) => managedRecord(entry, false));
    return page(listed, query, meta);
  }

  /** Which account a request speaks for: the one holding its bearer key, else the default account (which answers 401). */
  function accountOf(req: IncomingMessage): { account: Account; authenticated: boolean } {
    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const account = token === undefined ? undefined : accounts.find((candidate) => !deleted.has(candidate) && candidate.key() === token);
    return account === undefined ? { account: accounts[0]!, authenticated: false } : { account, authenticated: true };
  }

  function normalReply(
    account: Account,
    authenticated: boolean,
    route: Route,
    query: ListQuery | ManagedListQuery | InvalidParameter | undefined,
    meta: Fault['meta'],
  ): Reply {
    if (!authenticated) {
      return errorReply(401, 'The required authentication headers were either invalid or not included in the request.');
    }
    const status = managed.get(account.id)?.status;
    if (status !== undefined && status !== 'enabled') {
      return errorReply(403, `This account is ${status} and cannot use the API.`);
    }
    if (route.kind === 'managed-list' || route.kind === 'managed-retrieve') {
      return serveManaged(account, route, query as ManagedListQuery | InvalidParameter | undefined, meta);
    }
    return account.servePortouts(route, query, meta);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A request parsed after close() began would wait on a delay timer close() already cleared: end it now.
    if (closing) {
      req.socket.destroy();
      return;
    }
    let aborted = false;
    res.on('close', () => {
      aborted = !res.writableFinished;
    });
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = req.method ?? 'GET';
    const { account, authenticated } = accountOf(req);
    account.log({ method, path: url.pathname, query: url.searchParams, at: Date.now() });
    const route = routeOf(method, url.pathname);
    const query =
      route.kind === 'list'
        ? parseOrError(parseListQuery, url.searchParams)
        : route.kind === 'events'
          ? parseOrError(parseEventsQuery, url.searchParams)
          : route.kind === 'managed-list'
            ? parseOrError(parseManagedListQuery, url.searchParams)
            : undefined;
    const fault = account.takeFault(route, query instanceof InvalidParameter ? undefined : query?.pageNumber, url.searchParams);

    const delay = latencyMs + (fault?.delayMs ?? 0);
    if (delay > 0) await sleep(delay);
    // The client may have given up (timeout) while we waited; serving it would only run the hook for nobody.
    if (aborted) return;
    if (fault?.resetConnection) {
      req.socket.destroy();
      return;
    }

    let reply: Reply;
    if (fault !== undefined && (fault.status !== undefined || fault.body !== undefined)) {
      const status = fault.status ?? 200;
      reply = { status, body: fault.body ?? errorBody(status, 'Injected fault.') };
    } else {
      reply = normalReply(account, authenticated, route, query, fault?.meta);
    }
    send(res, reply, fault);
  }

  let closing: Promise<void> | undefined;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A throwing onListPage hook or an unserialisable record: surface it to the client as a 500.
      if (res.headersSent) res.destroy();
      else send(res, errorReply(500, error instanceof Error ? error.message : String(error)), undefined);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const baseUrl = `http://${hostInUrl}:${address.port}/v2`;

  const primary = openAccount(uuidLike('a', 1), options.apiKey ?? 'KEY_SIMULATOR');
  primary.handle.upsert(...(options.records ?? []));

  // Spread would read the `apiKey` and `requests` getters once; the prototype keeps them live.
  const simulator: TelnyxSimulator = Object.assign(Object.create(primary.handle) as TelnyxAccount, {
    baseUrl,
    addAccount(apiKey?: string) {
      return openAccount(uuidLike('a', accounts.length + 1), apiKey ?? generatedKey()).handle;
    },
    addManagedAccount(spec: ManagedAccountSpec) {
      if (managed.has(spec.id) || accounts.some((account) => account.id === spec.id)) {
        throw new Error(`Telnyx simulator: an account with id ${spec.id} already exists`);
      }
      const managerKey = spec.managerKey ?? primary.key();
      const manager = accounts.find((account) => account.key() === managerKey);
      if (manager === undefined) throw new Error(`Telnyx simulator: no account holds the manager key ${managerKey}`);
      const status = checkedManagedStatus(spec.status ?? 'enabled');
      const account = openAccount(spec.id, spec.apiKey ?? generatedKey());
      const createdAt = managedTimestamp();
      managed.set(spec.id, {
        seq: managed.size,
        account,
        manager,
        organizationName: spec.organizationName,
        email: spec.email ?? `${spec.id}@managed.simulator.invalid`,
        createdAt,
        status,
        updatedAt: createdAt,
      });
      return account.handle;
    },
    setManagedStatus(id: string, status: ManagedAccountStatus) {
      const entry = managedEntry(id);
      entry.status = checkedManagedStatus(status);
      entry.updatedAt = managedTimestamp();
    },
    removeManagedAccount(id: string) {
      deleted.add(managedEntry(id).account);
      managed.delete(id);
    },
    setLatency(ms: number) {
      latencyMs = checkedDelay(ms, 'latency');
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  });
  return simulator;
}

/** Strictly increasing, so change detectors keyed on updated_at see two quick updates as two changes. */
function bumpUpdatedAt(record: RawRecord): void {
  const previous = parseInstant(record.updated_at);
  const next = Math.max(Date.now(), previous === undefined ? -Infinity : previous + 1);
  record.updated_at = new Date(next).toISOString();
}

function page(items: readonly RawRecord[], query: ListQuery, meta: Fault['meta']): Reply {
  const start = (query.pageNumber - 1) * query.pageSize;
  const end = start + query.pageSize;
  const data: RawRecord[] = [];
  let total = 0;
  for (const record of items) {
    if (!query.predicates.every((matches) => matches(record))) continue;
    if (total >= start && total < end) data.push(record);
    total += 1;
  }
  const actualMeta = {
    page_number: query.pageNumber,
    page_size: query.pageSize,
    total_pages: Math.ceil(total / query.pageSize),
    total_results: total,
  };
  const body = meta === null ? { data } : { data, meta: meta ?? actualMeta };
  return { status: 200, body: JSON.stringify(body) };
}

function routeOf(method: string, path: string): Route {
  if (method !== 'GET') return { kind: 'other' };
  if (path === '/v2/portouts') return { kind: 'list' };
  // Before the {id} pattern: this path is not the port-out with id 'events'.
  if (path === '/v2/portouts/events') return { kind: 'events' };
  if (path === '/v2/managed_accounts') return { kind: 'managed-list' };
  const [, collection, id] = /^\/v2\/(portouts|managed_accounts)\/([^/]+)$/.exec(path) ?? [];
  if (id === undefined) return { kind: 'other' };
  try {
    return { kind: collection === 'portouts' ? 'retrieve' : 'managed-retrieve', id: decodeURIComponent(id) };
  } catch {
    return { kind: 'other' };
  }
}

function compareEntries(a: Entry, b: Entry): number {
  if (a.insertedMs !== b.insertedMs) return a.insertedMs < b.insertedMs ? -1 : 1;
  if (a.id !== b.id) {
    if (a.id === undefined) return 1;
    if (b.id === undefined) return -1;
    return a.id < b.id ? -1 : 1;
  }
  return a.seq - b.seq;
}

function parseOrError(parse: (params: URLSearchParams) => ListQuery, params: URLSearchParams): ListQuery | InvalidParameter {
  try {
    return parse(params);
  } catch (error) {
    if (error instanceof InvalidParameter) return error;
    throw error;
  }
}

interface Params {
  /** the value of a scalar parameter; 422 if it was given more than once */
  single(name: string): string | undefined;
  /** the items of an array parameter, from every form it was given in */
  many(name: string): string[] | undefined;
}

/**
 * Collects the `filter[...]` and `page[...]` parameters, failing on an unknown or empty one; other parameters are
 * ignored. `arrays` may also be given bracketed (`name[]=`).
 */
function readParams(params: URLSearchParams, scalars: ReadonlySet<string>, arrays: ReadonlySet<string>): Params {
  const values = new Map<string, string[]>();
  for (const [key, value] of params) {
    if (!key.startsWith('filter[') && !key.startsWith('page[')) continue;
    const name = key.endsWith('[]') && arrays.has(key.slice(0, -2)) ? key.slice(0, -2) : key;
    if (!scalars.has(name) && !arrays.has(name)) throw new InvalidParameter(key, `Unknown parameter ${key}.`);
    if (value === '') throw new InvalidParameter(name, `${name} must not be empty.`);
    const list = values.get(name) ?? [];
    list.push(value);
    values.set(name, list);
  }
  return {
    single(name) {
      const given = values.get(name);
      if (given !== undefined && given.length > 1) throw new InvalidParameter(name, `${name} must be given once.`);
      return given?.[0];
    },
    many(name) {
      const items = values.get(name)?.flatMap((value) => value.split(','));
      if (items?.includes('')) throw new InvalidParameter(name, `${name} must not contain empty items.`);
      return items;
    },
  };
}

/** `filter[<field>][gte|lte]`: inclusive instant bounds; items without a parseable field never match. */
function pushRangePredicates(predicates: Predicate[], single: Params['single'], field: string): void {
  const gte = single(`filter[${field}][gte]`);
  if (gte !== undefined) {
    const bound = checkDate(`filter[${field}][gte]`, gte);
    predicates.push((record) => (parseInstant(record[field]) ?? -Infinity) >= bound);
  }
  const lte = single(`filter[${field}][lte]`);
  if (lte !== undefined) {
    const bound = checkDate(`filter[${field}][lte]`, lte);
    predicates.push((record) => (parseInstant(record[field]) ?? Infinity) <= bound);
  }
}

function paged(single: Params['single'], predicates: Predicate[]): ListQuery {
  return {
    pageNumber: checkInteger('page[number]', single('page[number]'), 1, Number.MAX_SAFE_INTEGER, 1),
    pageSize: checkInteger('page[size]', single('page[size]'), 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
    predicates,
  };
}

function parseEventsQuery(params: URLSearchParams): ListQuery {
  const { single } = readParams(params, EVENT_SCALAR_PARAMS, NO_PARAMS);
  const predicates: Predicate[] = [];
  const eventType = single('filter[event_type]');
  if (eventType !== undefined) {
    if (!EVENT_TYPES.includes(eventType)) {
      throw new InvalidParameter('filter[event_type]', `${eventType} is not a valid event type; expected one of ${EVENT_TYPES.join(', ')}.`);
    }
    predicates.push((event) => event.event_type === eventType);
  }
  const portoutId = single('filter[portout_id]');
  if (portoutId !== undefined) predicates.push((event) => event.portout_id === portoutId);
  pushRangePredicates(predicates, single, 'created_at');
  return paged(single, predicates);
}

/**
 * `filter[status][eq]`: `all` is every status, `active` and `enabled` mean enabled, `disabled` means any other
 * status (not able to use Telnyx services), `blocked` and `cancelled` are exact. Cancelled accounts are left out
 * unless `include_cancelled_accounts=true` or the filter asks for `cancelled`. Text filters: `eq` exact, `contains`
 * case-insensitive.
 */
function parseManagedListQuery(params: URLSearchParams): ManagedListQuery {
  const { single } = readParams(params, MANAGED_SCALAR_PARAMS, NO_PARAMS);
  const includeParam = params.getAll('include_cancelled_accounts');
  if (includeParam.length > 1 || (includeParam[0] !== undefined && !['true', 'false'].includes(includeParam[0]))) {
    throw new InvalidParameter('include_cancelled_accounts', 'include_cancelled_accounts must be given once, as true or false.');
  }
  const includeCancelled = includeParam[0] === 'true';
  const statusFilter = single('filter[status][eq]') ?? 'all';
  if (!MANAGED_STATUS_FILTERS.includes(statusFilter)) {
    throw new InvalidParameter('filter[status][eq]', `${statusFilter} is not a valid status; expected one of ${MANAGED_STATUS_FILTERS.join(', ')}.`);
  }
  const statusWanted = (status: ManagedAccountStatus): boolean => {
    if (statusFilter === 'cancelled') return status === 'cancelled';
    if (status === 'cancelled' && !includeCancelled) return false;
    if (statusFilter === 'all') return true;
    if (statusFilter === 'disabled') return status !== 'enabled';
    return status === (statusFilter === 'active' ? 'enabled' : statusFilter);
  };
  const predicates: Predicate[] = [];
  for (const field of ['email', 'organization_name'] as const) {
    const exact = single(`filter[${field}][eq]`);
    if (exact !== undefined) predicates.push((record) => record[field] === exact);
    const part = single(`filter[${field}][contains]`)?.toLowerCase();
    if (part !== undefined) predicates.push((record) => typeof record[field] === 'string' && record[field].toLowerCase().includes(part));
  }
  return { ...paged(single, predicates), statusWanted };
}

function checkedManagedStatus(status: ManagedAccountStatus): ManagedAccountStatus {
  if (!MANAGED_STATUSES.includes(status)) {
    throw new RangeError(`Telnyx simulator: a managed account's status must be one of ${MANAGED_STATUSES.join(', ')}, got ${String(status)}`);
  }
  return status;
}

function parseListQuery(params: URLSearchParams): ListQuery {
  const { single, many } = readParams(params, SCALAR_PARAMS, ARRAY_PARAMS);

  const predicates: Predicate[] = [];

  const status = single('filter[status]');
  if (status !== undefined) {
    checkStatus('filter[status]', status);
    predicates.push((record) => record.status === status);
  }
  const statuses = many('filter[status_in]');
  if (statuses !== undefined) {
    for (const item of statuses) checkStatus('filter[status_in]', item);
    const wanted = new Set(statuses);
    predicates.push((record) => typeof record.status === 'string' && wanted.has(record.status));
  }

  const country = single('filter[country_code]');
  if (country !== undefined) {
    const wanted = checkCountry('filter[country_code]', country);
    predicates.push((record) => countryOf(record) === wanted);
  }
  const countries = many('filter[country_code_in]');
  if (countries !== undefined) {
    const wanted = new Set(countries.map((item) => checkCountry('filter[country_code_in]', item)));
    predicates.push((record) => {
      const recordCountry = countryOf(record);
      return recordCountry !== undefined && wanted.has(recordCountry);
    });
  }

  for (const field of EXACT_TEXT_FIELDS) {
    const wanted = single(`filter[${field}]`);
    if (wanted !== undefined) predicates.push((record) => record[field] === wanted);
  }
  const phoneNumber = single('filter[phone_number]');
  if (phoneNumber !== undefined) {
    predicates.push((record) => Array.isArray(record.phone_numbers) && record.phone_numbers.includes(phoneNumber));
  }

  const focDate = single('filter[foc_date]');
  if (focDate !== undefined) {
    const wantedDay = utcDay(checkDate('filter[foc_date]', focDate));
    predicates.push((record) => {
      const recordMs = parseInstant(record.foc_date);
      return recordMs !== undefined && utcDay(recordMs) === wantedDay;
    });
  }
  for (const field of ['inserted_at', 'ported_out_at'] as const) pushRangePredicates(predicates, single, field);

  return paged(single, predicates);
}

function checkStatus(parameter: string, value: string): void {
  if (!STATUSES.has(value)) {
    throw new InvalidParameter(parameter, `${value} is not a valid status; expected one of ${PORTOUT_STATUSES.join(', ')}.`);
  }
}

function checkCountry(parameter: string, value: string): string {
  if (!/^[A-Za-z]{2}$/.test(value)) throw new InvalidParameter(parameter, `${value} is not a 2-letter country code.`);
  return value.toUpperCase();
}

function checkInteger(parameter: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw new InvalidParameter(parameter, `${parameter} must be an integer from ${min} to ${max}, got ${value}.`);
  }
  return parsed;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/** Strict: Date.parse alone accepts 2024-02-30 (as March 1) and reads offset-less times in local time. */
function checkDate(parameter: string, value: string): number {
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = DATE_PATTERN.exec(value) ?? [];
  const ms = Date.parse(value);
  const validDay = Number(day) >= 1 && Number(day) <= new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  const validTime = Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59;
  if (year === undefined || Number.isNaN(ms) || Number(month) < 1 || Number(month) > 12 || !validDay || !validTime) {
    throw new InvalidParameter(parameter, `${value} is not an ISO 8601 date or date-time with a time zone.`);
  }
  return ms;
}

/** checkDate for values given to the simulator's methods: a RangeError instead of a 422. */
function checkedTimestamp(value: string, name: string): number {
  try {
    return checkDate(name, value);
  } catch (error) {
    if (error instanceof InvalidParameter) throw new RangeError(`Telnyx simulator: ${name}: ${error.message}`);
    throw error;
  }
}

/** A deterministic id in UUID form, e.g. uuidLike('e', 1) = 'e0000000-0000-4000-8000-000000000001'. */
function uuidLike(kind: 'a' | 'e' | 'c', n: number): string {
  return `${kind}0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** Lenient parse of a stored record's timestamp; records may hold anything. */
function parseInstant(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function countryOf(record: RawRecord): string | undefined {
  if (typeof record.country_code === 'string') return record.country_code.toUpperCase();
  const first: unknown = Array.isArray(record.phone_numbers) ? record.phone_numbers[0] : undefined;
  if (typeof first !== 'string' || !first.startsWith('+')) return undefined;
  for (let length = 1; length <= 3; length += 1) {
    const country = CALLING_CODES.get(first.slice(1, 1 + length));
    if (country !== undefined) return country;
  }
  return undefined;
}

function checkedDelay(ms: number, name: string): number {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`Telnyx simulator: ${name} must be a finite number >= 0, got ${ms}`);
  return ms;
}

function errorBody(status: number, detail: string, parameter?: string): string {
  const [code, title] = ERROR_TITLES.get(status) ?? UNEXPECTED_ERROR;
  const error = {
    code,
    title,
    detail,
    ...(parameter === undefined ? {} : { source: { parameter } }),
    meta: { url: `https://developers.telnyx.com/docs/overview/errors/${code}` },
  };
  return JSON.stringify({ errors: [error] });
}

function errorReply(status: number, detail: string, parameter?: string): Reply {
  return { status, body: errorBody(status, detail, parameter) };
}

function send(res: ServerResponse, reply: Reply, fault: Fault | undefined): void {
  const headers: Record<string, string> = {
    'content-type': fault?.contentType ?? 'application/json',
    'content-length': String(Buffer.byteLength(reply.body)),
  };
  if (fault?.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
  for (const [name, value] of Object.entries(fault?.headers ?? {})) headers[name.toLowerCase()] = value;
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}
