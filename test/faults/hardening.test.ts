import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_RESPONSE_BYTES } from '../../functions/poller/adapters/telnyx-requests.ts';
import { ConfigError, parsePollerConfig } from '../../functions/poller/config.ts';
import { PORTOUT_ID_PATTERN } from '../../functions/poller/core/portout.ts';
import { PUBLISH_RESERVE_MS } from '../../functions/poller/core/run-poll.ts';
import { observePoll } from '../../functions/poller/observe.ts';
import { FaultLab, describeRun } from '../support/fault-lab.ts';
import { storyPortout, watchSevenAndChange } from '../support/fault-stories.ts';
import { recordRow } from '../support/reliability-rows.ts';

let lab: FaultLab;
afterEach(() => lab?.close());

async function startLab(area: string) {
  lab = await FaultLab.create({ area, pageSize: 5 });
  await watchSevenAndChange(lab);
}

describe('a run that cannot finish before its deadline', () => {
  const area = 'Deadline';

  it('time runs out before publishing: nothing is published or recorded, the run says so', async () => {
    await startLab(area);
    // The wait is allowed (it ends before the deadline) but leaves less than the publish reserve.
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 1 }, status: 429, retryAfter: '53' });
    const run = await lab.poll({ remainingMs: 60_000 });
    expect(run.outcome).toBe('deadline');
    expect(run.report?.published).toBe(0);
    expect(run.metrics.get('PollFailed')).toBe(1);
    expect(run.logs.some((line) => line.includes('poll finished with work left for the next run') && line.includes('"deadline"'))).toBe(true);
    await lab.settle();
    lab.conclude({
      fault: `\`Retry-After: 53\` leaves less than the ${PUBLISH_RESERVE_MS / 1000} s publish reserve of a 55 s run`,
      happens: 'the listing finishes, but nothing is published or written (outcome `deadline`, PollFailed, a warning); the next run sends everything',
    });
  });

  it('time runs out during the listing: the pages left are not requested, nothing is concluded', async () => {
    await startLab(area);
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 2 }, delayMs: 2_000 });
    const run = await lab.poll({ remainingMs: lab.config.deadlineMarginMs + 600 });
    expect(['deadline', 'partial']).toContain(run.outcome);
    expect(run.report?.listingComplete).toBe(false);
    expect(run.report?.published).toBe(0);
    await lab.settle();
    lab.conclude({
      fault: 'page 2 answers after 2 s; the run has 0.6 s',
      happens: 'page 2 is abandoned at the deadline and not retried; the listing is incomplete and nothing is published; the next run sends everything',
    });
  });
});

