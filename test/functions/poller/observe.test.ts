import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateTableError } from '../../../functions/poller/adapters/dynamo-state-store.ts';
import { TelnyxAuthError } from '../../../functions/poller/adapters/telnyx-source.ts';
import type { FleetReport } from '../../../functions/poller/core/poll-fleet.ts';
import type { PollReport } from '../../../functions/poller/core/run-poll.ts';
import { hasOddData, isHealthyRun, isListingAnomaly, observePoll, watchesDown } from '../../../functions/poller/observe.ts';
import { METRICS } from '../../../functions/poller/telemetry.ts';
import { sumEmfMetrics } from '../../support/emf-metrics.ts';

function report(overrides: Partial<PollReport> = {}): PollReport {
  return {
    outcome: 'ok',
    firstRun: false,
    watched: 3,
    tracked: 3,
    listingComplete: true,
    pagesFetched: 1,
    failures: [],
    queries: {
      listing: { asked: true, failures: [] },
      lookups: { asked: false, failures: [] },
      'fraud-gap': { asked: true, failures: [] },
      comments: { asked: true, failures: [] },
    },
    invalid: [],
    unwatchedDropped: 0,
    oddData: { unreadableFields: {}, unknownStatuses: {} },
    shrinkAnomaly: false,
    missingLookedUp: 0,
    missingDeferred: 0,
    vanishedHeld: 0,
    events: [],
    messages: 0,
    superseded: 0,
    published: 0,
    publishFailures: [],
    recorded: 0,
    possiblyDuplicated: 0,
    writeFailures: [],
    telnyxRequests: 1,
    ...overrides,
  };
}

describe('what counts as a healthy run', () => {
  it('a run that left nothing for the next one', () => {
    expect(isHealthyRun(report())).toBe(true);
    expect(isHealthyRun(report({ outcome: 'lease-busy' }))).toBe(true);
    expect(isHealthyRun(report({ outcome: 'partial' }))).toBe(false);
    expect(isHealthyRun(report({ outcome: 'deadline' }))).toBe(false);
  });

  it('not one that met port-outs it could not read: nothing can be said about them', () => {
    expect(isHealthyRun(report({ invalid: [{ id: 'po-1', problem: 'status: unknown status' }] }))).toBe(false);
  });

  it('not a lease-busy one whose own queries failed: standing back must not hide a failing listing or side watch', () => {
    const serverError = { kind: 'server-error' as const, detail: 'HTTP 500' };
    const base = report();
    expect(isHealthyRun({ ...base, outcome: 'lease-busy', listingComplete: false, failures: [serverError], queries: { ...base.queries, listing: { asked: true, failures: [serverError] } } })).toBe(false);
    expect(isHealthyRun({ ...base, outcome: 'lease-busy', queries: { ...base.queries, 'fraud-gap': { asked: true, failures: [serverError] } } })).toBe(false);
  });

  it('not a degraded one: a side watch failing every run must not keep the heartbeat green', () => {
    expect(isHealthyRun(report({ outcome: 'degraded' }))).toBe(false);
  });

  it('a shrunken, unfiltered or unreadable listing is an anomaly', () => {
    expect(isListingAnomaly(report())).toBe(false);
    expect(isListingAnomaly(report({ shrinkAnomaly: true }))).toBe(true);
    expect(isListingAnomaly(report({ unwatchedDropped: 2 }))).toBe(true);
    const unusable = [{ id: null, problem: 'id: missing' }];
    expect(isListingAnomaly(report({ invalid: unusable, queries: { ...report().queries, listing: { asked: true, failures: [], invalid: 1 } } }))).toBe(true);
  });

  it('fields or statuses Telnyx sent that this version cannot read: the run is healthy and no watch is down', () => {
    const odd = report({ oddData: { unreadableFields: { foc_date: 3 }, unknownStatuses: { 'on-hold': 1 } } });
    expect(hasOddData(odd)).toBe(true);
    expect(isListingAnomaly(odd)).toBe(false);
    expect(watchesDown(odd)).toEqual([]);
    expect(isHealthyRun(odd)).toBe(true);
  });

});

