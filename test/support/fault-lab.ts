import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { inject, expect, vi } from 'vitest';
import { parsePollerConfig, type PollerConfig } from '../../functions/poller/config.ts';
import type { PollOutcome, PollReport } from '../../functions/poller/core/run-poll.ts';
import { pollInvocation } from '../../functions/poller/handler.ts';
import { observePoll } from '../../functions/poller/observe.ts';
import { METRIC, METRIC_NAMESPACE, SERVICE_NAME } from '../../functions/poller/telemetry.ts';
import { wireAdapters, type PollerAdapters } from '../../functions/poller/wiring.ts';
import { CONFIG_DEFAULTS } from '../../lib/config.ts';
import { LOCAL_AWS } from '../../local/dynamodb-local.ts';
import { startTelnyxSimulator, type TelnyxSimulator } from '../../local/telnyx-simulator.ts';
import { AlertOracle, type Measurement } from './alert-oracle.ts';
import { createTestTable, type TestTable } from './dynamo.ts';
import { FakeSnsTopic } from './fake-sns-topic.ts';
import { recordRow } from './reliability-rows.ts';
import { createStagedDynamoClient, DynamoFaults } from './staged-dynamo.ts';
import { startSwitchableProxy, type SwitchableProxy } from './switchable-proxy.ts';
import type { TelnyxPortoutRecord } from './factories.ts';
import { sumEmfMetrics } from './emf-metrics.ts';

/** The schedule: each poll runs this long after the previous one, on the lab's clock. */
export const POLL_INTERVAL_MS = 5 * 60_000;
/** What a run has left when it starts, unless a scenario says otherwise: the stack's default Lambda timeout. */
export const LAMBDA_TIMEOUT_MS = CONFIG_DEFAULTS.timeoutSeconds * 1000;
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:portout-alerts';

/** The process was killed: nothing after this point reaches Telnyx, SNS or DynamoDB. */
export class Crash extends Error {
  override name = 'Crash';
}

/**
 * Every call the poller makes to Telnyx, DynamoDB or SNS passes this gate, in order. Armed, it lets calls through
 * up to a point and then blocks that call and every later one, which is what a killed process does.
 */
export class KillSwitch {
  readonly steps: string[] = [];
  private blockAt: number | undefined;
  private blockStep: string | undefined;
  blocked: string | undefined;

  get tripped(): boolean {
    return this.blocked !== undefined;
  }

  /** The `n`-th call from now (1 = the next one) and everything after it never happen. */
  armBefore(n: number): void {
    this.blockAt = this.steps.length + n - 1;
  }

  /** The next call named `step` (e.g. 'DynamoDB TransactWriteItems') and everything after it never happen. */
  armBeforeStep(step: string): void {
    this.blockStep = step;
  }

  readonly gate = (step: string): void => {
    if (this.blocked === undefined && (this.blockAt === this.steps.length || this.blockStep === step)) this.blocked = step;
    if (this.blocked !== undefined) throw new Crash(`killed before ${step}`);
    this.steps.push(step);
  };

  reset(): void {
    this.blockAt = undefined;
    this.blockStep = undefined;
    this.blocked = undefined;
  }
}

