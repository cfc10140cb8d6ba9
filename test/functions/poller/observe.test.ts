import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TelnyxAuthError } from '../../../functions/poller/adapters/telnyx-source.ts';
import type { PollReport } from '../../../functions/poller/core/run-poll.ts';
import { isHealthyRun, isListingAnomaly, observePoll } from '../../../functions/poller/observe.ts';

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

  it('a shrunken, unfiltered or unreadable listing is an anomaly', () => {
    expect(isListingAnomaly(report())).toBe(false);
    expect(isListingAnomaly(report({ shrinkAnomaly: true }))).toBe(true);
    expect(isListingAnomaly(report({ unwatchedDropped: 2 }))).toBe(true);
    expect(isListingAnomaly(report({ invalid: [{ id: null, problem: 'id: missing' }] }))).toBe(true);
  });
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
});