const serverError = { kind: 'server-error' as const, detail: 'HTTP 500 after 3 attempt(s)', pageNumber: 1 };

describe('which parts of the watch were down', () => {
  it('each failed query names the watch it serves', () => {
    const queries = report().queries;
    expect(watchesDown(report())).toEqual([]);
    expect(watchesDown(report({ queries: { ...queries, 'fraud-gap': { asked: true, failures: [serverError] } } }))).toEqual(['fraud-gap']);
    expect(watchesDown(report({ queries: { ...queries, comments: { asked: true, failures: [serverError] } } }))).toEqual(['comments']);
    expect(watchesDown(report({ queries: { ...queries, listing: { asked: true, failures: [serverError] } } }))).toEqual(['status']);
    expect(watchesDown(report({ queries: { ...queries, lookups: { asked: true, failures: [serverError] } } }))).toEqual(['status']);
  });

  it('a listing that looks wrong takes the status watch down too', () => {
    expect(watchesDown(report({ shrinkAnomaly: true }))).toEqual(['status']);
  });

  it('unusable items count against the watch their query serves, not the status watch', () => {
    const queries = report().queries;
    const invalid = [{ id: null, problem: 'comment feed entry: created_at: missing or not a date' }];
    expect(watchesDown(report({ invalid, queries: { ...queries, comments: { asked: true, failures: [], invalid: 1 } } }))).toEqual(['comments']);
    expect(watchesDown(report({ invalid, queries: { ...queries, 'fraud-gap': { asked: true, failures: [], invalid: 1 } } }))).toEqual(['fraud-gap']);
    expect(watchesDown(report({ invalid, queries: { ...queries, lookups: { asked: true, failures: [], invalid: 1 } } }))).toEqual(['status']);
  });
});

const warnings = (lines: readonly string[]) =>
  lines.flatMap((line) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    return record.level === 'WARN' ? [record] : [];
  });

