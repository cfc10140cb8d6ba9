import Telnyx from 'telnyx';
import { isKnownStatus, isWatchedStatus, PORTOUT_ID_PATTERN, WATCHED_STATUSES, type Portout } from '../core/portout.ts';
import type {
  InvalidPortout,
  Listing,
  PortoutComment,
  PortoutSource,
  Retrieval,
  SourceFailure,
  SourceFailureKind,
} from '../core/ports.ts';
import { parseCommentEvent, parseListPage, parsePortoutItem, parseRetrieveBody, type ListPage } from './telnyx-portout-schema.ts';

export const PAGE_SIZE = 250;
/** 100,000 watched port-outs: far beyond any account, low enough that a lying `total_pages` can't run away. */
export const MAX_PAGES = 400;
/** A full page of 250 items is ~300 KB; anything far larger is not a port-out listing. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
export const MAX_ATTEMPTS = 3;
export const BACKOFF_BASE_MS = 500;

export interface TelnyxSourceOptions {
  /** Returns the API key; `refresh` asks for a fresh read after a 401 (the key may have been rotated). */
  getApiKey(refresh: boolean): Promise<string>;
  baseURL: string;
  timeoutMs: number;
  concurrency: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** Runs each Telnyx request once a slot of the run's shared request limit is free (see RequestLimit). */
  limit?: RequestLimit;
  /** Where a person puts a valid key, for the error after a refused one; default: the single account's setting. */
  keyFix?: string;
}

/**
 * The run's limit on Telnyx requests in flight. It wraps each SDK call, which is one HTTP request (the SDK's retries
 * are off), rather than the SDK's fetch: the SDK starts a request's timeout before calling fetch, so a request queued
 * in fetch would spend its own timeout waiting for a slot. Its timeout is reckoned once it has one.
 */
export type RequestLimit = <T>(task: () => Promise<T>) => Promise<T>;

export const NO_REQUEST_LIMIT: RequestLimit = (task) => task();

const SINGLE_ACCOUNT_KEY_FIX = 'put a valid key in the secret named by TELNYX_API_KEY_SECRET_ARN (locally, TELNYX_API_KEY)';

/** Telnyx answered 401 with a freshly read key: only a person can fix that. */
export class TelnyxAuthError extends Error {
  override name = 'TelnyxAuthError';
}

class RequestFailed extends Error {
  constructor(readonly failure: SourceFailure) {
    super(failure.detail);
  }
}

export function classify(error: unknown): { kind: SourceFailureKind; retryable: boolean; detail: string } {
  if (error instanceof Telnyx.APIConnectionTimeoutError) return { kind: 'timeout', retryable: true, detail: 'request timed out' };
  if (error instanceof Telnyx.APIConnectionError) return { kind: 'connection', retryable: true, detail: 'connection failed' };
  if (error instanceof Telnyx.RateLimitError) return { kind: 'rate-limited', retryable: true, detail: 'HTTP 429 rate limited' };
  if (error instanceof Telnyx.APIError && typeof error.status === 'number') {
    const status = error.status;
    if (status >= 500) return { kind: 'server-error', retryable: true, detail: `HTTP ${status}` };
    return { kind: 'client-error', retryable: status === 408 || status === 409, detail: `HTTP ${status}` };
  }
  return { kind: 'connection', retryable: false, detail: error instanceof Error ? error.name : 'unknown error' };
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfterMs(headers: Headers | undefined, now: number): number | null {
  const value = headers?.get('retry-after-ms') ?? null;
  if (value !== null && Number.isFinite(Number(value))) return Math.max(0, Number(value));
  const retryAfter = headers?.get('retry-after');
  if (!retryAfter) return null;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * Telnyx's own error body, `{"errors": [{...}]}`. Only a 404 carrying it says the port-out is gone: a proxy's HTML
 * page, a mock server's own 404 or an empty body say nothing about the request. The SDK gives the parsed JSON body
 * as `error` (undefined when the body is not JSON).
 */
export function isTelnyxErrorEnvelope(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { errors } = body as { errors?: unknown };
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((error) => typeof error === 'object' && error !== null && !Array.isArray(error))
  );
}

export async function readJsonCapped(response: Response): Promise<unknown> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) {
    await response.body?.cancel();
    throw new Error(`content-type ${type.split(';')[0] || 'missing'} is not JSON`);
  }
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw new Error(`response of ${declared} bytes exceeds the ${MAX_RESPONSE_BYTES}-byte cap`);
  }
  const reader = response.body?.getReader();
  if (!reader) throw new Error('empty body');
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw new Error(`response exceeds the ${MAX_RESPONSE_BYTES}-byte cap`);
    }
    chunks.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error('body is not valid JSON');
  }
}

