import Telnyx from 'telnyx';
import { MANAGED_ACCOUNT_PREFIX, managedAccountName, type AccountRef } from '../core/accounts.ts';
import { mapConcurrent } from '../core/concurrency.ts';
import type { SourceFailure } from '../core/ports.ts';
import { parseListPage, parseRetrieveBody } from './telnyx-portout-schema.ts';
import { isTelnyxErrorEnvelope, PAGE_SIZE, TelnyxAuthError } from './telnyx-source.ts';
import { createTelnyxRequester, readJsonCapped, RequestFailed, type RequestLimit } from './telnyx-requests.ts';

export interface ManagedAccountsDirectory {
  /** Lists every page of the manager's managed accounts and returns each enabled one with its key (retrieved
   *  once per container, then cached in memory only; never logged or stored). Discovery stops at `deadline`; a
   *  key re-retrieved later in the run, after a 401, may take until `runDeadline` (the run's own, by default the same). */
  discover(deadline: number, runDeadline?: number): Promise<ManagedDiscovery>;
  requestCount(): number;
}

export interface ManagedDiscovery {
  /** Enabled accounts with a key in hand. getApiKey(true) re-retrieves that account's key (after a 401). */
  accounts: Array<{ ref: AccountRef; getApiKey: (refresh: boolean) => Promise<string> }>;
  /**
   * Listed as disabled, blocked or cancelled (one watched before and called so by the listings alone: its own key
   * refused too): not polled; the poller names them in a WARN line each run.
   */
  disabled: AccountRef[];
  /** Enabled accounts whose key could not be retrieved this run: each is reported down. */
  unreachable: Array<{ ref: AccountRef; failure: SourceFailure }>;
  /** Every listing page came back, the accounts watched before were known (from this container or `memory`), every
   *  one both listings lack was confirmed deleted, and every one the listings alone call disabled had its own key
   *  refused. When not, `accounts` still holds those watched before, so a listing blip (a failed page, or a whole
   *  reply that lost accounts) never stops watching them. */
  complete: boolean;
  /** Watched before, missing from both whole listings, and Telnyx's own 404 for the account: deleted, so no longer
   *  watched. Named in the run that drops them only; later runs don't know them. */
  removed: AccountRef[];
  failures: SourceFailure[];
  /** The manager key was refused (401/403) even after re-reading it. */
  managerKeyRefused: boolean;
}

/**
 * Where the directory keeps the Telnyx ids of the managed accounts it watches, so that a new container knows them
 * too: a listing that silently lost accounts then can't stop watching them, whichever container reads it.
 */
export interface KnownManagedAccounts {
  /** The ids last saved; [] when none were. */
  load(): Promise<string[]>;
  save(ids: string[]): Promise<void>;
}

export interface ManagedAccountsDirectoryOptions {
  baseURL: string;
  timeoutMs: number;
  /** Returns the manager account's key; `refresh` asks for a fresh read after a 401 (it may have been rotated). */
  getManagerKey: (refresh: boolean) => Promise<string>;
  fetch?: typeof fetch;
  /** Runs each Telnyx request once a slot of the run's shared request limit is free. */
  limit?: RequestLimit;
  /** Unset, accounts are known only to the container that watched them. */
  memory?: KnownManagedAccounts;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** 10,000 accounts a listing: far beyond "hundreds", low enough that a server that never ends a listing can't run away. */
export const MAX_LISTING_PAGES = 40;
/** Key retrievals in flight at once: only new accounts need one, so this matters on a cold start of a large fleet. */
export const RETRIEVE_CONCURRENCY = 8;
export const MAX_LABEL_LENGTH = 40;
const MAX_ID_LENGTH = 128;
/** A bearer token: printable ASCII without spaces, of a sane length. */
const USABLE_KEY = /^[\x21-\x7e]{1,1024}$/;
/** Per-item statuses Telnyx may send (the list type documents none; the filter takes these values). */
const ENABLED_STATUSES: ReadonlySet<string> = new Set(['enabled', 'active']);
const DISABLED_STATUSES: ReadonlySet<string> = new Set(['disabled', 'blocked', 'cancelled']);

type Verdict = 'enabled' | 'disabled';
interface ListedAccount {
  id: string;
  ref: AccountRef;
  /** the item's own `status`, when it carries one we understand; it outranks the listing it came in */
  itemVerdict: Verdict | null;
}
interface ListingResult {
  items: unknown[];
  complete: boolean;
  failures: SourceFailure[];
  refused: boolean;
}
/** `gone`: Telnyx itself answered 404 (its error envelope), so the account no longer exists. */
type KeyOutcome = { key: string; organizationName: unknown } | { failure: SourceFailure; refused: boolean; gone: boolean };

/** 401 with a freshly read manager key: only a person can fix that. */
class ManagerKeyRefused extends Error {}
/** 401 twice with a managed account's own key. */
class AccountKeyRefused extends Error {}

/** An AWS error's name and message: they name what to fix (a missing grant, the table), and hold no key. */
function stateTableError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : 'unknown error';
}

