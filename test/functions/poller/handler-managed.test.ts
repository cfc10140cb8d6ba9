import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FleetReport } from '../../../functions/poller/core/poll-fleet.ts';
import { startTelnyxSimulator, type TelnyxAccount, type TelnyxSimulator } from '../../../local/telnyx-simulator.ts';
import { MANAGED_TABLE_ACTIONS } from '../../../lib/poller-function.ts';
import { createTestTable, type TestTable } from '../../support/dynamo.ts';
import { startDynamoOpCounter, type DynamoOpCounter } from '../../support/dynamo-op-counter.ts';
import { sumEmfMetrics } from '../../support/emf-metrics.ts';
import { telnyxPortout } from '../../support/factories.ts';
import { loadHandler, logLines, type LoadedHandler } from '../../support/poller-handler.ts';

const FOC = '2030-01-01T15:00:00.000Z';
const portout = (id: string) => telnyxPortout({ id, foc_date: FOC, requested_foc_date: FOC });

/** The handler watching one configured account and every managed account of a manager, over the simulator. */
describe('poller handler with managed accounts', () => {
  let sim: TelnyxSimulator;
  let brandA: TelnyxAccount;
  let first: TelnyxAccount;
  let second: TelnyxAccount;
  let managerKey: string;
  let table: TestTable;
  let dynamoOps: DynamoOpCounter;
  let env: Record<string, string>;
  let lambda: LoadedHandler;
  let logStart = 0;
  let alertStart = 0;

  /** One run: its report, and only its own log lines, metrics and alerts. */
  async function poll() {
    logStart = lambda.logged.length;
    alertStart = lambda.published.length;
    const report = (await lambda.poll()) as FleetReport;
    const logs = lambda.logged.slice(logStart);
    return {
      report,
      polled: Object.fromEntries(report.accounts.map((account) => [account.account.name, account.kind === 'polled' ? account.report.outcome : account.kind])),
      logs,
      metrics: sumEmfMetrics(logs),
      alerts: lambda.published.slice(alertStart).map((alert) => `${alert.account} ${alert.alertId}`).sort(),
      fleetLine: logLines(logs, 'fleet run finished')[0],
    };
  }

  beforeAll(async () => {
    // The simulator's default account is the manager.
    sim = await startTelnyxSimulator();
    managerKey = sim.apiKey;
    brandA = sim.addAccount();
    first = sim.addManagedAccount({ id: 'acct-1', organizationName: 'Acme Resale Ltd' });
    first.upsert(portout('M1'));
    table = await createTestTable();
    dynamoOps = await startDynamoOpCounter(inject('dynamoEndpoint'));
    env = {
      TABLE_NAME: table.tableName,
      TELNYX_BASE_URL: sim.baseUrl,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoOps.endpoint,
      TELNYX_ACCOUNTS: JSON.stringify([{ name: 'brand-a', apiKey: brandA.apiKey }]),
      MANAGER_API_KEY: managerKey,
    };
    lambda = await loadHandler(env);
  });
  afterAll(async () => {
    lambda.restore();
    await sim.close();
    await dynamoOps.close();
    await table.drop();
  });

  it('run 1: the configured account and the discovered one are each polled; the heartbeat is 1', async () => {
    const run = await poll();
    expect(run.polled).toEqual({ 'brand-a': 'ok', 'managed-acct-1': 'ok' });
    expect(run.alerts).toEqual([
      'brand-a watch-started.brand-a',
      'managed-acct-1 M1.new.pending.v1',
      'managed-acct-1 watch-started.managed-acct-1',
    ]);
    // People read the organization's name (cut to keep the SMS one segment); filter policies match the stable name.
    expect(lambda.published.find((alert) => alert.alertId === 'watch-started.managed-acct-1')?.sms).toMatch(/^Acme Resal/);
    expect(run.metrics.get('PollSucceeded')).toBe(1);
    expect(run.fleetLine).toMatchObject({ level: 'INFO', accounts: 2, down: [], disabled: [], discovery: 'ok' });
  });

  it('run 2: a new managed account is watched from this run; a disabled one is named, counted and not polled', async () => {
    second = sim.addManagedAccount({ id: 'acct-2', organizationName: 'Bravo Telecom' });
    second.upsert(portout('M2'));
    sim.setManagedStatus('acct-1', 'disabled');
    const run = await poll();
    expect(run.polled).toEqual({ 'brand-a': 'ok', 'managed-acct-2': 'ok' });
    expect(run.alerts).toEqual(['managed-acct-2 M2.new.pending.v1', 'managed-acct-2 watch-started.managed-acct-2']);
    expect(logLines(run.logs, 'managed accounts Telnyx lists as disabled')).toMatchObject([{ level: 'WARN', accounts: ['managed-acct-1'] }]);
    expect(run.metrics.get('ManagedAccountsDisabled')).toBe(1);
    // Telnyx says it is off: not a fault of the watch.
    expect(run.metrics.get('PollSucceeded')).toBe(1);
    expect(run.fleetLine).toMatchObject({ disabled: ['managed-acct-1'] });
  });

  it('run 3: the manager key is refused; accounts already known are still polled, and discovery is reported down', async () => {
    sim.setApiKey('KEY_MANAGER_ROTATED_ELSEWHERE');
    second.upsert(portout('M3'));
    const run = await poll();
    expect(run.polled).toEqual({ 'brand-a': 'ok', 'managed-acct-2': 'ok' });
    expect(run.alerts).toEqual(['managed-acct-2 M3.new.pending.v1']);
    expect(run.metrics.get('ManagedDiscoveryFailed')).toBe(1);
    expect(run.metrics.get('TelnyxAuthFailures')).toBe(1);
    expect(run.metrics.get('PollSucceeded')).toBe(0);
    expect(logLines(run.logs, 'managed-account discovery failed')).toMatchObject([{ level: 'WARN', managerKeyRefused: true }]);
    expect(run.fleetLine).toMatchObject({ level: 'WARN', down: [], discovery: 'failed' });
  });

  it("run 4: a managed account's outage is its own: ManagedAccountsDown counts it, the WARN line names it, the heartbeat stays 1", async () => {
    sim.setApiKey(managerKey);
    second.injectFault({ match: { route: 'list' }, status: 503, times: Infinity });
    const run = await poll();
    expect(run.polled).toEqual({ 'brand-a': 'ok', 'managed-acct-2': 'partial' });
    expect(run.metrics.get('ManagedAccountsDown')).toBe(1);
    expect([...run.metrics.keys()].filter((name) => /^(AccountDown|WatchDown)/.test(name))).toEqual([]);
    expect(run.metrics.get('PollSucceeded')).toBe(1);
    expect(run.metrics.has('ManagedDiscoveryFailed')).toBe(false);
    expect(run.fleetLine).toMatchObject({ level: 'WARN', down: ['managed-acct-2'], discovery: 'ok' });
    second.clearFaults();
  });

  it('run 5: a deleted managed account is dropped with one WARN naming it; discovery stays ok and the heartbeat 1, then and after', async () => {
    sim.removeManagedAccount('acct-2');
    const run = await poll();
    expect(run.polled).toEqual({ 'brand-a': 'ok' });
    expect(logLines(run.logs, 'managed accounts Telnyx no longer lists (deleted)')).toMatchObject([{ level: 'WARN', accounts: ['managed-acct-2'] }]);
    expect(run.metrics.has('ManagedDiscoveryFailed')).toBe(false);
    expect(run.metrics.get('PollSucceeded')).toBe(1);
    expect(run.fleetLine).toMatchObject({ level: 'INFO', discovery: 'ok' });

    const next = await poll();
    expect(next.polled).toEqual({ 'brand-a': 'ok' });
    expect(logLines(next.logs, 'managed accounts Telnyx no longer lists')).toEqual([]);
    expect(next.metrics.get('PollSucceeded')).toBe(1);
  });

  it('run 6: the watched set is read once per container and written only when it changes; a quiet warm run adds no DynamoDB call', async () => {
    sim.setManagedStatus('acct-1', 'enabled');
    let from = dynamoOps.operations.length;
    expect((await poll()).polled).toEqual({ 'brand-a': 'ok', 'managed-acct-1': 'ok' });
    expect(dynamoOps.operations.slice(from).filter((operation) => operation === 'PutItem')).toHaveLength(1);

    from = dynamoOps.operations.length;
    await poll();
    // Each account's one Query, as a quiet single-account run makes.
    expect(dynamoOps.operations.slice(from)).toEqual(['Query', 'Query']);

    // A new container: one strongly consistent read of the set beside the polls, and nothing to write.
    lambda.restore();
    lambda = await loadHandler(env);
    from = dynamoOps.operations.length;
    expect((await poll()).polled).toEqual({ 'brand-a': 'ok', 'managed-acct-1': 'ok' });
    expect(dynamoOps.operations.slice(from).sort()).toEqual(['GetItem', 'Query', 'Query']);
  });

  it('made only DynamoDB calls the stack grants the poller, across every run above', () => {
    // TransactWriteItems is authorized per item (Put, Update, Delete, ConditionCheck), each granted on its own.
    const called = new Set(dynamoOps.operations.filter((operation) => operation !== 'TransactWriteItems'));
    expect(called).toContain('GetItem');
    for (const operation of called) expect(MANAGED_TABLE_ACTIONS, operation).toContain(`dynamodb:${operation}`);
  });

  it('never logs a key, an organization name or personal data', () => {
    const output = lambda.logged.join('');
    for (const secret of [managerKey, brandA.apiKey, first.apiKey, second.apiKey, 'Acme Resale', 'Bravo Telecom', '+13035551212', 'Jane Doe']) {
      expect(output).not.toContain(secret);
    }
  });
});
