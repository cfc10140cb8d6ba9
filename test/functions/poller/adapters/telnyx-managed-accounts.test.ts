import { afterEach, describe, expect, it } from 'vitest';
import {
  accountLabel,
  createManagedAccountsDirectory,
  type ManagedAccountsDirectoryOptions,
  type ManagedDiscovery,
} from '../../../../functions/poller/adapters/telnyx-managed-accounts.ts';
import type { RequestLimit } from '../../../../functions/poller/adapters/telnyx-requests.ts';
import { TelnyxAuthError } from '../../../../functions/poller/adapters/telnyx-source.ts';
import { managedAccountName } from '../../../../functions/poller/core/accounts.ts';
import { createLimiter } from '../../../../functions/poller/core/concurrency.ts';
import { startTelnyxSimulator, type ManagedAccountSpec, type TelnyxSimulator } from '../../../../local/telnyx-simulator.ts';

const running: TelnyxSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

/** `ma-0001` … : ids in creation order, so the newest sorts first in Telnyx's default order. */
function accountId(n: number): string {
  return `ma-${String(n).padStart(4, '0')}`;
}

async function fleet(specs: Array<Omit<ManagedAccountSpec, 'id'>> = []) {
  const sim = await startTelnyxSimulator();
  running.push(sim);
  const keyReads: boolean[] = [];
  const waits: number[] = [];
  let managerKey = sim.apiKey;
  let inFlight = 0;
  let mostInFlight = 0;
  const countingFetch: typeof fetch = async (input, init) => {
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    try {
      return await fetch(input, init);
    } finally {
      inFlight -= 1;
    }
  };
  const handles = specs.map((spec, i) => sim.addManagedAccount({ id: accountId(i + 1), ...spec }));
  /** accounts added later through `addManagedAccount` below, so their own requests are counted too */
  const added: typeof handles = [];
  const directory = (overrides: Partial<ManagedAccountsDirectoryOptions> = {}) =>
    createManagedAccountsDirectory({
      baseURL: sim.baseUrl,
      timeoutMs: 2_000,
      getManagerKey: async (refresh) => {
        keyReads.push(refresh);
        return managerKey;
      },
      sleep: async (ms) => {
        waits.push(ms);
      },
      fetch: countingFetch,
      ...overrides,
    });
  return {
    sim,
    handles,
    directory,
    keyReads,
    waits,
    mostInFlight: () => mostInFlight,
    addManagedAccount(spec: ManagedAccountSpec) {
      const handle = sim.addManagedAccount(spec);
      added.push(handle);
      return handle;
    },
    giveManagerKey(key: string) {
      managerKey = key;
    },
    /**
     * the manager's requests since the last call, as `list <status> p<n>` and `retrieve <id>`, then each managed
     * account's own, as `probe <id>`
     */
    takeRequests(): string[] {
      const seen = sim.requests.map(({ path, query }) =>
        path === '/v2/managed_accounts' ? `list ${query.get('filter[status][eq]')} p${query.get('page[number]')}` : `retrieve ${path.split('/').pop()}`,
      );
      sim.resetRequests();
      for (const handle of [...handles, ...added]) {
        seen.push(...handle.requests.map(() => `probe ${handle.id}`));
        handle.resetRequests();
      }
      return seen;
    },
  };
}

const deadline = () => Date.now() + 30_000;
const names = (refs: Array<{ name: string }>) => refs.map(({ name }) => name).sort();
const accountNames = (discovery: ManagedDiscovery) => names(discovery.accounts.map(({ ref }) => ref));
const enabled = (count: number, organizationName?: (n: number) => string) =>
  Array.from({ length: count }, (_, i) => (organizationName ? { organizationName: organizationName(i + 1) } : {}));

