import Telnyx from 'telnyx';
import type { SourceFailure, SourceFailureKind } from '../core/ports.ts';

/** A full page of 250 items is ~300 KB; anything far larger is not a Telnyx listing. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
export const MAX_ATTEMPTS = 3;
export const BACKOFF_BASE_MS = 500;

/**
 * The run's limit on Telnyx requests in flight. It wraps each SDK call, which is one HTTP request (the SDK's retries
 * are off), rather than the SDK's fetch: the SDK starts a request's timeout before calling fetch, so a request queued
 * in fetch would spend its own timeout waiting for a slot. Its timeout is reckoned once it has one.
 */
export type RequestLimit = <T>(task: () => Promise<T>) => Promise<T>;

export const NO_REQUEST_LIMIT: RequestLimit = (task) => task();

/** A request that could not be used, with why: a listing counts it as a failed page, a lookup as a failed lookup. */
export class RequestFailed extends Error {
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

export interface TelnyxRequesterOptions {
  /** Returns the API key; `refresh` asks for a fresh read after a 401 (the key may have been rotated). */
  getApiKey(refresh: boolean): Promise<string>;
  baseURL: string;
  timeoutMs: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** Runs each Telnyx request once a slot of the run's shared request limit is free (see RequestLimit). */
  limit?: RequestLimit;
  /** The error once Telnyx refused the key even after a fresh read: only a person can fix that. */
  refused(): Error;
  /** What a failed key read becomes; unset, it is thrown as is. */
  keyReadFailed?(error: unknown, pageNumber: number | undefined): Error;
  /** SDK errors the caller reads itself (a lookup's 404, a retrieve's 403): passed on, never retried. */
  passesOn(error: unknown): boolean;
}

export interface TelnyxRequester {
  /** One logical request: deadline-bounded retries, and one key re-read on 401. */
  send(call: (telnyx: Telnyx, timeout: number) => Promise<Response>, deadline: number, pageNumber?: number): Promise<Response>;
  /** Requests sent so far, retries included. */
  requestCount(): number;
}

/**
 * Telnyx requests through the official SDK, with one key and one retry policy for every adapter. The SDK's own
 * retries are off: its Retry-After wait has no cap, so retries happen here, where the run's deadline is known.
 */
export function createTelnyxRequester(options: TelnyxRequesterOptions): TelnyxRequester {
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const limit = options.limit ?? NO_REQUEST_LIMIT;
  const keyRead = <T>(reading: Promise<T>, pageNumber: number | undefined): Promise<T> =>
    options.keyReadFailed
      ? reading.catch((error: unknown) => {
          throw options.keyReadFailed?.(error, pageNumber) ?? error;
        })
      : reading;
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

  async function send(call: (telnyx: Telnyx, timeout: number) => Promise<Response>, deadline: number, pageNumber?: number): Promise<Response> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const clientInUse = currentClient();
      const telnyx = await keyRead(clientInUse, pageNumber);
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
          if (refreshed) throw options.refused();
          refreshed = true;
          await keyRead(refreshedClient(clientInUse), pageNumber);
          attempt -= 1;
          continue;
        }
        if (options.passesOn(error)) throw error;
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

  return { send, requestCount: () => requests };
}