/** Time as the poller sees it: real time plus whatever the lab skipped (the schedule, retry waits). */
export class VirtualClock {
  private offset = 0;
  readonly now = (): number => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** One Lambda container: its own clients, key cache, logger and metrics. */
export interface Container {
  name: string;
  adapters: PollerAdapters;
  dynamo: DynamoFaults;
  dynamoClient: DynamoDBClient;
  snsClient: SNSClient;
  logger: Logger;
  metrics: Metrics;
}

export interface PollResult {
  outcome: PollOutcome | 'threw' | 'crashed';
  report?: PollReport;
  error?: Error;
  /** Calls that went out during the run, in order (Telnyx, DynamoDB, SNS). */
  steps: string[];
  /** The call the crash blocked, for a crashed run. */
  crashedBefore?: string;
  logs: string[];
  /** Sum per metric name; metrics with dimensions beyond `service` are keyed `Name{dim=value}`. */
  metrics: Map<string, number>;
}

export interface LabOptions {
  /** The table row group this lab's scenarios report under. */
  area: string;
  /** Telnyx answers in pages of this size: the simulator honours any page[size], so the lab asks for this one. */
  pageSize?: number;
  telnyxTimeoutMs?: number;
  /** Read the API key from this Secrets Manager secret (the test mocks SecretsManager) instead of TELNYX_API_KEY. */
  secretId?: string;
  /** Ask for page 1 whatever page the poller asks for, as a server that ignores page[number] would answer. */
  ignorePageNumber?: boolean;
  /** More of the poller's environment (e.g. FOC_REMINDER_HOURS), read by the handler's own parsePollerConfig. */
  env?: Record<string, string>;
}

// The Powertools logger and metrics write to the console with POWERTOOLS_DEV set; while any lab is open, the
// console is captured here, and metrics are switched on (Powertools turns them off in dev mode).
const captured: string[] = [];
let openLabs = 0;
let restoreConsole: Array<() => void> = [];
function startCapture(): void {
  if (openLabs++ > 0) return;
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  restoreConsole = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => {
    const spy = vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      captured.push(args.map(String).join(' '));
    });
    return () => spy.mockRestore();
  });
}
function stopCapture(): void {
  if (--openLabs > 0) return;
  for (const restore of restoreConsole) restore();
  vi.unstubAllEnvs();
}

/** Metrics an operator would alarm or look at; the table's "signal" column lists those a scenario raised. */
const SIGNALS = [
  METRIC.pollFailed,
  METRIC.telnyxAuthFailures,
  METRIC.telnyxErrors,
  METRIC.alertsFailed,
  METRIC.alertsPossiblyDuplicated,
  METRIC.invalidPortouts,
  METRIC.listingAnomaly,
  METRIC.watchDown,
  METRIC.leaseBusy,
] as string[];

/** Personal data the factories put in records; none of it may reach a log. */
const PERSONAL_DATA = ['Jane Doe', 'Acme Corp', '100 Main St'];

/**
 * One staged world: the Telnyx simulator, a fresh table in DynamoDB Local behind a switchable proxy, a fake SNS
 * topic, a virtual clock and a crash switch, and the oracle that knows which alerts were due. Polls run as the
 * Lambda handler runs them: the config from parsePollerConfig, the real adapters (wireAdapters), one invocation
 * through pollInvocation (the configured policy, a deadline and a lease to the hard stop) and observePoll.
 */
export class FaultLab {
  readonly oracle: AlertOracle;
  readonly sns: FakeSnsTopic;
  readonly kill = new KillSwitch();
  readonly clock = new VirtualClock();
  /** Every retry wait the adapters asked for (ms); none is actually waited. */
  readonly sleeps: number[] = [];
  readonly runs: PollResult[] = [];
  readonly apiKeys = new Set<string>();
  main!: Container;
  polls = 0;
  private baselineRuns = 0;
  private pollsInFlight = 0;
  /** Some poll started while another was still running: outcomes then finish in an order timing decides. */
  private runsOverlapped = false;
  private readonly logStart = captured.length;
  private containers = 0;
  private readonly openClients: Array<{ destroy(): void }> = [];
  private watchedListings = 0;
  private waitingForListings: Array<() => void> = [];

  private constructor(
    readonly options: LabOptions,
    readonly sim: TelnyxSimulator,
    readonly table: TestTable,
    readonly proxy: SwitchableProxy,
    readonly config: PollerConfig,
  ) {
    this.oracle = new AlertOracle(() => this.polls, { reminderHours: config.alertPolicy.reminderHours });
    this.sns = new FakeSnsTopic(() => this.polls, this.kill.gate);
    this.apiKeys.add(sim.apiKey);
  }