describe('observePoll', () => {
  const lines: string[] = [];
  afterEach(() => {
    lines.length = 0;
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  function capture() {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    for (const level of ['log', 'info', 'warn', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    }
    return {
      logger: new Logger({ serviceName: 'portout-watch' }),
      metrics: new Metrics({ namespace: 'PortoutWatch', serviceName: 'portout-watch' }),
    };
  }

  it('a run that throws: PollFailed, TelnyxAuthFailures for an auth error, and a redacted error log', async () => {
    const { logger, metrics } = capture();
    const failing = observePoll(logger, metrics, async () => {
      throw new TelnyxAuthError('refused KEY0183A9F2E1D_aBcDeF for +13035551212');
    });
    // What the handler throws is logged by the Lambda runtime too: it carries the name, not the secret or number.
    await expect(failing).rejects.toMatchObject({ name: 'TelnyxAuthError', message: 'refused KEY*** for +1303***1212' });
    await failing.catch((error: Error) => {
      expect(error.stack).not.toContain('+13035551212');
      expect(error.stack).toContain('at ');
    });
    const output = lines.join('\n');
    expect(output).toContain('"PollFailed":1');
    expect(output).toContain('"TelnyxAuthFailures":1');
    expect(output).toContain('refused KEY*** for +1303***1212');
    expect(output).not.toContain('+13035551212');
    expect(output).not.toContain('KEY0183A9F2E1D');
  });

  it('a run that returns: its report becomes metrics and one summary line, and is returned as is', async () => {
    const { logger, metrics } = capture();
    const done = report({ published: 2 });
    expect(await observePoll(logger, metrics, async () => done)).toBe(done);
    expect(lines.join('\n')).toContain('"AlertsPublished":2');
    expect(lines.some((line) => line.includes('poll finished'))).toBe(true);
  });

  it('a quiet healthy run sends only the metrics declared as sent every run: the heartbeat', async () => {
    const { logger, metrics } = capture();
    await observePoll(logger, metrics, async () => report());
    const everyRun = Object.entries(METRICS).filter(([, declared]) => declared.emitted === 'every-run').map(([name]) => name);
    expect([...sumEmfMetrics(lines).keys()]).toEqual(everyRun);
    expect(sumEmfMetrics(lines).get('PollSucceeded')).toBe(1);
  });

  it('a run whose fraud-gap query failed: a masked WARN naming the query, WatchDown for the fraud-gap watch, no heartbeat', async () => {
    const { logger, metrics } = capture();
    const failure = { kind: 'server-error' as const, detail: 'HTTP 500 for KEY0183A9F2E1D_aBcDeF about +13035551212' };
    const degraded = report({ outcome: 'degraded', queries: { ...report().queries, 'fraud-gap': { asked: true, failures: [failure] } } });
    await observePoll(logger, metrics, async () => degraded);
    const sent = sumEmfMetrics(lines);
    expect(sent.get('WatchDown{watch=fraud-gap}')).toBe(1);
    expect(sent.get('TelnyxErrors{kind=server-error}')).toBe(1);
    expect(sent.get('PollSucceeded')).toBe(0);
    expect(sent.get('PollFailed')).toBe(1);
    const [queryLine, summary] = warnings(lines);
    expect(queryLine).toMatchObject({ query: 'fraud-gap', watch: 'fraud-gap', failures: [{ kind: 'server-error', detail: 'HTTP 500 for KEY*** about +1303***1212' }] });
    expect(summary).toMatchObject({ message: 'poll finished degraded: a part of the watch was down', outcome: 'degraded', watchesDown: ['fraud-gap'] });
    expect(lines.join('\n')).not.toMatch(/KEY0183A9F2E1D|\+13035551212/);
  });

  it('a comment feed that answered 404: the same, for the comment watch', async () => {
    const { logger, metrics } = capture();
    const failure = { kind: 'client-error' as const, detail: 'HTTP 404 for a listing', pageNumber: 1 };
    await observePoll(logger, metrics, async () =>
      report({ outcome: 'degraded', queries: { ...report().queries, comments: { asked: true, failures: [failure] } } }),
    );
    expect(sumEmfMetrics(lines).get('WatchDown{watch=comments}')).toBe(1);
    expect(warnings(lines)[0]).toMatchObject({ query: 'comments', watch: 'comments', what: 'the events feed that carries comments' });
  });

  it('a failed listing page and a failed lookup: one WARN per query, one WatchDown for the status watch', async () => {
    const { logger, metrics } = capture();
    const queries = { ...report().queries, listing: { asked: true, failures: [serverError] }, lookups: { asked: true, failures: [{ kind: 'timeout' as const, detail: 'timed out' }] } };
    await observePoll(logger, metrics, async () => report({ outcome: 'partial', failures: [serverError], queries }));
    expect(warnings(lines).map((line) => line.query)).toEqual(['listing', 'lookups', undefined]);
    const sent = sumEmfMetrics(lines);
    expect(sent.get('WatchDown{watch=status}')).toBe(1);
    expect(sent.get('TelnyxErrors{kind=timeout}')).toBe(1);
  });

  describe('over several accounts', () => {
    const ref = (name: string) => ({ name, label: `${name} Org Ltd` });

    it('one heartbeat for the fleet; accounts skipped at the deadline or unreachable are down, named and counted', async () => {
      const { logger, metrics } = capture();
      const fleet: FleetReport = {
        accounts: [
          { account: ref('brand-a'), managed: false, kind: 'polled', report: report({ published: 2, telnyxRequests: 3 }) },
          { account: ref('brand-b'), managed: false, kind: 'polled', report: report({ published: 1, telnyxRequests: 3 }) },
          { account: ref('late'), managed: false, kind: 'skipped' },
          { account: ref('managed-x'), managed: true, kind: 'unreachable', failure: { kind: 'server-error', detail: 'HTTP 500 for KEY0183A9F2E1D_aBcDeF' } },
        ],
        disabled: [ref('managed-off')],
        discovery: { complete: true, failures: [], managerKeyRefused: false, removed: [], requests: 2, alsoConfigured: [] },
      };
      expect(await observePoll(logger, metrics, async () => fleet)).toBe(fleet);
      const sent = sumEmfMetrics(lines);
      expect(sent.get('PollSucceeded')).toBe(0);
      expect(sent.get('AlertsPublished')).toBe(3);
      expect(sent.get('PollFailed')).toBe(2);
      // Managed accounts are counted, not given a metric each: no alarm would read it.
      expect([...sent.keys()].filter((name) => name.startsWith('AccountDown'))).toEqual(['AccountDown{account=late}']);
      expect(sent.get('ManagedAccountsDown')).toBe(1);
      expect(sent.get('ManagedAccountsDisabled')).toBe(1);
      expect(sent.get('TelnyxErrors{kind=server-error}')).toBe(1);
      expect(sent.has('ManagedDiscoveryFailed')).toBe(false);
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => typeof record.message === 'string');
      expect(records.filter((record) => String(record.message).startsWith('poll finished')).map((record) => record.account)).toEqual(['brand-a', 'brand-b']);
      expect(records.find((record) => record.message === 'fleet run finished: some accounts, or the discovery of managed ones, were down')).toMatchObject({
        accounts: 4,
        down: ['late', 'managed-x'],
        disabled: ['managed-off'],
        skipped: ['late'],
        discovery: 'ok',
        telnyxRequests: 8,
        published: 3,
      });
      const output = lines.join('\n');
      expect(output).not.toContain('Org Ltd');
      expect(output).not.toContain('KEY0183A9F2E1D');
    });

    it("a managed account down every run keeps the heartbeat at 1: ManagedAccountsDown counts it and the WARN line names it", async () => {
      const { logger, metrics } = capture();
      const noFeed = { kind: 'client-error' as const, detail: 'HTTP 404 for a listing', pageNumber: 1 };
      const degraded = report({ outcome: 'degraded', queries: { ...report().queries, comments: { asked: true, failures: [noFeed] } } });
      await observePoll(logger, metrics, async (): Promise<FleetReport> => ({
        accounts: [
          { account: ref('brand-a'), managed: false, kind: 'polled', report: report() },
          { account: ref('managed-nofeed'), managed: true, kind: 'polled', report: degraded },
          { account: ref('managed-refused'), managed: true, kind: 'threw', error: new TelnyxAuthError('Telnyx rejected the API key (HTTP 401)') },
        ],
        disabled: [],
        discovery: { complete: true, failures: [], managerKeyRefused: false, removed: [], requests: 2, alsoConfigured: [] },
      }));
      const sent = sumEmfMetrics(lines);
      expect(sent.get('PollSucceeded')).toBe(1);
      expect(sent.get('ManagedAccountsDown')).toBe(2);
      // Neither holds an alarm a later outage would need: no AccountDown, WatchDown or TelnyxAuthFailures for them.
      expect([...sent.keys()].filter((name) => /^(AccountDown|WatchDown|TelnyxAuthFailures)/.test(name))).toEqual([]);
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.find((record) => String(record.message).startsWith('fleet run finished'))).toMatchObject({
        level: 'WARN',
        message: 'fleet run finished: some managed accounts were down',
        down: ['managed-nofeed', 'managed-refused'],
      });
    });

    it("faults of the deployment seen in managed accounts' polls take the heartbeat to 0: refused alerts, failed writes, no time to publish, a non-Telnyx throw", async () => {
      const refused = report({ outcome: 'partial', events: [{ type: 'new', portoutId: 'po-1', alertId: 'a-1' }], publishFailures: [{ alertId: 'a-1', reason: 'SNS throttled' }] });
      const notRecorded = report({ published: 1, possiblyDuplicated: 1, outcome: 'partial', writeFailures: [{ id: 'po-2', reason: 'throttled' }] });
      const accessDenied = Object.assign(new Error('not authorized to perform kms:Decrypt'), { name: 'AccessDeniedException' });
      const cases: Array<[string, FleetReport['accounts']]> = [
        ['a refused publish and a KMS refusal', [
          { account: ref('managed-a1'), managed: true, kind: 'polled', report: refused },
          { account: ref('managed-a2'), managed: true, kind: 'threw', error: accessDenied },
        ]],
        ['a failed state write', [{ account: ref('managed-a1'), managed: true, kind: 'polled', report: notRecorded }]],
        ['no time left to publish', [{ account: ref('managed-a1'), managed: true, kind: 'polled', report: report({ outcome: 'deadline' }) }]],
        ['an unreadable state table', [{ account: ref('managed-a1'), managed: true, kind: 'threw', error: new StateTableError('reading table portout-watch-state failed') }]],
      ];
      for (const [what, accounts] of cases) {
        lines.length = 0;
        const { logger, metrics } = capture();
        // No configured account at all (`telnyxAccounts: []`): the managed accounts are all the heartbeat has.
        await observePoll(logger, metrics, async (): Promise<FleetReport> => ({
          accounts,
          disabled: [],
          discovery: { complete: true, failures: [], managerKeyRefused: false, removed: [], requests: 2, alsoConfigured: [] },
        }));
        const sent = sumEmfMetrics(lines);
        expect(sent.get('PollSucceeded'), what).toBe(0);
        expect(sent.get('ManagedAccountsDown'), what).toBe(accounts.length);
      }
      expect(sumEmfMetrics(lines).has('TelnyxAuthFailures')).toBe(false);
    });

    it('a refused publish in a managed account is counted in AlertsFailed and its fleet line is the down one', async () => {
      const { logger, metrics } = capture();
      const refused = report({ outcome: 'partial', publishFailures: [{ alertId: 'a-1', reason: 'SNS throttled' }] });
      await observePoll(logger, metrics, async (): Promise<FleetReport> => ({
        accounts: [
          { account: ref('brand-a'), managed: false, kind: 'polled', report: report() },
          { account: ref('managed-a1'), managed: true, kind: 'polled', report: refused },
        ],
        disabled: [],
        discovery: { complete: true, failures: [], managerKeyRefused: false, removed: [], requests: 2, alsoConfigured: [] },
      }));
      const sent = sumEmfMetrics(lines);
      expect(sent.get('PollSucceeded')).toBe(0);
      expect(sent.get('AlertsFailed')).toBe(1);
      expect(sent.get('ManagedAccountsDown')).toBe(1);
      expect([...sent.keys()].filter((name) => name.startsWith('AccountDown'))).toEqual([]);
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.find((record) => String(record.message).startsWith('fleet run finished'))).toMatchObject({
        message: 'fleet run finished: some accounts, or the discovery of managed ones, were down',
        down: ['managed-a1'],
      });
    });

    it('a configured account down, or any account skipped, still takes the heartbeat to 0', async () => {
      const fleetWith = (account: FleetReport['accounts'][number]): FleetReport => ({
        accounts: [{ account: ref('brand-a'), managed: false, kind: 'polled', report: report() }, account],
        disabled: [],
        discovery: { complete: true, failures: [], managerKeyRefused: false, removed: [], requests: 2, alsoConfigured: [] },
      });
      for (const account of [
        { account: ref('brand-b'), managed: false, kind: 'polled', report: report({ outcome: 'partial' }) },
        { account: ref('managed-late'), managed: true, kind: 'skipped' },
      ] as const) {
        lines.length = 0;
        const { logger, metrics } = capture();
        await observePoll(logger, metrics, async () => fleetWith(account));
        expect(sumEmfMetrics(lines).get('PollSucceeded')).toBe(0);
      }
    });

    it('names a managed account polled as the configured account with its key, by names only', async () => {
      const { logger, metrics } = capture();
      await observePoll(logger, metrics, async (): Promise<FleetReport> => ({
        accounts: [{ account: ref('brand-a'), managed: false, kind: 'polled', report: report() }],
        disabled: [],
        discovery: { complete: true, failures: [], managerKeyRefused: false, removed: [], requests: 2, alsoConfigured: [{ managed: 'managed-a1', configured: 'brand-a' }] },
      }));
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.find((record) => String(record.message).startsWith('a managed account is also configured'))).toMatchObject({
        level: 'INFO',
        managed: 'managed-a1',
        configured: 'brand-a',
      });
    });

    it('every account and the discovery healthy: the heartbeat is 1 and nothing but it is sent', async () => {
      const { logger, metrics } = capture();
      await observePoll(logger, metrics, async (): Promise<FleetReport> => ({
        accounts: [{ account: ref('brand-a'), managed: false, kind: 'polled', report: report() }],
        disabled: [],
        discovery: null,
      }));
      expect([...sumEmfMetrics(lines)]).toEqual([['PollSucceeded', 1]]);
    });
  });
});