describe('managed-accounts directory (official SDK against the simulator)', () => {
  it('a new managed account appears between two runs: returned the second time, only its key retrieved', async () => {
    const { sim, handles, directory, takeRequests } = await fleet(enabled(3, (n) => `Brand ${n}`));
    const dir = directory();
    const first = await dir.discover(deadline());
    expect(first).toMatchObject({ complete: true, failures: [], disabled: [], unreachable: [], managerKeyRefused: false });
    expect(first.accounts.map(({ ref }) => ref)).toEqual(
      expect.arrayContaining([{ name: managedAccountName(accountId(1)), label: 'Brand 1' }]),
    );
    expect(takeRequests().sort()).toEqual(['list all p1', 'list enabled p1', 'retrieve ma-0001', 'retrieve ma-0002', 'retrieve ma-0003']);

    const newcomer = sim.addManagedAccount({ id: 'ma-new', organizationName: 'Newcomer' });
    const second = await dir.discover(deadline());
    expect(accountNames(second)).toEqual(names([...handles, newcomer].map(({ id }) => ({ name: managedAccountName(id) }))));
    expect(takeRequests().sort()).toEqual(['list all p1', 'list enabled p1', 'retrieve ma-new']);
    const got = second.accounts.find(({ ref }) => ref.name === 'managed-ma-new')!;
    expect(await got.getApiKey(false)).toBe(newcomer.apiKey);
    expect(takeRequests()).toEqual([]);
    expect(dir.requestCount()).toBe(8);
  });

  it('an account that becomes disabled moves to `disabled`; blocked and cancelled ones are named too', async () => {
    const { sim, directory } = await fleet([{}, {}, { status: 'blocked' }, { status: 'cancelled', organizationName: 'Gone Ltd' }]);
    const dir = directory();
    const first = await dir.discover(deadline());
    expect(accountNames(first)).toEqual(['managed-ma-0001', 'managed-ma-0002']);
    expect(first.disabled).toEqual(
      expect.arrayContaining([
        { name: 'managed-ma-0003', label: 'managed-ma-0003' },
        { name: 'managed-ma-0004', label: 'Gone Ltd' },
      ]),
    );
    sim.setManagedStatus(accountId(2), 'disabled');
    const second = await dir.discover(deadline());
    expect(accountNames(second)).toEqual(['managed-ma-0001']);
    expect(names(second.disabled)).toEqual(['managed-ma-0002', 'managed-ma-0003', 'managed-ma-0004']);
    expect(second.complete).toBe(true);
  });

  it('re-enabling a disabled account watches it again with a freshly retrieved key', async () => {
    const { sim, directory, takeRequests } = await fleet([{}, { status: 'disabled' }]);
    const dir = directory();
    await dir.discover(deadline());
    takeRequests();
    sim.setManagedStatus(accountId(2), 'enabled');
    const again = await dir.discover(deadline());
    expect(accountNames(again)).toEqual(['managed-ma-0001', 'managed-ma-0002']);
    expect(takeRequests().filter((request) => request.startsWith('retrieve'))).toEqual(['retrieve ma-0002']);
  });

  describe('the manager key', () => {
    it('refused after a re-read (401 twice): managerKeyRefused, and known accounts are still returned with their keys', async () => {
      const { sim, handles, directory, keyReads } = await fleet(enabled(2));
      const dir = directory();
      await dir.discover(deadline());
      sim.setApiKey('KEY_MANAGER_ROTATED');
      const refused = await dir.discover(deadline());
      expect(refused.managerKeyRefused).toBe(true);
      expect(refused.complete).toBe(false);
      expect(refused.failures).toContainEqual({ kind: 'client-error', detail: expect.stringContaining('manager key was refused (HTTP 401') });
      expect(keyReads).toContain(true);
      expect(accountNames(refused)).toEqual(['managed-ma-0001', 'managed-ma-0002']);
      expect(await refused.accounts.find(({ ref }) => ref.name === 'managed-ma-0001')!.getApiKey(false)).toBe(handles[0]!.apiKey);
    });

    it('a rotated manager key is re-read once after a 401 and discovery carries on', async () => {
      const { sim, directory, keyReads, giveManagerKey } = await fleet(enabled(1));
      const dir = directory();
      await dir.discover(deadline());
      sim.setApiKey('KEY_MANAGER_ROTATED');
      giveManagerKey('KEY_MANAGER_ROTATED');
      const after = await dir.discover(deadline());
      expect(after).toMatchObject({ complete: true, managerKeyRefused: false, failures: [] });
      expect(keyReads.filter(Boolean)).toHaveLength(1);
    });

    it('403 is refused at once, with no re-read; a first run then returns no accounts', async () => {
      const { sim, directory, keyReads } = await fleet(enabled(2));
      sim.injectFault({ match: { route: 'managed-list' }, status: 403, times: Infinity });
      const refused = await directory().discover(deadline());
      expect(refused).toMatchObject({ managerKeyRefused: true, complete: false, accounts: [], unreachable: [] });
      expect(keyReads).toEqual([false]);
    });

    it('a failed manager-key read is a listing failure, not a crash', async () => {
      const { directory } = await fleet(enabled(1));
      const failed = await directory({ getManagerKey: () => Promise.reject(new Error('MANAGER_KEY_SECRET_ARN names no secret')) }).discover(deadline());
      expect(failed.complete).toBe(false);
      expect(failed.failures[0]).toMatchObject({ kind: 'client-error', detail: expect.stringContaining('MANAGER_KEY_SECRET_ARN names no secret') });
    });
  });

  it('a re-read that fails after a 401 is a key-read failure, not a refusal', async () => {
    const { sim, directory } = await fleet(enabled(1));
    const key = sim.apiKey;
    sim.setApiKey('KEY_MANAGER_ROTATED');
    const getManagerKey = async (refresh: boolean) => (refresh ? Promise.reject(new Error('secret unreadable')) : key);
    const failed = await directory({ getManagerKey }).discover(deadline());
    expect(failed.managerKeyRefused).toBe(false);
    expect(failed.failures.map(({ detail }) => detail)).toEqual([
      'listing enabled managed accounts: reading the manager key failed: secret unreadable',
      'listing all managed accounts: reading the manager key failed: secret unreadable',
    ]);
  });

  describe('incomplete listings fail open', () => {
    it('a listing 500 keeps every previously known account watched, with its cached key', async () => {
      const { sim, directory, takeRequests, waits } = await fleet(enabled(3));
      const dir = directory();
      await dir.discover(deadline());
      takeRequests();
      sim.injectFault({ match: { route: 'managed-list' }, status: 500, times: Infinity });
      const blip = await dir.discover(deadline());
      expect(blip.complete).toBe(false);
      expect(blip.managerKeyRefused).toBe(false);
      expect(blip.failures).toEqual([
        { kind: 'server-error', detail: 'listing enabled managed accounts: HTTP 500 after 3 attempt(s)', pageNumber: 1 },
        { kind: 'server-error', detail: 'listing all managed accounts: HTTP 500 after 3 attempt(s)', pageNumber: 1 },
      ]);
      expect(accountNames(blip)).toEqual(['managed-ma-0001', 'managed-ma-0002', 'managed-ma-0003']);
      expect(waits.sort((a, b) => a - b)).toEqual([500, 500, 1000, 1000]);
      expect(takeRequests().filter((request) => request.startsWith('retrieve'))).toEqual([]);
    });

    /** Both listings answer 200 with no accounts at all, as a server that lost them would. */
    const emptyListing = (sim: TelnyxSimulator) =>
      sim.injectFault({
        match: { route: 'managed-list' },
        body: JSON.stringify({ data: [], meta: { page_number: 1, page_size: 250, total_pages: 0, total_results: 0 } }),
        times: 2,
      });

    it('a whole but empty listing keeps every known account Telnyx still has watched with its key, and says the listing lost them', async () => {
      const { sim, handles, directory, takeRequests } = await fleet(enabled(3, (n) => `Brand ${n}`));
      const dir = directory();
      await dir.discover(deadline());
      takeRequests();
      emptyListing(sim);
      const emptied = await dir.discover(deadline());
      expect(accountNames(emptied)).toEqual(['managed-ma-0001', 'managed-ma-0002', 'managed-ma-0003']);
      expect(emptied).toMatchObject({ complete: false, disabled: [], unreachable: [], removed: [], managerKeyRefused: false });
      expect(emptied.failures).toEqual([
        { kind: 'malformed-response', detail: 'both listings came back whole without 3 managed accounts watched before that Telnyx still has; still watching them' },
      ]);
      expect(JSON.stringify(emptied.failures)).not.toMatch(/Brand|ma-000|KEY/);
      expect(await emptied.accounts.find(({ ref }) => ref.name === 'managed-ma-0002')!.getApiKey(false)).toBe(handles[1]!.apiKey);
      // One lookup each confirms they still exist.
      expect(takeRequests().filter((request) => request.startsWith('retrieve')).sort()).toEqual(['retrieve ma-0001', 'retrieve ma-0002', 'retrieve ma-0003']);

      const whole = await dir.discover(deadline());
      expect(whole).toMatchObject({ complete: true, failures: [] });
      expect(whole.accounts).toHaveLength(3);
    });

    it('one known account silently dropped from both listings stays watched; one only the `all` listing shows is disabled, not lost', async () => {
      const { sim, directory } = await fleet(enabled(3));
      const dir = directory();
      await dir.discover(deadline());
      sim.setManagedStatus(accountId(3), 'disabled');
      const listed = [accountId(2), accountId(3)].map((id) => ({ id }));
      sim.injectFault({ match: { route: 'managed-list', query: { 'filter[status][eq]': 'enabled' } }, body: JSON.stringify({ data: [{ id: accountId(2) }], meta: { total_results: 1 } }) });
      sim.injectFault({ match: { route: 'managed-list', query: { 'filter[status][eq]': 'all' } }, body: JSON.stringify({ data: listed, meta: { total_results: 2 } }) });
      const shrunk = await dir.discover(deadline());
      expect(accountNames(shrunk)).toEqual(['managed-ma-0001', 'managed-ma-0002']);
      expect(names(shrunk.disabled)).toEqual(['managed-ma-0003']);
      expect(shrunk.complete).toBe(false);
      expect(shrunk.failures).toEqual([{ kind: 'malformed-response', detail: expect.stringMatching(/^both listings came back whole without 1 managed account /) }]);
    });

    it('a deleted account (both listings whole without it, Telnyx 404s it) is dropped after one lookup; discovery is complete that run and the next', async () => {
      const { sim, directory, takeRequests } = await fleet(enabled(3, (n) => `Brand ${n}`));
      const dir = directory();
      await dir.discover(deadline());
      takeRequests();
      sim.removeManagedAccount(accountId(2));
      const after = await dir.discover(deadline());
      expect(after).toMatchObject({ complete: true, failures: [], unreachable: [], removed: [{ name: 'managed-ma-0002', label: 'Brand 2' }] });
      expect(accountNames(after)).toEqual(['managed-ma-0001', 'managed-ma-0003']);
      expect(takeRequests().sort()).toEqual(['list all p1', 'list enabled p1', 'retrieve ma-0002']);

      const next = await dir.discover(deadline());
      expect(next).toMatchObject({ complete: true, failures: [], removed: [] });
      expect(accountNames(next)).toEqual(['managed-ma-0001', 'managed-ma-0003']);
      expect(takeRequests().sort()).toEqual(['list all p1', 'list enabled p1']);
    });

    it.each([
      ['a 500', { status: 500, times: 3 }, { kind: 'server-error', detail: 'looking them up failed (HTTP 500 after 3 attempt(s))' }],
      ["a 404 without Telnyx's error envelope", { status: 404, body: '<html>not here</html>', contentType: 'text/html' }, { kind: 'client-error', detail: 'not taken as gone' }],
    ])('an account both whole listings lack whose lookup gets %s stays watched, and the discovery incomplete', async (_, fault, failure) => {
      const { sim, directory } = await fleet(enabled(2));
      const dir = directory();
      await dir.discover(deadline());
      sim.removeManagedAccount(accountId(1));
      sim.injectFault({ match: { route: 'managed-retrieve', id: accountId(1) }, ...fault });
      const after = await dir.discover(deadline());
      expect(accountNames(after)).toEqual(['managed-ma-0001', 'managed-ma-0002']);
      expect(after).toMatchObject({ complete: false, removed: [], unreachable: [], managerKeyRefused: false });
      expect(after.failures).toEqual([
        { kind: failure.kind, detail: expect.stringMatching(/^both listings came back whole without 1 managed account watched before, and /) },
      ]);
      expect(after.failures[0]!.detail).toContain(failure.detail);
    });

    it('an account missing while a listing is not whole is not looked up: it stays watched, never removed', async () => {
      const { sim, directory, takeRequests } = await fleet(enabled(2));
      const dir = directory();
      await dir.discover(deadline());
      takeRequests();
      sim.removeManagedAccount(accountId(1));
      sim.injectFault({ match: { route: 'managed-list', query: { 'filter[status][eq]': 'all' } }, status: 500, times: 3 });
      const blip = await dir.discover(deadline());
      expect(blip).toMatchObject({ complete: false, removed: [] });
      expect(accountNames(blip)).toEqual(['managed-ma-0001', 'managed-ma-0002']);
      expect(takeRequests().filter((request) => request.startsWith('retrieve'))).toEqual([]);
    });

    it('a first run whose listing fails watches nothing and says so', async () => {
      const { sim, directory } = await fleet(enabled(2));
      sim.injectFault({ match: { route: 'managed-list' }, resetConnection: true, times: Infinity });
      const cold = await directory().discover(deadline());
      expect(cold).toMatchObject({ complete: false, accounts: [], disabled: [] });
      expect(cold.failures.map(({ kind }) => kind)).toEqual(['connection', 'connection']);
    });

    it('while the enabled listing fails, known accounts stay watched and nothing only the `all` listing shows is called disabled', async () => {
      const { sim, directory } = await fleet(enabled(2));
      const dir = directory();
      await dir.discover(deadline());
      sim.addManagedAccount({ id: 'ma-new' });
      sim.addManagedAccount({ id: 'ma-off', status: 'disabled' });
      sim.injectFault({ match: { route: 'managed-list', query: { 'filter[status][eq]': 'enabled' } }, status: 500, times: Infinity });
      const blip = await dir.discover(deadline());
      expect(blip).toMatchObject({ complete: false, disabled: [], unreachable: [] });
      expect(accountNames(blip)).toEqual(['managed-ma-0001', 'managed-ma-0002']);
      expect(blip.failures.map(({ detail }) => detail)).toEqual(['listing enabled managed accounts: HTTP 500 after 3 attempt(s)']);
    });

    it('while the `all` listing fails on page 2, a known account listed disabled on page 1 still moves to `disabled`', async () => {
      // 250 disabled accounts first, then 5 enabled ones: the `all` listing (newest first) has the enabled ones on page 1.
      const { sim, directory } = await fleet([...Array.from({ length: 250 }, () => ({ status: 'disabled' as const })), ...enabled(5)]);
      const dir = directory();
      expect((await dir.discover(deadline())).accounts).toHaveLength(5);
      sim.setManagedStatus(accountId(255), 'disabled');
      sim.injectFault({ match: { route: 'managed-list', pageNumber: 2 }, status: 500, times: Infinity });
      const partial = await dir.discover(deadline());
      expect(partial.complete).toBe(false);
      expect(accountNames(partial)).toEqual(['managed-ma-0251', 'managed-ma-0252', 'managed-ma-0253', 'managed-ma-0254']);
      expect(names(partial.disabled)).toContain('managed-ma-0255');
    });
  });

  describe('accounts watched before, remembered in the state table', () => {
    /** The stored set of Telnyx ids, as the DynamoDB adapter keeps it, with the calls made on it. */
    function memoryOf(ids: string[] = []) {
      let stored = [...ids];
      const calls: string[] = [];
      const failing = { load: false, save: false };
      return {
        failing,
        calls,
        stored: () => [...stored].sort(),
        memory: {
          async load() {
            calls.push('load');
            if (failing.load) throw Object.assign(new Error('throughput exceeded'), { name: 'ProvisionedThroughputExceededException' });
            return [...stored];
          },
          async save(next: string[]) {
            calls.push('save');
            if (failing.save) throw Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
            stored = [...next];
          },
        },
      };
    }

    it('a cold container whose listings come back whole but empty looks up the stored accounts, watches them with their keys and says the listing lost them', async () => {
      const { sim, handles, directory, takeRequests } = await fleet(enabled(3, (n) => `Brand ${n}`));
      const { memory, calls } = memoryOf([accountId(1), accountId(2), accountId(3)]);
      sim.injectFault({
        match: { route: 'managed-list' },
        body: JSON.stringify({ data: [], meta: { page_number: 1, page_size: 250, total_pages: 0, total_results: 0 } }),
        times: 2,
      });
      const cold = await directory({ memory }).discover(deadline());
      expect(cold.accounts.map(({ ref }) => ref)).toEqual(
        expect.arrayContaining([1, 2, 3].map((n) => ({ name: managedAccountName(accountId(n)), label: `Brand ${n}` }))),
      );
      expect(cold.accounts).toHaveLength(3);
      expect(cold).toMatchObject({ complete: false, disabled: [], unreachable: [], removed: [], managerKeyRefused: false });
      expect(cold.failures).toEqual([
        { kind: 'malformed-response', detail: 'both listings came back whole without 3 managed accounts watched before that Telnyx still has; still watching them' },
      ]);
      expect(await cold.accounts.find(({ ref }) => ref.name === 'managed-ma-0002')!.getApiKey(false)).toBe(handles[1]!.apiKey);
      expect(takeRequests().sort()).toEqual(['list all p1', 'list enabled p1', 'retrieve ma-0001', 'retrieve ma-0002', 'retrieve ma-0003']);
      // The set is unchanged: one read, no write.
      expect(calls).toEqual(['load']);
    });

    it('reads the stored set once per container and writes it only when the watched set changes; a quiet warm run does neither', async () => {
      const { sim, directory } = await fleet(enabled(2));
      const { memory, calls, stored } = memoryOf();
      const dir = directory({ memory });
      await dir.discover(deadline());
      expect(calls.splice(0)).toEqual(['load', 'save']);
      expect(stored()).toEqual([accountId(1), accountId(2)]);

      await dir.discover(deadline());
      expect(calls.splice(0)).toEqual([]);

      sim.addManagedAccount({ id: 'ma-new' });
      await dir.discover(deadline());
      expect(calls.splice(0)).toEqual(['save']);
      expect(stored()).toEqual([accountId(1), accountId(2), 'ma-new']);

      sim.removeManagedAccount(accountId(1));
      await dir.discover(deadline());
      expect(calls.splice(0)).toEqual(['save']);
      expect(stored()).toEqual([accountId(2), 'ma-new']);

      // A second container finds the set as the first left it: one read, nothing to write.
      const warmElsewhere = directory({ memory });
      expect(accountNames(await warmElsewhere.discover(deadline()))).toEqual(['managed-ma-0002', 'managed-ma-new']);
      await warmElsewhere.discover(deadline());
      expect(calls.splice(0)).toEqual(['load']);
    });

    it('a failed read of the stored set: discovery goes on with the listings, reports it, writes nothing, and reads again next run', async () => {
      const { directory } = await fleet(enabled(2));
      const { memory, calls, failing, stored } = memoryOf([accountId(1)]);
      failing.load = true;
      const dir = directory({ memory });
      const failed = await dir.discover(deadline());
      expect(accountNames(failed)).toEqual(['managed-ma-0001', 'managed-ma-0002']);
      expect(failed.complete).toBe(false);
      expect(failed.failures).toEqual([
        { kind: 'connection', detail: expect.stringMatching(/^reading the managed accounts watched before from the state table failed \(ProvisionedThroughputExceededException/) },
      ]);
      expect(calls.splice(0)).toEqual(['load']);
      expect(stored()).toEqual([accountId(1)]);

      failing.load = false;
      const next = await dir.discover(deadline());
      expect(next).toMatchObject({ complete: true, failures: [] });
      expect(calls.splice(0)).toEqual(['load', 'save']);
      expect(stored()).toEqual([accountId(1), accountId(2)]);
    });

    it('a failed write is reported and tried again next run; the accounts are still watched', async () => {
      const { directory } = await fleet(enabled(1));
      const { memory, calls, failing, stored } = memoryOf();
      failing.save = true;
      const dir = directory({ memory });
      const failed = await dir.discover(deadline());
      expect(accountNames(failed)).toEqual(['managed-ma-0001']);
      expect(failed.failures).toEqual([
        { kind: 'connection', detail: expect.stringMatching(/^saving the managed accounts watched to the state table failed \(AccessDeniedException/) },
      ]);
      failing.save = false;
      expect(await dir.discover(deadline())).toMatchObject({ complete: true, failures: [] });
      expect(calls).toEqual(['load', 'save', 'save']);
      expect(stored()).toEqual([accountId(1)]);
    });
  });

  describe('an account watched before that only the `all` listing shows, with no status of its own', () => {
    /** The enabled listing (whole) lacks `dropped`; the `all` listing is Telnyx's own. */
    const enabledListingWithout = (sim: TelnyxSimulator, listed: string[]) =>
      sim.injectFault({
        match: { route: 'managed-list', query: { 'filter[status][eq]': 'enabled' } },
        body: JSON.stringify({ data: listed.map((id) => ({ id })), meta: { total_results: listed.length } }),
      });

    it('is asked about with its own key: refused (403), it is disabled; one never watched is disabled without a question', async () => {
      const { sim, directory, takeRequests, addManagedAccount } = await fleet(enabled(2));
      const dir = directory();
      await dir.discover(deadline());
      takeRequests();
      sim.setManagedStatus(accountId(2), 'disabled');
      addManagedAccount({ id: 'ma-off', status: 'disabled' });
      const after = await dir.discover(deadline());
      expect(accountNames(after)).toEqual(['managed-ma-0001']);
      expect(names(after.disabled)).toEqual(['managed-ma-0002', 'managed-ma-off']);
      expect(after).toMatchObject({ complete: true, failures: [] });
      expect(takeRequests().sort()).toEqual(['list all p1', 'list enabled p1', 'probe ma-0002']);
      // Disabled now, so no longer known: later runs don't ask again.
      await dir.discover(deadline());
      expect(takeRequests().sort()).toEqual(['list all p1', 'list enabled p1']);
    });

    it('its own key still answering: still watched, and the discovery incomplete (the listings disagree)', async () => {
      const { sim, handles, directory, takeRequests } = await fleet(enabled(2));
      const dir = directory();
      await dir.discover(deadline());
      takeRequests();
      enabledListingWithout(sim, [accountId(1)]);
      const after = await dir.discover(deadline());
      expect(accountNames(after)).toEqual(['managed-ma-0001', 'managed-ma-0002']);
      expect(after).toMatchObject({ complete: false, disabled: [], unreachable: [] });
      expect(after.failures).toEqual([
        {
          kind: 'malformed-response',
          detail: 'the enabled listing came back whole without 1 managed account watched before that the other listing shows, and its own key still works; still watching them',
        },
      ]);
      expect(await after.accounts.find(({ ref }) => ref.name === 'managed-ma-0002')!.getApiKey(false)).toBe(handles[1]!.apiKey);
      expect(takeRequests().sort()).toEqual(['list all p1', 'list enabled p1', 'probe ma-0002']);
      expect(dir.requestCount()).toBe(4 + 3);
    });

    it('the question failing: still watched (fail open), and the discovery incomplete', async () => {
      const { sim, handles, directory } = await fleet(enabled(2));
      const dir = directory();
      await dir.discover(deadline());
      enabledListingWithout(sim, [accountId(1)]);
      handles[1]!.injectFault({ match: { route: 'list' }, status: 500, times: Infinity });
      const after = await dir.discover(deadline());
      expect(accountNames(after)).toEqual(['managed-ma-0001', 'managed-ma-0002']);
      expect(after).toMatchObject({ complete: false, disabled: [] });
      expect(after.failures).toEqual([
        {
          kind: 'server-error',
          detail:
            'the enabled listing came back whole without 1 managed account watched before that the other listing shows, and asking with its own key failed (HTTP 500 after 3 attempt(s)); still watching them',
        },
      ]);
    });

    it('a cold container asks about a stored account too, retrieving its key first', async () => {
      const { sim, directory, takeRequests } = await fleet(enabled(2));
      sim.setManagedStatus(accountId(2), 'disabled');
      const memory = { load: async () => [accountId(1), accountId(2)], save: async () => {} };
      const cold = await directory({ memory }).discover(deadline());
      expect(accountNames(cold)).toEqual(['managed-ma-0001']);
      expect(names(cold.disabled)).toEqual(['managed-ma-0002']);
      expect(cold).toMatchObject({ complete: true, failures: [] });
      expect(takeRequests().sort()).toEqual(['list all p1', 'list enabled p1', 'probe ma-0002', 'retrieve ma-0001', 'retrieve ma-0002']);
    });
  });

  describe('paging', () => {
    it('lists 600 enabled and 10 disabled accounts at the lower bound: ceil(M/250) pages per listing, a retrieve per new account', async () => {
      const { directory, takeRequests, mostInFlight } = await fleet([...enabled(600), ...Array.from({ length: 10 }, () => ({ status: 'disabled' as const }))]);
      const dir = directory();
      const cold = await dir.discover(deadline());
      expect(cold.accounts).toHaveLength(600);
      expect(cold.disabled).toHaveLength(10);
      const coldRequests = takeRequests();
      expect(coldRequests.filter((request) => request.startsWith('list')).sort()).toEqual([
        'list all p1',
        'list all p2',
        'list all p3',
        'list enabled p1',
        'list enabled p2',
        'list enabled p3',
      ]);
      expect(coldRequests).toHaveLength(606);
      // two listings at once, plus at most 8 retrieves
      expect(mostInFlight()).toBeLessThanOrEqual(8);
      const warm = await dir.discover(deadline());
      expect(warm.accounts).toHaveLength(600);
      expect(takeRequests()).toHaveLength(6);
      expect(dir.requestCount()).toBe(612);
    });

    it('stops on total_results when the last page is full: 500 accounts, 2 pages per listing', async () => {
      const { directory, takeRequests } = await fleet(enabled(500));
      await directory().discover(deadline());
      expect(takeRequests().filter((request) => request.startsWith('list'))).toHaveLength(4);
    });

    it('without meta, pages to the first empty page instead of looping like the SDK pager', async () => {
      const { sim, directory, takeRequests } = await fleet(enabled(3));
      sim.injectFault({ match: { route: 'managed-list' }, meta: null, times: Infinity });
      const discovery = await directory().discover(deadline());
      expect(discovery.complete).toBe(true);
      expect(discovery.accounts).toHaveLength(3);
      expect(takeRequests().filter((request) => request.startsWith('list')).sort()).toEqual([
        'list all p1',
        'list all p2',
        'list enabled p1',
        'list enabled p2',
      ]);
    });

    it('a server that ignores page[number] is caught on page 2, not read forever', async () => {
      const { sim, directory } = await fleet(enabled(2));
      sim.injectFault({ match: { route: 'managed-list' }, body: JSON.stringify({ data: [{ id: accountId(1) }, { id: accountId(2) }] }), times: Infinity });
      const discovery = await directory().discover(deadline());
      expect(discovery.complete).toBe(false);
      expect(discovery.failures).toContainEqual(expect.objectContaining({ detail: expect.stringContaining('repeats earlier pages'), pageNumber: 2 }));
      expect(discovery.accounts).toHaveLength(2);
    });

    it('a page that is not a listing fails the listing as malformed', async () => {
      const { sim, directory } = await fleet(enabled(1));
      sim.injectFault({ match: { route: 'managed-list' }, body: '<html>maintenance</html>', contentType: 'text/html', times: Infinity });
      const discovery = await directory().discover(deadline());
      expect(discovery.complete).toBe(false);
      expect(discovery.failures.map(({ kind }) => kind)).toEqual(['malformed-response', 'malformed-response']);
    });
  });

  describe('odd items', () => {
    it('skips unusable items, counting them by field and never quoting a value', async () => {
      const { sim, directory } = await fleet([{ organizationName: '  Acme\u0007\u202e Corp\n\t(EU)  ' }, { organizationName: 'x'.repeat(60) }, {}]);
      sim.addManagedAccount({ id: 'MA-DUP' });
      const items = [
        { id: accountId(1), organization_name: '  Acme\u0007\u202e Corp\n\t(EU)  ' },
        { id: accountId(2), organization_name: 'x'.repeat(60) },
        { id: accountId(3), organization_name: null },
        { id: 'MA-DUP' },
        { id: 'ma-dup' },
        'not-an-account',
        null,
        { id: 42, organization_name: 'SECRET_ORG_VALUE' },
        { id: '%%%SECRET_ID_VALUE%%%'.replace(/[A-Z_]/g, '!') },
        { organization_name: 'No Id' },
      ];
      sim.injectFault({ match: { route: 'managed-list' }, body: JSON.stringify({ data: items, meta: { page_number: 1, page_size: 250, total_pages: 1, total_results: items.length } }), times: Infinity });
      const discovery = await directory().discover(deadline());
      expect(discovery.complete).toBe(true);
      expect(discovery.accounts.map(({ ref }) => ref)).toEqual([
        { name: 'managed-ma-0001', label: 'Acme Corp (EU)' },
        { name: 'managed-ma-0002', label: 'x'.repeat(40) },
        { name: 'managed-ma-0003', label: 'managed-ma-0003' },
        { name: 'managed-ma-dup', label: 'managed-ma-dup' },
      ]);
      expect(discovery.failures).toEqual([
        { kind: 'malformed-response', detail: 'listed account skipped: its id gives the same account name as another listed id (2 items)' },
        { kind: 'malformed-response', detail: 'listed account skipped: not an object (4 items)' },
        { kind: 'malformed-response', detail: 'listed account skipped: id missing or not a usable string (6 items)' },
      ]);
      expect(JSON.stringify(discovery)).not.toMatch(/SECRET|No Id/);
    });

    it('honours a per-item status when the server ignores filter[status][eq]', async () => {
      const { sim, directory } = await fleet(enabled(4));
      const items = [
        { id: accountId(1), status: 'enabled' },
        { id: accountId(2), status: 'disabled' },
        { id: accountId(3), status: 'blocked' },
        { id: accountId(4), status: 'something-new' },
      ];
      sim.injectFault({ match: { route: 'managed-list' }, body: JSON.stringify({ data: items, meta: { total_results: 4 } }), times: Infinity });
      const discovery = await directory().discover(deadline());
      // An unknown status goes by the listing: the enabled listing (ignoring its filter) listed it.
      expect(accountNames(discovery)).toEqual(['managed-ma-0001', 'managed-ma-0004']);
      expect(names(discovery.disabled)).toEqual(['managed-ma-0002', 'managed-ma-0003']);
    });
  });

  describe('keys', () => {
    it('a retrieve failing for one account makes it unreachable, the others unaffected; the next run retries only it', async () => {
      const { sim, directory, takeRequests } = await fleet(enabled(3));
      sim.injectFault({ match: { route: 'managed-retrieve', id: accountId(2) }, status: 500, times: 3 });
      const dir = directory();
      const first = await dir.discover(deadline());
      expect(accountNames(first)).toEqual(['managed-ma-0001', 'managed-ma-0003']);
      expect(first.unreachable).toEqual([
        { ref: { name: 'managed-ma-0002', label: 'managed-ma-0002' }, failure: { kind: 'server-error', detail: 'HTTP 500 after 3 attempt(s)' } },
      ]);
      expect(first.complete).toBe(true);
      takeRequests();
      const second = await dir.discover(deadline());
      expect(second.unreachable).toEqual([]);
      expect(second.accounts).toHaveLength(3);
      expect(takeRequests().filter((request) => request.startsWith('retrieve'))).toEqual(['retrieve ma-0002']);
    });

    it.each([
      ['no api_key', { data: { id: 'ma-0001' } }, 'data.api_key: missing or not a usable key'],
      ['an api_key with a space', { data: { id: 'ma-0001', api_key: 'KEY SECRET_VALUE' } }, 'data.api_key: missing or not a usable key'],
      ['another account', { data: { id: 'ma-9999', api_key: 'KEY_SECRET_VALUE' } }, 'data.id: not the account asked for'],
      ['no data', { errors: [] }, expect.stringContaining('data')],
    ])('a retrieve answering with %s makes the account unreachable as malformed', async (_, body, detail) => {
      const { sim, directory } = await fleet(enabled(1));
      sim.injectFault({ match: { route: 'managed-retrieve' }, body: JSON.stringify(body) });
      const discovery = await directory().discover(deadline());
      expect(discovery.accounts).toEqual([]);
      expect(discovery.unreachable).toEqual([{ ref: expect.anything(), failure: { kind: 'malformed-response', detail } }]);
      expect(JSON.stringify(discovery)).not.toContain('SECRET_VALUE');
    });

    it('no failure, ref or error message ever carries a key, even one echoed in an error body', async () => {
      const { sim, handles, directory } = await fleet(enabled(2));
      const key = handles[0]!.apiKey;
      sim.injectFault({
        match: { route: 'managed-retrieve', id: accountId(1) },
        status: 422,
        body: JSON.stringify({ errors: [{ code: '10015', detail: `bad key ${key}` }] }),
      });
      const dir = directory();
      const discovery = await dir.discover(deadline());
      expect(discovery.unreachable).toHaveLength(1);
      const healthy = await dir.discover(deadline());
      sim.injectFault({ match: { route: 'managed-retrieve' }, status: 500, body: JSON.stringify({ errors: [{ detail: key }] }), times: Infinity });
      const refreshError = await healthy.accounts[0]!.getApiKey(true).catch((error: unknown) => error);
      // The account's own Telnyx-side fault, as a refused key is: it counts in ManagedAccountsDown, not the heartbeat.
      expect(refreshError).toBeInstanceOf(TelnyxAuthError);
      for (const text of [JSON.stringify(discovery), JSON.stringify(healthy), (refreshError as Error).message]) {
        expect(text).not.toContain(key);
        expect(text).not.toContain(handles[1]!.apiKey);
      }
      expect((refreshError as Error).message).toBe('re-retrieving the key of managed account managed-ma-0002 failed: HTTP 500 after 3 attempt(s)');
    });

    it('getApiKey(true) re-retrieves that account’s key once, however many ask at the same time', async () => {
      const { handles, directory, takeRequests } = await fleet(enabled(2));
      const discovery = await directory().discover(deadline());
      takeRequests();
      const account = discovery.accounts.find(({ ref }) => ref.name === 'managed-ma-0001')!;
      handles[0]!.setApiKey('KEY_MANAGED_ROTATED');
      expect(await account.getApiKey(false)).not.toBe('KEY_MANAGED_ROTATED');
      expect(await Promise.all([account.getApiKey(true), account.getApiKey(true)])).toEqual(['KEY_MANAGED_ROTATED', 'KEY_MANAGED_ROTATED']);
      expect(await account.getApiKey(false)).toBe('KEY_MANAGED_ROTATED');
      expect(takeRequests()).toEqual(['retrieve ma-0001']);
    });

    it('a key refused after discovery’s own deadline is still re-retrieved until the run’s', async () => {
      let now = Date.now();
      const { handles, directory } = await fleet(enabled(1));
      const discovery = await directory({ clock: () => now }).discover(now + 1_000, now + 60_000);
      const account = discovery.accounts[0]!;
      handles[0]!.setApiKey('KEY_MANAGED_ROTATED');
      now += 5_000;
      expect(await account.getApiKey(true)).toBe('KEY_MANAGED_ROTATED');
    });

    it('every listing page and retrieve takes a slot of `limit`, its timeout starting once it has one', async () => {
      const { sim, directory, waits, mostInFlight } = await fleet(enabled(5));
      sim.setLatency(100);
      const oneSlot = createLimiter(1);
      let slotsTaken = 0;
      const limit: RequestLimit = (task) => {
        slotsTaken += 1;
        return oneSlot(task);
      };
      // Two listings, then five retrieves, through one slot: the last retrieve waits ~400 ms, past its 250 ms timeout.
      const discovery = await directory({ limit, timeoutMs: 250 }).discover(deadline());
      expect(discovery).toMatchObject({ complete: true, failures: [], unreachable: [] });
      expect(discovery.accounts).toHaveLength(5);
      expect(waits).toEqual([]);
      expect(slotsTaken).toBe(7);
      expect(mostInFlight()).toBe(1);
    });

    it('retrieves new accounts at most 8 at a time', async () => {
      const { sim, directory, mostInFlight } = await fleet(enabled(40));
      sim.setLatency(20);
      await directory().discover(deadline());
      expect(mostInFlight()).toBe(8);
    });
  });
});

describe('accountLabel', () => {
  it.each([
    ['Acme Corp', 'Acme Corp'],
    ['  tabs\tand\nnewlines  ', 'tabs and newlines'],
    ['bidi \u202egnicrevo\u202c zero\u200bwidth', 'bidi gnicrevo zero width'],
    ['é'.repeat(50), 'é'.repeat(40)],
    ['\u0000\u0007 ', 'managed-3f2a9c1b'],
    [null, 'managed-3f2a9c1b'],
    [42, 'managed-3f2a9c1b'],
  ])('%j → %j', (organizationName, label) => {
    expect(accountLabel(organizationName, 'managed-3f2a9c1b-77aa-4e0f')).toBe(label);
  });
});
