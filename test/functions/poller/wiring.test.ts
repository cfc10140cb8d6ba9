import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePollerConfig } from '../../../functions/poller/config.ts';
import { fleetInvocation } from '../../../functions/poller/handler.ts';
import { wireAdapters, wireFleet } from '../../../functions/poller/wiring.ts';
import { startTelnyxSimulator, type TelnyxSimulator } from '../../../local/telnyx-simulator.ts';
import { createTestTable, type TestTable } from '../../support/dynamo.ts';
import { RecordingNotifier } from '../../support/fakes.ts';

describe('wiring a fleet', () => {
  let sim: TelnyxSimulator;
  let table: TestTable;
  const keys: string[] = [];

  beforeAll(async () => {
    sim = await startTelnyxSimulator({ latencyMs: 20 });
    keys.push(sim.apiKey, ...Array.from({ length: 5 }, () => sim.addAccount().apiKey));
    table = await createTestTable();
  });
  afterAll(async () => {
    await sim.close();
    await table.drop();
  });

  const config = (env: Record<string, string>) =>
    parsePollerConfig({
      TABLE_NAME: table.tableName,
      TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:portout-alerts',
      TELNYX_BASE_URL: sim.baseUrl,
      TELNYX_ACCOUNTS: JSON.stringify(keys.map((apiKey, i) => ({ name: `brand-${i}`, apiKey }))),
      ...env,
    });

  /** The most Telnyx requests in flight at once during one fleet run. */
  async function mostInFlight(env: Record<string, string>): Promise<number> {
    let inFlight = 0;
    let most = 0;
    const telnyxFetch: typeof fetch = async (input, init) => {
      most = Math.max(most, ++inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight -= 1;
      }
    };
    const parsed = config(env);
    const fleet = wireFleet(parsed, { dynamoClient: table.client, notifier: new RecordingNotifier(), telnyxFetch });
    const report = await fleetInvocation(parsed, fleet, { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'run' });
    expect(report.accounts.map((account) => account.kind)).toEqual(Array(6).fill('polled'));
    return most;
  }

  it('keeps the whole run within TELNYX_CONCURRENCY requests in flight, all accounts together', async () => {
    expect(await mostInFlight({ TELNYX_CONCURRENCY: '2', ACCOUNT_CONCURRENCY: '6' })).toBe(2);
    // Without that limit, six accounts' three queries each go out together.
    expect(await mostInFlight({ TELNYX_CONCURRENCY: '64', ACCOUNT_CONCURRENCY: '6' })).toBeGreaterThan(2);
  });

  it('polls only the accounts a webhook names, without listing the managed accounts, and says it polled a part', async () => {
    sim.addManagedAccount({ id: 'ma-1', managerKey: keys[0] });
    const parsed = config({ MANAGER_API_KEY: keys[0]! });
    const fleet = wireFleet(parsed, { dynamoClient: table.client, notifier: new RecordingNotifier() });
    const context = { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'run' };
    sim.resetRequests();
    const part = await fleetInvocation(parsed, fleet, context, Date.now, ['brand-2', 'brand-4']);
    expect(part.accounts.map((account) => `${account.account.name} ${account.kind}`)).toEqual(['brand-2 polled', 'brand-4 polled']);
    expect(part).toMatchObject({ only: ['brand-2', 'brand-4'], discovery: null });
    expect(sim.requests.filter((request) => request.path.startsWith('/v2/managed_accounts'))).toEqual([]);
    const whole = await fleetInvocation(parsed, fleet, context);
    expect(whole.accounts.map((account) => account.account.name)).toEqual([...keys.map((_, i) => `brand-${i}`), 'managed-ma-1']);
    expect(whole).not.toHaveProperty('only');
  });

  it('wireAdapters refuses a fleet: a single-account caller must not poll one account of several unlabelled', () => {
    expect(() => wireAdapters(config({}))).toThrow(/wireFleet/);
  });
});
