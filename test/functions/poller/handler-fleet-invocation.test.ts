import { describe, expect, it } from 'vitest';
import { parsePollerConfig } from '../../../functions/poller/config.ts';
import type { ManagedDiscovery } from '../../../functions/poller/adapters/telnyx-managed-accounts.ts';
import { DISCOVERY_SHARE, fleetInvocation } from '../../../functions/poller/handler.ts';
import type { FleetAdapters } from '../../../functions/poller/wiring.ts';
import { InMemoryStateStore, RecordingNotifier, ScriptedSource } from '../../support/fakes.ts';

const START = Date.parse('2026-11-27T12:00:00Z');
const REMAINING_MS = 60_000;
const config = parsePollerConfig({
  TABLE_NAME: 'portout-watch-test',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:portout-alerts',
  TELNYX_ACCOUNTS: JSON.stringify([{ name: 'brand-a', apiKey: 'KEY_BRAND_A' }]),
  MANAGER_API_KEY: 'KEY_MANAGER',
});
const context = { getRemainingTimeInMillis: () => REMAINING_MS, awsRequestId: 'run-1' };

const managedAccount = (name: string, key: string): ManagedDiscovery['accounts'][number] => ({
  ref: { name, label: `${name} Ltd` },
  getApiKey: async () => key,
});
const discovered = (accounts: ManagedDiscovery['accounts']): ManagedDiscovery => ({
  accounts,
  disabled: [],
  unreachable: [],
  complete: true,
  failures: [],
  managerKeyRefused: false,
  removed: [],
});

/** The configured account brand-a and a directory answering `discover`, each account over in-memory fakes. */
function fakeFleet(
  discover: (deadline: number) => Promise<ManagedDiscovery>,
  configuredKey: () => Promise<string> = async () => 'KEY_BRAND_A',
): FleetAdapters & { built: Map<string, ScriptedSource> } {
  const built = new Map<string, ScriptedSource>();
  const stores = new Map<string, InMemoryStateStore>();
  return {
    built,
    notifier: new RecordingNotifier(),
    configured: [{ ref: { name: 'brand-a', label: 'brand-a' }, managed: false, getApiKey: configuredKey }],
    directory: { discover, requestCount: () => 0 },
    accountAdapters({ ref }) {
      if (!built.has(ref.name)) {
        built.set(ref.name, new ScriptedSource());
        stores.set(ref.name, new InMemoryStateStore());
      }
      return { source: built.get(ref.name)!, store: stores.get(ref.name)! };
    },
    storeOf: (name) => stores.get(name),
    twins: new Map(),
  };
}

describe('fleetInvocation', () => {
  it('polls the configured accounts while a slow discovery runs, and gives discovery only its share of the run', async () => {
    let now = START;
    let discoveryDeadline = 0;
    // A cold container whose key retrievals take all the time they are given.
    const fleet = fakeFleet(async (deadline) => {
      discoveryDeadline = deadline;
      await new Promise((resolve) => setTimeout(resolve, 20));
      now = deadline;
      return discovered([managedAccount('managed-m1', 'KEY_M1')]);
    });
    const report = await fleetInvocation(config, fleet, context, () => now);
    expect(report.accounts.map((result) => [result.account.name, result.kind])).toEqual([
      ['brand-a', 'polled'],
      ['managed-m1', 'polled'],
    ]);
    // Keys not retrieved by then wait for the next run; the managed accounts in hand still had time to be polled.
    const runDeadline = START + REMAINING_MS - config.deadlineMarginMs;
    expect(discoveryDeadline).toBeLessThanOrEqual(START + (runDeadline - START) * DISCOVERY_SHARE);
  });

  it('polls a managed account whose key is a configured account\'s once, as the configured account', async () => {
    const fleet = fakeFleet(async () => discovered([managedAccount('managed-m1', 'KEY_BRAND_A'), managedAccount('managed-m2', 'KEY_M2')]));
    const report = await fleetInvocation(config, fleet, context, () => START);
    expect(report.accounts.map((result) => [result.account.name, result.kind])).toEqual([
      ['brand-a', 'polled'],
      ['managed-m2', 'polled'],
    ]);
    expect(report.discovery?.alsoConfigured).toEqual([{ managed: 'managed-m1', configured: 'brand-a' }]);
    expect(fleet.built.has('managed-m1')).toBe(false);
  });

  it("keeps a managed twin out while the configured account's key can't be read, once the pair was found", async () => {
    let keyReadable = true;
    const fleet = fakeFleet(
      async () => discovered([managedAccount('managed-m1', 'KEY_BRAND_A')]),
      async () => {
        if (!keyReadable) throw new Error('ThrottlingException');
        return 'KEY_BRAND_A';
      },
    );
    await fleetInvocation(config, fleet, context, () => START);
    keyReadable = false;
    const report = await fleetInvocation(config, fleet, context, () => START + 300_000);
    expect(report.accounts.map((result) => result.account.name)).toEqual(['brand-a']);
    expect(report.discovery?.alsoConfigured).toEqual([{ managed: 'managed-m1', configured: 'brand-a' }]);
  });
});