  static async create(options: LabOptions): Promise<FaultLab> {
    const [sim, table] = await Promise.all([startTelnyxSimulator(), createTestTable()]);
    const proxy = await startSwitchableProxy(inject('dynamoEndpoint'));
    const config = parsePollerConfig({
      TABLE_NAME: table.tableName,
      TOPIC_ARN,
      TELNYX_BASE_URL: sim.baseUrl,
      TELNYX_TIMEOUT_MS: String(options.telnyxTimeoutMs ?? 2_000),
      ...(options.secretId ? { TELNYX_API_KEY_SECRET_ARN: options.secretId } : { TELNYX_API_KEY: sim.apiKey }),
      ...options.env,
    });
    startCapture();
    const lab = new FaultLab(options, sim, table, proxy, config);
    try {
      lab.main = await lab.newContainer();
    } catch (error) {
      await lab.close();
      throw error;
    }
    return lab;
  }

  /** A cold start: new clients, nothing cached. */
  async newContainer(): Promise<Container> {
    const name = `c${++this.containers}`;
    const dynamo = new DynamoFaults();
    const dynamoClient = await createStagedDynamoClient(this.proxy.endpoint, dynamo, this.kill.gate);
    const snsClient = new SNSClient({ ...LOCAL_AWS });
    this.sns.attach(snsClient);
    this.openClients.push(dynamoClient, snsClient);
    const wired = wireAdapters(this.config, {
      dynamoClient,
      snsClient,
      clock: this.clock.now,
      sleep: async (ms) => {
        this.sleeps.push(ms);
        this.clock.advance(ms);
      },
      telnyxFetch: this.telnyxFetch,
    });
    const source = wired.source;
    const adapters: PollerAdapters = {
      ...wired,
      source: {
        ...source,
        listWatchedPortouts: async (deadline) => {
          this.watchedListings += 1;
          try {
            return await source.listWatchedPortouts(deadline);
          } finally {
            this.watchedListings -= 1;
            if (this.watchedListings === 0) for (const resume of this.waitingForListings.splice(0)) resume();
          }
        },
      },
    };
    return {
      name,
      adapters,
      dynamo,
      dynamoClient,
      snsClient,
      logger: new Logger({ serviceName: SERVICE_NAME }),
      metrics: new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME }),
    };
  }

  private readonly telnyxFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const isList = url.searchParams.has('page[number]');
    if (this.options.pageSize && isList) url.searchParams.set('page[size]', String(this.options.pageSize));
    const page = url.searchParams.get('page[number]');
    if (this.options.ignorePageNumber && isList) url.searchParams.set('page[number]', '1');
    const what = url.pathname.endsWith('/portouts/events')
      ? 'events'
      : isList
        ? url.searchParams.has('filter[status_in]')
          ? 'watched'
          : 'other'
        : 'retrieve';
    // The other list queries (rejected requests) wait for the watched listing, so a fault injected for a page of
    // the watched listing is always taken by it.
    if (what === 'other') while (this.watchedListings > 0) await new Promise<void>((resume) => this.waitingForListings.push(resume));
    this.kill.gate(isList ? `Telnyx list ${what} p${page}` : `Telnyx ${what}`);
    return fetch(input instanceof Request ? new Request(url, input) : url, init);
  };

  // The story Telnyx tells: every change goes to the simulator and to the oracle.

  /**
   * New or replaced records. One that arrives already `rejected`, never watched, and created within the look-back
   * is a fraud attempt (a wrong PIN): a possible-fraud alert is due.
   */
  add(...records: Array<TelnyxPortoutRecord & { id: string }>): void {
    this.sim.upsert(...records);
    const policy = this.config.alertPolicy;
    for (const record of records) {
      const createdMs = Date.parse(String(record.created_at));
      const recent = createdMs >= this.clock.now() - policy.lookbackHours * 3_600_000;
      if (policy.watchRejected && record.status === 'rejected' && !this.oracle.knows(record.id) && recent) {
        this.oracle.recordFraudAttempt(record.id);
      }
      this.oracle.record(record.id, String(record.status));
      this.oracle.recordFocDate(record.id, record.foc_date);
    }
  }

  setStatus(id: string, status: string): void {
    this.sim.setStatus(id, status);
    this.oracle.record(id, status);
  }

  remove(id: string): void {
    this.sim.remove(id);
    this.oracle.record(id, 'gone');
  }

  /** Replaces fields of a record as Telnyx would return them (schema violations included). */
  edit(id: string, fields: Record<string, unknown>): void {
    const current = this.sim.records().find((record) => record.id === id);
    if (!current) throw new Error(`no record ${id}`);
    this.sim.upsert({ ...current, ...fields, id });
    if ('status' in fields) this.oracle.record(id, String(fields.status));
    if ('foc_date' in fields) this.oracle.recordFocDate(id, fields.foc_date);
  }

  /** Telnyx moves the FOC date (and says so in the events feed). */
  setFocDate(id: string, focDate: string): void {
    this.sim.setFocDate(id, focDate);
    this.oracle.recordFocDate(id, focDate);
  }

  /** Someone comments on a request (no `userId`: Telnyx porting staff); returns the comment's id. */
  comment(portoutId: string, body: string, options: { userId?: string } = {}): string {
    const event = this.sim.addComment(portoutId, { body, userId: options.userId ?? null }) as { payload: { id: string } };
    this.oracle.recordComment(portoutId, event.payload.id);
    return event.payload.id;
  }

  rotateTelnyxKey(key: string): void {
    this.apiKeys.add(key);
    this.sim.setApiKey(key);
  }

  /** Polls until a run ends ok: what the first run found is the baseline, and news starts after it. */
  async startWatching(): Promise<void> {
    await this.settle();
    this.oracle.startWatching(this.sns.deliveries.length);
    this.baselineRuns = this.runs.length;
  }

  /**
   * Judges the first run too: every request already waiting is due a `new` alert, which reaches people through the
   * first run's one summary (watch-started). Call before the first poll.
   */
  watchFromTheStart(): void {
    this.oracle.startWatching(0);
    this.baselineRuns = 0;
  }

  /** One scheduled run, `POLL_INTERVAL_MS` after the previous one unless `advance` is false. */
  async poll(options: { container?: Container; remainingMs?: number; advance?: boolean } = {}): Promise<PollResult> {
    const container = options.container ?? this.main;
    if (options.advance ?? true) this.clock.advance(POLL_INTERVAL_MS);
    this.polls += 1;
    const logStart = captured.length;
    const stepStart = this.kill.steps.length;
    const clock = this.clock.now;
    this.oracle.pollStarted(clock());
    const remainingMs = options.remainingMs ?? LAMBDA_TIMEOUT_MS;
    const context = { getRemainingTimeInMillis: () => remainingMs, awsRequestId: `run-${this.polls}-${container.name}` };
    let report: PollReport | undefined;
    let error: Error | undefined;
    if (++this.pollsInFlight > 1) this.runsOverlapped = true;
    try {
      report = await observePoll(container.logger, container.metrics, () => pollInvocation(this.config, container.adapters, context, clock));
    } catch (thrown) {
      error = thrown as Error;
    } finally {
      this.pollsInFlight -= 1;
    }
    const logs = captured.slice(logStart);
    const result: PollResult = {
      outcome: this.kill.tripped ? 'crashed' : (report?.outcome ?? 'threw'),
      report,
      error,
      steps: this.kill.steps.slice(stepStart),
      crashedBefore: this.kill.blocked,
      logs,
      metrics: sumEmfMetrics(logs),
    };
    this.runs.push(result);
    if (this.kill.tripped) {
      // The process died: the next run is a cold start.
      this.kill.reset();
      if (container === this.main) this.main = await this.newContainer();
    }
    return result;
  }

  /** Polls until one run ends ok; fails the test if `maxRuns` aren't enough. */
  async settle(maxRuns = 4): Promise<PollResult[]> {
    const results: PollResult[] = [];
    for (let i = 0; i < maxRuns; i++) {
      const result = await this.poll();
      results.push(result);
      if (result.outcome === 'ok') return results;
    }
    throw new Error(`no run ended ok in ${maxRuns}: ${results.map(describeRun).join('; ')}`);
  }

  measure(): Measurement {
    return this.oracle.measure(this.sns.deliveries);
  }

  /** Outcomes of the runs since the watch started, e.g. "partial → ok". */
  outcomes(): string {
    return this.runs
      .slice(this.baselineRuns)
      .map((run) => run.outcome)
      .join(' → ');
  }

  /** The notable metrics and errors the runs since the watch started raised. */
  signals(): string {
    const found = new Set<string>();
    for (const run of this.runs.slice(this.baselineRuns)) {
      if (run.outcome === 'crashed') continue;
      if (run.error) found.add(`threw ${run.error.name}`);
      for (const [name, value] of run.metrics) {
        if (value > 0 && SIGNALS.includes(name.split('{')[0] ?? name)) found.add(name);
      }
    }
    // A dimensioned metric (TelnyxErrors{kind=timeout}) says more than its total; show only the former.
    const shown = [...found].filter((name) => name.includes('{') || ![...found].some((other) => other.startsWith(`${name}{`)));
    return shown.join(', ') || 'none';
  }

  /** Log lines (of every run of this lab) that are not JSON or that carry a key or personal data. */
  logLeaks(): string[] {
    const leaks: string[] = [];
    for (const line of captured.slice(this.logStart)) {
      try {
        JSON.parse(line);
      } catch {
        leaks.push(`not JSON: ${line.slice(0, 120)}`);
      }
      for (const key of this.apiKeys) if (line.includes(key)) leaks.push(`API key in: ${line.slice(0, 120)}`);
      if (/\+\d{7,15}/.test(line)) leaks.push(`phone number in: ${line.slice(0, 120)}`);
      for (const text of PERSONAL_DATA) if (line.includes(text)) leaks.push(`"${text}" in: ${line.slice(0, 120)}`);
    }
    return leaks;
  }

  /**
   * Checks the guarantee (nothing due lost, no false alert, the expected duplicates, clean logs), then records the
   * scenario's row for docs/reliability.md (or, under npm test, checks the committed doc shows that row).
   */
  conclude(
    row: { fault: string; happens: string },
    expected: { duplicates?: number; falseAlerts?: number; nothingDue?: boolean } = {},
  ): Measurement {
    const measured = this.measure();
    expect(measured.lost, 'alerts lost').toEqual([]);
    expect(measured.falseAlerts, 'false alerts').toHaveLength(expected.falseAlerts ?? 0);
    expect(measured.duplicates, 'duplicates').toBe(expected.duplicates ?? 0);
    if (expected.nothingDue) expect(measured.due).toBe(0);
    else expect(measured.due, 'the scenario must make something due').toBeGreaterThan(0);
    expect(this.logLeaks()).toEqual([]);
    // After the oracle's verdict, so a broken guarantee is reported as such, not as a stale doc row.
    recordRow(
      {
        area: this.options.area,
        ...row,
        runs: this.outcomes(),
        signal: this.signals(),
        due: measured.due,
        lost: measured.lost.length,
        duplicates: measured.duplicates,
        falseAlerts: measured.falseAlerts.length,
      },
      { runsOverlapped: this.runsOverlapped },
    );
    return measured;
  }

  private closed = false;

  /** Idempotent: a file's afterEach may see a lab an earlier test already closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    stopCapture();
    for (const client of this.openClients) client.destroy();
    await Promise.all([this.sim.close(), this.proxy.stop()]);
    await this.table.drop();
  }
}

export function describeRun(run: PollResult): string {
  const failures = run.report?.failures.map((failure) => `${failure.kind}: ${failure.detail}`) ?? [];
  return [run.outcome, run.error ? `${run.error.name}: ${run.error.message}` : '', ...failures].filter(Boolean).join(' | ');
}
