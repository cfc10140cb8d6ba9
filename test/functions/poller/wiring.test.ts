import { clearCaches } from '@aws-lambda-powertools/parameters';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

  /** A fetch for the Telnyx SDK that tracks the most requests it had in flight at once. */
  function countingFetch() {
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
    return { telnyxFetch, most: () => most };
  }

  /** The most Telnyx requests in flight at once during one fleet run. */
  async function mostInFlight(env: Record<string, string>): Promise<number> {
    const { telnyxFetch, most } = countingFetch();
    const parsed = config(env);
    const fleet = wireFleet(parsed, { dynamoClient: table.client, notifier: new RecordingNotifier(), telnyxFetch });
    const report = await fleetInvocation(parsed, fleet, { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'run' });
    expect(report.accounts.map((account) => account.kind)).toEqual(Array(6).fill('polled'));
    return most();
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

  it('a request waiting for a TELNYX_CONCURRENCY slot does not spend its own timeout waiting', async () => {
    // Six accounts' listings through one slot, Telnyx taking 150 ms each: the last waits 750 ms for the slot, well
    // past the 400 ms timeout that each request, once sent, has plenty of.
    sim.setLatency(150);
    try {
      const { telnyxFetch, most } = countingFetch();
      const waits: number[] = [];
      const sleep = async (ms: number) => {
        waits.push(ms);
      };
      const fleet = wireFleet(config({ TELNYX_CONCURRENCY: '1', TELNYX_TIMEOUT_MS: '400' }), { dynamoClient: table.client, notifier: new RecordingNotifier(), telnyxFetch, sleep });
      const deadline = Date.now() + 30_000;
      const listings = await Promise.all(fleet.configured.map((account) => fleet.accountAdapters(account).source.listWatchedPortouts(deadline)));
      expect(listings.flatMap(({ failures }) => failures)).toEqual([]);
      expect(waits).toEqual([]);
      expect(most()).toBe(1);
    } finally {
      sim.setLatency(20);
    }
  });

  it('wireAdapters refuses a fleet: a single-account caller must not poll one account of several unlabelled', () => {
    expect(() => wireAdapters(config({}))).toThrow(/wireFleet/);
  });
});

describe('an empty key secret', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  afterEach(() => {
    secretsManager.reset();
    clearCaches();
  });

  /** The error reading a key from a secret that holds nothing yet, for a deployment configured by `env`; `read` may also resolve to it. */
  async function emptySecretError(env: Record<string, string>, read: (fleet: ReturnType<typeof wireFleet>) => Promise<unknown>): Promise<string> {
    clearCaches();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '  ' });
    const config = parsePollerConfig({ TABLE_NAME: 'portout-watch', TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:portout-alerts', ...env });
    const outcome = await read(wireFleet(config, { notifier: new RecordingNotifier() })).catch((error: unknown) => error);
    return outcome instanceof Error ? outcome.message : String(outcome);
  }

  const keyPiped = (variable: string) =>
    `read -rs ${variable}, then printf %s "$${variable}" | aws secretsmanager put-secret-value --secret-id <its ARN> --secret-string file:///dev/stdin`;

  it('the single account: names the setting and the stack output whose command pipes the key in, never a key argument', async () => {
    const message = await emptySecretError({ TELNYX_API_KEY_SECRET_ARN: 'portout-watch/telnyx-api-key' }, (fleet) => fleet.configured[0]!.getApiKey(false));
    expect(message).toContain('the secret named by TELNYX_API_KEY_SECRET_ARN holds no API key yet');
    expect(message).toContain("the stack's SetTelnyxApiKeyCommand output");
    expect(message).toContain(keyPiped('TELNYX_API_KEY'));
    expect(message).not.toMatch(/--secret-string </);
  });

  it('a named account: points to that account\'s own SetTelnyxApiKeyCommand output', async () => {
    const accounts = JSON.stringify([{ name: 'brand-eu', secretId: 'portout-watch/brand-eu' }]);
    const message = await emptySecretError({ TELNYX_ACCOUNTS: accounts }, (fleet) => fleet.configured[0]!.getApiKey(false));
    expect(message).toContain('the secret of account "brand-eu" in TELNYX_ACCOUNTS holds no API key yet');
    expect(message).toContain("the stack's SetTelnyxApiKeyCommandbrandXeu output");
  });

  it('the manager: points to the SetManagerKeyCommand output', async () => {
    const message = await emptySecretError(
      { TELNYX_ACCOUNTS: '[]', MANAGER_KEY_SECRET_ARN: 'portout-watch/manager' },
      async (fleet) => (await fleet.directory!.discover(Date.now() + 30_000)).failures[0]?.detail,
    );
    expect(message).toContain('the secret named by MANAGER_KEY_SECRET_ARN holds no API key yet');
    expect(message).toContain("the stack's SetManagerKeyCommand output");
    expect(message).toContain(keyPiped('TELNYX_MANAGER_API_KEY'));
  });
});