describe('hardening', () => {
  const area = 'Hardening';

  it('plain http to a host that is not loopback is refused at cold start', async () => {
    const env = {
      TABLE_NAME: 'portout-state',
      TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:portout-alerts',
      TELNYX_API_KEY: 'KEY0NEVER0SENT0000000000',
    };
    expect(() => parsePollerConfig({ ...env, TELNYX_BASE_URL: 'http://api.telnyx.com/v2' })).toThrow(ConfigError);
    expect(() => parsePollerConfig({ ...env, TELNYX_BASE_URL: 'http://127.example.com/v2' })).toThrow(/TELNYX_BASE_URL must be an https:\/\/ URL/);
    expect(parsePollerConfig({ ...env, TELNYX_BASE_URL: 'http://127.0.0.1:8080/v2' }).telnyxBaseUrl).toBe('http://127.0.0.1:8080/v2');
    // As the handler does at cold start: the config is read inside the observed run.
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const output: string[] = [];
    for (const level of ['log', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        output.push(args.map(String).join(' '));
      });
    }
    const logger = new Logger({ serviceName: 'portout-watch' });
    const metrics = new Metrics({ namespace: 'PortoutWatch', serviceName: 'portout-watch' });
    const run = observePoll(logger, metrics, async () => {
      parsePollerConfig({ ...env, TELNYX_BASE_URL: 'http://api.telnyx.com/v2' });
      throw new Error('unreachable');
    });
    await expect(run).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringContaining('TELNYX_BASE_URL must be an https:// URL') });
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    expect(output.join('\n')).toContain('"PollFailed":1');
    expect(output.join('\n')).toContain('TELNYX_BASE_URL must be an https:// URL');
    recordRow({
      area,
      fault: '`TELNYX_BASE_URL=http://api.telnyx.com/v2` (plain http, not loopback)',
      happens: 'cold start fails with a ConfigError naming the variable (PollFailed); no request carries the key; http is allowed only for 127.0.0.0/8, localhost and [::1]',
      runs: 'threw',
      signal: 'PollFailed, threw ConfigError',
      due: null,
      lost: null,
      duplicates: null,
      falseAlerts: null,
    });
  });

  it('an oversized response is refused unread', async () => {
    await startLab(area);
    lab.sim.injectFault({ match: { route: 'list', pageNumber: 1 }, body: JSON.stringify({ data: [], padding: 'x'.repeat(MAX_RESPONSE_BYTES) }) });
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(describeRun(run)).toContain('exceeds the');
    await lab.settle();
    lab.conclude({
      fault: `a ${Math.round(MAX_RESPONSE_BYTES / 1024 / 1024)} MiB page`,
      happens: 'refused on its Content-Length before reading (4 MiB cap); the page failed, nothing concluded; the next run sends everything',
    });
  });

  it('ids that are not safe keys are never used as DynamoDB keys or URL paths', async () => {
    await startLab(area);
    const unsafe = ['../OPEN/po-01', 'po 01', 'x'.repeat(200), 'LEASE#poller', 'po-01?x=1'];
    for (const id of unsafe) lab.sim.upsert(storyPortout({ id, inserted_at: '2020-01-01T00:00:00Z' }));
    const run = await lab.poll();
    expect(run.outcome).toBe('partial');
    expect(run.report?.invalid.filter((item) => item.id === null)).toHaveLength(unsafe.length);
    expect(run.report?.missingLookedUp).toBe(0);
    const items = (await lab.table.doc.send(new ScanCommand({ TableName: lab.table.tableName }))).Items ?? [];
    const portoutKeys = items.filter((item) => item.pk !== 'LEASE' && !String(item.sk).startsWith('#')).map((item) => String(item.sk));
    expect(portoutKeys.filter((key) => !PORTOUT_ID_PATTERN.test(key))).toEqual([]);
    expect(lab.sim.requests.filter((request) => request.path.includes('%') || request.path.includes('..'))).toEqual([]);
    for (const id of unsafe) lab.sim.remove(id);
    await lab.settle();
    lab.conclude({
      fault: 'listed items with ids `../OPEN/po-01`, `po 01`, 200 characters, `LEASE#poller`, `po-01?x=1`',
      happens:
        'rejected by the id pattern before any use; as items without a usable id they make the listing incomplete, so nothing is concluded gone; the valid items are alerted',
    });
  });

  it('free text in failure logs is masked: phone numbers and anything shaped like an API key', async () => {
    await startLab(area);
    lab.main.dynamo.fail('Query', {
      type: 'ValidationException',
      message: `One or more parameter values were invalid: +13035551212 and ${lab.sim.apiKey}0000`,
    });
    const run = await lab.poll();
    expect(run.outcome).toBe('threw');
    const failureLog = run.logs.find((line) => line.includes('poll failed'));
    expect(failureLog).toContain('+1303***1212');
    expect(failureLog).toContain('KEY***');
    await lab.settle();
    lab.conclude({
      fault: 'an AWS error message that quotes a phone number and a key-shaped value',
      happens: 'the run fails (PollFailed); the error log shows `+1303***1212` and `KEY***`; every log line of the suite is JSON and carries no key, number, name or address',
    });
  });
});