/** The key reader's message names the setting to fix (it never holds the key). */
function keyReadFailed(error: unknown, pageNumber: number | undefined): RequestFailed {
  const why = error instanceof Error ? error.message : 'unknown error';
  return new RequestFailed({ kind: 'client-error', detail: `reading the manager key failed: ${why}`, pageNumber });
}

/**
 * Finds the manager's managed accounts and their keys through the official SDK. The list carries no keys, so each
 * newly seen enabled account's key is retrieved once and kept in memory for the container's life.
 *
 * Enabled or not is read from two listings, `filter[status][eq]=enabled` (the watch set) and `all` with cancelled
 * accounts included (everything else): what `all` lists beyond `enabled` is not enabled, whatever Telnyx's
 * `disabled`/`blocked`/`cancelled` filters turn out to cover, and it costs one page per 250 accounts. A per-item
 * `status`, which the documented list item lacks, outranks the listing it came in, so a server that ignores the
 * filter is still read right when it sends one. Without one, an ignored filter fails open: every account is
 * watched, and a disabled one is reported down by its polls instead of named here.
 *
 * The two listings run at once, so an account whose status changes between them may be misread for one run (a
 * new account named disabled, or a newly disabled one still watched); the next run reads it right.
 *
 * `complete` means both listings came back whole; items with unusable ids are skipped and counted in `failures`
 * without making the listing incomplete, since they could never be watched anyway. An account watched before that
 * both whole listings lack is looked up by id: Telnyx's own 404 says it was deleted, and it is dropped and named in
 * `removed` (else a deletion would fail discovery, and page, on every run for the container's life). Found, or not
 * looked up (an error, the deadline), it is kept and the discovery is incomplete: a reply that lost accounts (`200`
 * with no data) must not stop watching them silently.
 *
 * "Watched before" outlives the container through `memory`: the watched accounts' ids, read on a container's first
 * discovery (one read, run beside the listings) and written only when the set changes, so a warm run with nothing
 * new reads and writes nothing. An account known only from there has no key yet: its lookup returns one, and its
 * organization name. A failed read or write is a discovery failure, never a stop; after a failed read nothing is
 * written (the set read back would lose what the listings lack) and the next discovery reads again.
 *
 * Likewise, an account watched before that the whole enabled listing lacks and the `all` listing shows, with no
 * status of its own, is asked about with its own key (one port-out listing of one item): refused (401/403), it is
 * disabled; answered, the listings disagree, and it is still watched and the discovery incomplete; the question
 * failing, it is still watched (fail open) and the discovery incomplete. Once disabled it is not known any more, so
 * it is asked about once.
 */