/**
 * Lists and fetches port-outs through the official SDK. The SDK's own retries are off: its Retry-After wait
 * has no cap, so retries happen here, where the run's deadline is known.
 */
export function createTelnyxSource(options: TelnyxSourceOptions): PortoutSource {
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const limit = options.limit ?? NO_REQUEST_LIMIT;
  // One client promise shared by concurrent requests, so the key is read once however many start together.
  let client: Promise<Telnyx> | null = null;
  let requests = 0;

  function build(refresh: boolean): Promise<Telnyx> {
    const built = options.getApiKey(refresh).then(
      (apiKey) =>
        new Telnyx({
          apiKey,
          baseURL: options.baseURL,
          maxRetries: 0,
          timeout: options.timeoutMs,
          logLevel: 'off',
          ...(options.fetch ? { fetch: options.fetch } : {}),
        }),
    );
    // A failed key read must not stick to a warm container: the next request tries again.
    built.catch(() => {
      if (client === built) client = null;
    });
    return built;
  }

  function currentClient(): Promise<Telnyx> {
    client ??= build(false);
    return client;
  }

  /** After a 401: re-read the key, unless a concurrent request already replaced the client that failed. */
  function refreshedClient(failed: Promise<Telnyx>): Promise<Telnyx> {
    if (client === failed || client === null) client = build(true);
    return client;
  }

  /** One logical request: deadline-bounded retries, and one key refresh on 401. */
  async function send(
    call: (telnyx: Telnyx, timeout: number) => Promise<Response>,
    deadline: number,
    pageNumber?: number,
  ): Promise<Response> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const clientInUse = currentClient();
      const telnyx = await clientInUse;
      try {
        return await limit(() => {
          const remaining = deadline - clock();
          if (remaining <= 0) {
            throw new RequestFailed({ kind: 'deadline', detail: 'the run reached its deadline before this request', pageNumber });
          }
          requests += 1;
          return call(telnyx, Math.min(options.timeoutMs, remaining));
        });
      } catch (error) {
        if (error instanceof RequestFailed) throw error;
        if (error instanceof Telnyx.AuthenticationError) {
          if (refreshed) {
            throw new TelnyxAuthError(
              `Telnyx rejected the API key (HTTP 401) even after re-reading it: ${options.keyFix ?? SINGLE_ACCOUNT_KEY_FIX}`,
            );
          }
          refreshed = true;
          await refreshedClient(clientInUse);
          attempt -= 1;
          continue;
        }
        if (error instanceof Telnyx.NotFoundError) throw error;
        const { kind, retryable, detail } = classify(error);
        if (!retryable || attempt >= MAX_ATTEMPTS) {
          throw new RequestFailed({ kind, detail: `${detail} after ${attempt} attempt(s)`, pageNumber });
        }
        const headers = error instanceof Telnyx.APIError ? (error.headers as Headers | undefined) : undefined;
        const wait = retryAfterMs(headers, clock()) ?? BACKOFF_BASE_MS * 2 ** (attempt - 1);
        if (clock() + wait >= deadline) {
          throw new RequestFailed({
            kind,
            detail: `${detail}; the ${Math.ceil(wait)} ms wait asked for runs past the run's deadline`,
            pageNumber,
          });
        }
        await sleep(wait);
      }
    }
  }

  type PageRequest = (telnyx: Telnyx, pageNumber: number, timeout: number) => Promise<Response>;

  async function fetchPage(request: PageRequest, pageNumber: number, deadline: number) {
    const response = await send((telnyx, timeout) => request(telnyx, pageNumber, timeout), deadline, pageNumber).catch(
      (error: unknown) => {
        // Only a lookup by id reads 404 as an answer; for a listing it is a failed page, not a crash of the run.
        if (error instanceof Telnyx.NotFoundError) {
          throw new RequestFailed({ kind: 'client-error', detail: 'HTTP 404 for a listing', pageNumber });
        }
        throw error;
      },
    );
    let body: unknown;
    try {
      body = await readJsonCapped(response);
    } catch (error) {
      throw new RequestFailed({ kind: 'malformed-response', detail: (error as Error).message, pageNumber });
    }
    const page = parseListPage(body, { pageNumber, pageSize: PAGE_SIZE });
    if ('problem' in page) throw new RequestFailed({ kind: 'malformed-response', detail: page.problem, pageNumber });
    return page;
  }

  /**
   * Fetches every page of one listing and hands each page's items to `absorb`. After page 1, pages go out
   * `concurrency` at a time if the metadata is trustworthy, else one by one; either way it stops at the first
   * short page (the first empty one if the server didn't state its page size) and at MAX_PAGES, whatever the
   * metadata claims.
   */
  // Pages each listing had last time, kept for the warm container's life: the next listing asks for that many at
  // once instead of waiting for page 1 to say how many there are, saving a round trip while the count holds.
  const pagesLastTime = new Map<string, number>();

  async function listAllPages(name: string, request: PageRequest, deadline: number, absorb: (items: unknown[]) => void) {
    const early = new Map<number, Promise<ListPage>>();
    for (let pageNumber = 2; pageNumber <= Math.min(pagesLastTime.get(name) ?? 1, options.concurrency); pageNumber++) {
      const page = fetchPage(request, pageNumber, deadline);
      // Settled later in page order, or not at all if the listing got shorter: never an unhandled rejection.
      page.catch(() => undefined);
      early.set(pageNumber, page);
    }
    const failures: SourceFailure[] = [];
    let pagesFetched = 0;
    let endPage = MAX_PAGES;
    // The server's page size, as page 1 states it; unknown, only an empty page ends the listing.
    let pageSize: number | null = null;
    let truncated = false;
    const seenIds = new Set<unknown>();
    let received = 0;
    const onPage = (pageNumber: number, items: unknown[]) => {
      pagesFetched += 1;
      received += items.length;
      const ids = items.map((item) => (typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined));
      // A full page of ids already listed means the server ignores page[number]: every later page would be the same.
      const full = items.length > 0 && items.length >= (pageSize ?? 0);
      if (pageNumber > 1 && full && ids.every((id) => typeof id === 'string' && seenIds.has(id))) {
        failures.push({ kind: 'malformed-response', detail: `page ${pageNumber} repeats earlier pages; the server is not paging`, pageNumber });
        endPage = Math.min(endPage, pageNumber);
        return;
      }
      for (const id of ids) seenIds.add(id);
      absorb(items);
      if (!full) endPage = Math.min(endPage, pageNumber);
    };
    try {
      const first = await fetchPage(request, 1, deadline);
      // A server may page by its own size, smaller than asked: a page shorter than asked for ends the listing
      // only if the server said its size; without meta.page_size only an empty page does.
      pageSize = first.pageSize;
      onPage(1, first.items);
      const trusted = first.pageNumber === 1 && first.totalPages !== null;
      if (trusted && first.totalPages! > MAX_PAGES) truncated = true;
      let nextPage = 2;
      const worker = (lastPage: number) => async () => {
        while (nextPage <= Math.min(endPage, lastPage) && failures.length === 0) {
          const pageNumber = nextPage++;
          try {
            onPage(pageNumber, (await (early.get(pageNumber) ?? fetchPage(request, pageNumber, deadline))).items);
          } catch (error) {
            if (error instanceof RequestFailed) failures.push(error.failure);
            else throw error;
          }
        }
      };
      // Trusted metadata says how many pages can go out at once, not where the listing ends: a total_pages that
      // is too low ends on a full page. Unless total_results says all has arrived, paging goes on one page at a
      // time to a short page.
      if (trusted) await Promise.all(Array.from({ length: options.concurrency }, worker(Math.min(first.totalPages!, MAX_PAGES))));
      const allArrived = trusted && first.totalResults !== null && received >= first.totalResults;
      if (!allArrived) await worker(MAX_PAGES)();
      if (endPage === MAX_PAGES && pagesFetched >= MAX_PAGES) truncated = true;
    } catch (error) {
      if (error instanceof RequestFailed) failures.push(error.failure);
      else throw error;
    }
    if (truncated) {
      failures.push({ kind: 'malformed-response', detail: `listing claims more than ${MAX_PAGES} pages; stopped there` });
    }
    if (failures.length === 0) pagesLastTime.set(name, pagesFetched);
    return { failures, pagesFetched };
  }

  const listPortouts =
    (filter: Telnyx.PortoutListParams['filter']): PageRequest =>
    (telnyx, pageNumber, timeout) =>
      telnyx.portouts.list({ filter, 'page[number]': pageNumber, 'page[size]': PAGE_SIZE }, { timeout }).asResponse();

  return {
    requestCount: () => requests,

    async listWatchedPortouts(deadline) {
      const byId = new Map<string, Portout>();
      const invalid: InvalidPortout[] = [];
      let unwatchedDropped = 0;
      let anonymous = false;
      const { failures, pagesFetched } = await listAllPages(
        'watched',
        listPortouts({ status_in: [...WATCHED_STATUSES] }),
        deadline,
        (items) => {
          for (const raw of items) {
            const parsed = parsePortoutItem(raw);
            if (!parsed.ok) {
              invalid.push({ id: parsed.id, problem: parsed.problem });
              if (parsed.id === null) anonymous = true;
              continue;
            }
            // The status filter may be ignored by the server; a silent filter failure must not look like news. A
            // status we don't know is kept: the server listed it as pending or rejected-pending (see isWatchedStatus).
            if (!isWatchedStatus(parsed.portout.status)) {
              unwatchedDropped += 1;
              continue;
            }
            const existing = byId.get(parsed.portout.id);
            if (!existing || (parsed.portout.updatedAt ?? '') >= (existing.updatedAt ?? '')) {
              byId.set(parsed.portout.id, parsed.portout);
            }
          }
        },
      );
      return {
        portouts: [...byId.values()],
        invalid,
        unwatchedDropped,
        complete: failures.length === 0 && !anonymous,
        failures,
        pagesFetched,
      } satisfies Listing;
    },

    async listRejectedSince(since, deadline) {
      const byId = new Map<string, Portout>();
      const invalid: InvalidPortout[] = [];
      const { failures } = await listAllPages(
        'rejected',
        listPortouts({ status: 'rejected', inserted_at: { gte: since } }),
        deadline,
        (items) => {
          for (const raw of items) {
            const parsed = parsePortoutItem(raw);
            if (!parsed.ok) invalid.push({ id: parsed.id, problem: parsed.problem });
            // A status we don't know, from a `rejected` query, may be a new kind of rejection: alerted, not dropped.
            else if (parsed.portout.status === 'rejected' || !isKnownStatus(parsed.portout.status)) byId.set(parsed.portout.id, parsed.portout);
          }
        },
      );
      return { portouts: [...byId.values()], invalid, complete: failures.length === 0, failures };
    },

    async listCommentsSince(since, deadline) {
      const byId = new Map<string, PortoutComment>();
      const invalid: InvalidPortout[] = [];
      const { failures } = await listAllPages(
        'comments',
        (telnyx, pageNumber, timeout) =>
          telnyx.portouts.events
            .list(
              {
                filter: { event_type: 'portout.new_comment', created_at: { gte: since } },
                'page[number]': pageNumber,
                'page[size]': PAGE_SIZE,
              },
              { timeout },
            )
            .asResponse(),
        deadline,
        (items) => {
          for (const raw of items) {
            // A feed that ignored filter[event_type] also lists status and FOC events: not comments, and not odd data.
            if (isOtherPortoutEvent(raw)) continue;
            const parsed = parseCommentEvent(raw);
            if (parsed.ok) byId.set(parsed.comment.id, parsed.comment);
            else invalid.push({ id: null, problem: `comment feed entry: ${parsed.problem}` });
          }
        },
      );
      return { comments: [...byId.values()], invalid, complete: failures.length === 0, failures };
    },

    async retrievePortout(id, deadline): Promise<Retrieval> {
      if (!PORTOUT_ID_PATTERN.test(id)) return { kind: 'invalid', problem: 'id has an unexpected shape' };
      try {
        const response = await send((telnyx, timeout) => telnyx.portouts.retrieve(id, { timeout }).asResponse(), deadline);
        const body = parseRetrieveBody(await readJsonCapped(response));
        if ('problem' in body) return { kind: 'invalid', problem: body.problem };
        const parsed = parsePortoutItem(body.item);
        if (!parsed.ok) return { kind: 'invalid', problem: parsed.problem };
        if (parsed.portout.id !== id) return { kind: 'invalid', problem: 'response is for another id' };
        return { kind: 'found', portout: parsed.portout };
      } catch (error) {
        if (error instanceof Telnyx.NotFoundError) {
          if (isTelnyxErrorEnvelope(error.error)) return { kind: 'not-found' };
          return {
            kind: 'failed',
            failure: { kind: 'client-error', detail: "HTTP 404 without Telnyx's error envelope (a proxy, or a moved API?): not taken as gone" },
          };
        }
        if (error instanceof RequestFailed) return { kind: 'failed', failure: error.failure };
        if (error instanceof TelnyxAuthError) throw error;
        return { kind: 'failed', failure: { kind: 'malformed-response', detail: (error as Error).message } };
      }
    },
  };
}

/** A feed entry that plainly names another port-out event type (`portout.status_changed`, `portout.foc_date_changed`). */
function isOtherPortoutEvent(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const eventType = (raw as { event_type?: unknown }).event_type;
  return typeof eventType === 'string' && eventType.startsWith('portout.') && eventType !== 'portout.new_comment';
}