export function createManagedAccountsDirectory(options: ManagedAccountsDirectoryOptions): ManagedAccountsDirectory {
  const clock = options.clock ?? Date.now;
  const { send, requestCount: managerRequests } = createTelnyxRequester({
    ...options,
    getApiKey: options.getManagerKey,
    refused: () => new ManagerKeyRefused(),
    keyReadFailed,
    // Read by the caller: a 403 is refused for a listing, one account's problem for a retrieve; a 404 fails a
    // listing's page, and answers a retrieve.
    passesOn: (error) => error instanceof Telnyx.PermissionDeniedError || error instanceof Telnyx.NotFoundError,
  });
  /** The latest run's deadline, for key refreshes asked for during that run. */
  let runDeadline = 0;
  /** Accounts watched by the latest run, by name: kept watching when a later listing is incomplete. */
  const known = new Map<string, ListedAccount>();
  /** Managed accounts' keys, by account name; memory only. */
  const keys = new Map<string, string>();
  const refreshing = new Map<string, Promise<string>>();
  /** Unset memory: nothing to read. Set: read once it succeeds; until then, nothing is written either. */
  let recalled = options.memory === undefined;
  /** The ids last read or written, sorted, one a line: written again only when the watched set differs. */
  let remembered = '';
  /** Requests made with managed accounts' own keys. */
  let accountRequests = 0;

  async function readBody(response: Response, pageNumber?: number): Promise<unknown> {
    try {
      return await readJsonCapped(response);
    } catch (error) {
      throw new RequestFailed({ kind: 'malformed-response', detail: (error as Error).message, pageNumber });
    }
  }

  /**
   * Every page of one listing, asked for one by one: the SDK's pager would loop forever on a reply without
   * `meta.page_number`. Ends at the first short page (the first empty one if the server states no page size), when
   * `total_results` have arrived, on a page that repeats earlier ids (a server ignoring `page[number]`), or at
   * MAX_LISTING_PAGES.
   */
  async function listAll(status: 'enabled' | 'all', deadline: number): Promise<ListingResult> {
    const items: unknown[] = [];
    const seenIds = new Set<unknown>();
    const named = (failure: SourceFailure): SourceFailure => ({ ...failure, detail: `listing ${status} managed accounts: ${failure.detail}` });
    try {
      for (let pageNumber = 1; pageNumber <= MAX_LISTING_PAGES; pageNumber++) {
        const response = await send(
          (telnyx, timeout) =>
            telnyx.managedAccounts
              .list(
                {
                  filter: { status: { eq: status } },
                  ...(status === 'all' ? { include_cancelled_accounts: true } : {}),
                  'page[number]': pageNumber,
                  'page[size]': PAGE_SIZE,
                },
                { timeout },
              )
              .asResponse(),
          deadline,
          pageNumber,
        ).catch((error: unknown) => {
          if (error instanceof Telnyx.NotFoundError) throw new RequestFailed({ kind: 'client-error', detail: 'HTTP 404 for a listing', pageNumber });
          throw error;
        });
        const page = parseListPage(await readBody(response, pageNumber), { pageNumber, pageSize: PAGE_SIZE });
        if ('problem' in page) throw new RequestFailed({ kind: 'malformed-response', detail: page.problem, pageNumber });
        const ids = page.items.map((item) => (typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined));
        const full = page.items.length > 0 && page.items.length >= (page.pageSize ?? 0);
        if (pageNumber > 1 && full && ids.every((id) => typeof id === 'string' && seenIds.has(id))) {
          throw new RequestFailed({ kind: 'malformed-response', detail: `page ${pageNumber} repeats earlier pages; the server is not paging`, pageNumber });
        }
        for (const id of ids) seenIds.add(id);
        items.push(...page.items);
        if (!full || (page.totalResults !== null && items.length >= page.totalResults)) return { items, complete: true, failures: [], refused: false };
      }
      return {
        items,
        complete: false,
        failures: [named({ kind: 'malformed-response', detail: `more than ${MAX_LISTING_PAGES} pages; stopped there` })],
        refused: false,
      };
    } catch (error) {
      if (error instanceof RequestFailed) return { items, complete: false, failures: [named(error.failure)], refused: false };
      if (error instanceof ManagerKeyRefused || error instanceof Telnyx.PermissionDeniedError) {
        const answer = error instanceof ManagerKeyRefused ? 'HTTP 401 even after re-reading the key' : 'HTTP 403';
        return { items, complete: false, failures: [named({ kind: 'client-error', detail: `the manager key was refused (${answer})` })], refused: true };
      }
      throw error;
    }
  }

  async function retrieveKey(account: ListedAccount, deadline: number): Promise<KeyOutcome> {
    try {
      const response = await send((telnyx, timeout) => telnyx.managedAccounts.retrieve(account.id, { timeout }).asResponse(), deadline);
      const body = parseRetrieveBody(await readBody(response));
      if ('problem' in body) return failed('malformed-response', body.problem);
      const item = body.item;
      if (typeof item !== 'object' || item === null) return failed('malformed-response', 'data: not an object');
      const { id, api_key: apiKey } = item as { id?: unknown; api_key?: unknown };
      if (id !== account.id) return failed('malformed-response', 'data.id: not the account asked for');
      if (typeof apiKey !== 'string' || !USABLE_KEY.test(apiKey)) return failed('malformed-response', 'data.api_key: missing or not a usable key');
      return { key: apiKey, organizationName: (item as { organization_name?: unknown }).organization_name };
    } catch (error) {
      if (error instanceof RequestFailed) return { failure: error.failure, refused: false, gone: false };
      if (error instanceof ManagerKeyRefused) {
        return { failure: { kind: 'client-error', detail: 'HTTP 401: the manager key was refused even after re-reading it' }, refused: true, gone: false };
      }
      if (error instanceof Telnyx.PermissionDeniedError) return failed('client-error', 'HTTP 403');
      // A proxy's or a moved API's 404 says nothing about the account.
      if (error instanceof Telnyx.NotFoundError) {
        return isTelnyxErrorEnvelope(error.error)
          ? { failure: { kind: 'client-error', detail: 'HTTP 404: Telnyx has no such managed account' }, refused: false, gone: true }
          : failed('client-error', "HTTP 404 without Telnyx's error envelope (a proxy, or a moved API?): not taken as gone");
      }
      // Named, never quoted: a message could hold anything the response did.
      return failed('malformed-response', error instanceof Error ? error.name : 'unknown error');
    }
  }

  /** A retrieved key, cached; an account known only from `memory` takes its label from the same reply. */
  function keep(account: ListedAccount, outcome: { key: string; organizationName: unknown }): void {
    keys.set(account.ref.name, outcome.key);
    if (typeof outcome.organizationName === 'string') account.ref = { name: account.ref.name, label: accountLabel(outcome.organizationName, account.ref.name) };
  }

  /** Adds the accounts `memory` holds to those known; the failure, if reading it failed. */
  async function recall(): Promise<SourceFailure | null> {
    if (recalled || options.memory === undefined) return null;
    let ids: string[];
    try {
      ids = await options.memory.load();
    } catch (error) {
      return { kind: 'connection', detail: `reading the managed accounts watched before from the state table failed (${stateTableError(error)}); the next run reads it again` };
    }
    recalled = true;
    remembered = [...ids].sort().join('\n');
    for (const id of ids) {
      const read = readListedItem({ id });
      if ('account' in read && !known.has(read.account.ref.name)) known.set(read.account.ref.name, read.account);
    }
    return null;
  }

  /** Writes the watched accounts' ids if they differ from those last read or written; the failure, if that failed. */
  async function remember(watched: Iterable<ListedAccount>): Promise<SourceFailure | null> {
    if (!recalled || options.memory === undefined) return null;
    const ids = [...watched].map(({ id }) => id).sort();
    if (ids.join('\n') === remembered) return null;
    try {
      await options.memory.save(ids);
      remembered = ids.join('\n');
      return null;
    } catch (error) {
      return { kind: 'connection', detail: `saving the managed accounts watched to the state table failed (${stateTableError(error)}); the next run tries again` };
    }
  }

  /** One port-out, asked for with the account's own key: Telnyx refuses the key of an account that is not enabled. */
  async function askWithOwnKey(key: string, deadline: number): Promise<'refused' | 'answered' | SourceFailure> {
    const requester = createTelnyxRequester({
      ...options,
      getApiKey: () => Promise.resolve(key),
      refused: () => new AccountKeyRefused(),
      passesOn: (error) => error instanceof Telnyx.PermissionDeniedError,
    });
    try {
      const response = await requester.send((telnyx, timeout) => telnyx.portouts.list({ 'page[size]': 1 }, { timeout }).asResponse(), deadline);
      await response.body?.cancel();
      return 'answered';
    } catch (error) {
      if (error instanceof AccountKeyRefused || error instanceof Telnyx.PermissionDeniedError) return 'refused';
      if (error instanceof RequestFailed) return error.failure;
      return { kind: 'malformed-response', detail: error instanceof Error ? error.name : 'unknown error' };
    } finally {
      accountRequests += requester.requestCount();
    }
  }

  /**
   * getApiKey(true): re-retrieves the account's key once however many ask at the same time. The cached key was
   * refused, so a failed retrieve drops it: the next discovery retrieves again, or reports the account unreachable.
   */
  function refreshKey(account: ListedAccount): Promise<string> {
    const name = account.ref.name;
    let pending = refreshing.get(name);
    if (pending === undefined) {
      pending = retrieveKey(account, runDeadline)
        .then((outcome) => {
          if ('failure' in outcome) {
            keys.delete(name);
            // Telnyx refused the account's key and gave no new one: the account's own fault, as a refused key is.
            throw new TelnyxAuthError(`re-retrieving the key of managed account ${name} failed: ${outcome.failure.detail}`);
          }
          keep(account, outcome);
          return outcome.key;
        })
        .finally(() => refreshing.delete(name));
      refreshing.set(name, pending);
    }
    return pending;
  }

  return {
    requestCount: () => managerRequests() + accountRequests,

    async discover(deadline, untilRunEnds = deadline) {
      runDeadline = untilRunEnds;
      const [enabledListing, allListing, recallFailure] = await Promise.all([listAll('enabled', deadline), listAll('all', deadline), recall()]);
      const failures = [...enabledListing.failures, ...allListing.failures];
      // Without the stored set, a whole listing can't show that it lost accounts another container watched.
      let complete = enabledListing.complete && allListing.complete && recallFailure === null;
      if (recallFailure !== null) failures.push(recallFailure);
      let managerKeyRefused = enabledListing.refused || allListing.refused;

      const problems = new Map<string, number>();
      const idByName = new Map<string, string>();
      /** `inferred`: from the listing it came in (or not), the item having no status of its own */
      const verdicts = new Map<string, { account: ListedAccount; verdict: Verdict; inferred: boolean }>();
      const inEnabledListing = new Set<string>();
      const absorb = (raw: unknown, fromEnabledListing: boolean) => {
        const read = readListedItem(raw);
        if ('problem' in read) {
          problems.set(read.problem, (problems.get(read.problem) ?? 0) + 1);
          return;
        }
        const { account } = read;
        const name = account.ref.name;
        if ((idByName.get(name) ?? account.id) !== account.id) {
          const problem = 'listed account skipped: its id gives the same account name as another listed id';
          problems.set(problem, (problems.get(problem) ?? 0) + 1);
          return;
        }
        idByName.set(name, account.id);
        if (fromEnabledListing) inEnabledListing.add(name);
        // Beyond the enabled listing, "not enabled" is only known when that listing came back whole.
        const byListing = fromEnabledListing ? 'enabled' : inEnabledListing.has(name) ? null : enabledListing.complete ? 'disabled' : null;
        const verdict = account.itemVerdict ?? byListing;
        if (verdict !== null) verdicts.set(name, { account, verdict, inferred: account.itemVerdict === null });
      };
      for (const raw of enabledListing.items) absorb(raw, true);
      for (const raw of allListing.items) absorb(raw, false);
      for (const [problem, count] of problems) {
        failures.push({ kind: 'malformed-response', detail: count === 1 ? problem : `${problem} (${count} items)` });
      }

      const watched = new Map<string, ListedAccount>();
      const disabled: AccountRef[] = [];
      /** Watched before, and only the listings' difference says disabled: watched until their own key says so. */
      const inDoubt: ListedAccount[] = [];
      for (const [name, { account, verdict, inferred }] of verdicts) {
        if (verdict === 'enabled') watched.set(name, account);
        else if (inferred && known.has(name)) {
          watched.set(name, account);
          inDoubt.push(account);
        } else disabled.push(account.ref);
      }
      // Known accounts the listings give no verdict on stay watched, unless both listings came back whole without
      // them and Telnyx says, looked up by id, that they no longer exist.
      const missing = [...known.values()].filter((account) => !verdicts.has(account.ref.name));
      const removed: AccountRef[] = [];
      const lookups = complete ? await mapConcurrent(missing, RETRIEVE_CONCURRENCY, (account) => retrieveKey(account, deadline)) : [];
      let found = 0;
      const notLookedUp: SourceFailure[] = [];
      for (const [i, account] of missing.entries()) {
        const lookup = lookups[i];
        if (lookup !== undefined && 'gone' in lookup && lookup.gone) {
          removed.push(account.ref);
          continue;
        }
        watched.set(account.ref.name, account);
        // No lookup: a listing was not whole, so the discovery is incomplete already.
        if (lookup === undefined) continue;
        if ('key' in lookup) {
          keep(account, lookup);
          found += 1;
        } else {
          notLookedUp.push(lookup.failure);
          managerKeyRefused ||= lookup.refused;
        }
      }
      const without = (count: number) => `both listings came back whole without ${count === 1 ? '1 managed account' : `${count} managed accounts`} watched before`;
      if (found > 0) failures.push({ kind: 'malformed-response', detail: `${without(found)} that Telnyx still has; still watching them` });
      const [firstFailure] = notLookedUp;
      if (firstFailure !== undefined) {
        failures.push({ kind: firstFailure.kind, detail: `${without(notLookedUp.length)}, and looking them up failed (${firstFailure.detail}); still watching them` });
      }
      if (found > 0 || notLookedUp.length > 0) complete = false;

      const unreachable: ManagedDiscovery['unreachable'] = [];
      const keyless = [...watched.values()].filter((account) => !keys.has(account.ref.name));
      if (managerKeyRefused) {
        for (const { ref } of keyless) unreachable.push({ ref, failure: { kind: 'client-error', detail: 'the manager key was refused; key not retrieved' } });
      } else {
        await mapConcurrent(keyless, RETRIEVE_CONCURRENCY, async (account) => {
          const outcome = await retrieveKey(account, deadline);
          if ('key' in outcome) keep(account, outcome);
          else {
            unreachable.push({ ref: account.ref, failure: outcome.failure });
            managerKeyRefused ||= outcome.refused;
          }
        });
      }

      let stillAnswering = 0;
      const notAsked: SourceFailure[] = [];
      await mapConcurrent(inDoubt, RETRIEVE_CONCURRENCY, async (account) => {
        const { name } = account.ref;
        const key = keys.get(name);
        const answer =
          key === undefined
            ? (unreachable.find(({ ref }) => ref.name === name)?.failure ?? { kind: 'deadline', detail: 'no key to ask with' })
            : await askWithOwnKey(key, deadline);
        if (answer === 'refused') {
          watched.delete(name);
          disabled.push(account.ref);
        } else if (answer === 'answered') stillAnswering += 1;
        else notAsked.push(answer);
      });
      const lacking = (count: number) =>
        `the enabled listing came back whole without ${count === 1 ? '1 managed account' : `${count} managed accounts`} watched before that the other listing shows`;
      if (stillAnswering > 0) failures.push({ kind: 'malformed-response', detail: `${lacking(stillAnswering)}, and its own key still works; still watching them` });
      const [firstUnasked] = notAsked;
      if (firstUnasked !== undefined) {
        failures.push({ kind: firstUnasked.kind, detail: `${lacking(notAsked.length)}, and asking with its own key failed (${firstUnasked.detail}); still watching them` });
      }
      if (stillAnswering > 0 || notAsked.length > 0) complete = false;

      known.clear();
      for (const [name, account] of watched) known.set(name, account);
      for (const name of keys.keys()) if (!watched.has(name)) keys.delete(name);
      const rememberFailure = await remember(watched.values());
      if (rememberFailure !== null) failures.push(rememberFailure);

      const accounts = [...watched.values()]
        .filter((account) => keys.has(account.ref.name))
        .map((account) => ({
          ref: account.ref,
          getApiKey: (refresh: boolean): Promise<string> => {
            const key = keys.get(account.ref.name);
            return refresh || key === undefined ? refreshKey(account) : Promise.resolve(key);
          },
        }));
      return { accounts, disabled, unreachable, complete, failures, managerKeyRefused, removed };
    },
  };
}

function failed(kind: SourceFailure['kind'], detail: string): KeyOutcome {
  return { failure: { kind, detail }, refused: false, gone: false };
}

/** One listed item, or why it was skipped (naming fields, never values). */
function readListedItem(raw: unknown): { account: ListedAccount } | { problem: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: 'listed account skipped: not an object' };
  const { id, organization_name: organizationName, status } = raw as Record<string, unknown>;
  if (typeof id !== 'string' || id.length > MAX_ID_LENGTH || managedAccountName(id) === MANAGED_ACCOUNT_PREFIX) {
    return { problem: 'listed account skipped: id missing or not a usable string' };
  }
  const name = managedAccountName(id);
  const itemVerdict = typeof status !== 'string' ? null : ENABLED_STATUSES.has(status) ? 'enabled' : DISABLED_STATUSES.has(status) ? 'disabled' : null;
  return { account: { id, ref: { name, label: accountLabel(organizationName, name) }, itemVerdict } };
}

/**
 * What people read: the organization name made printable (control, format and unassigned characters out, runs of
 * white space as one space), trimmed and cut to MAX_LABEL_LENGTH characters; else the account name's first 8
 * characters after the prefix.
 */
export function accountLabel(organizationName: unknown, name: string): string {
  if (typeof organizationName === 'string') {
    const printable = organizationName.replace(/\p{C}/gu, ' ').replace(/\s+/g, ' ').trim();
    const cut = [...printable].slice(0, MAX_LABEL_LENGTH).join('').trim();
    if (cut !== '') return cut;
  }
  return name.slice(0, MANAGED_ACCOUNT_PREFIX.length + 8);
}
