import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { parsePollerConfig, watchesSeveralAccounts, type PollerConfig } from './config.ts';
import { pollFleet, type AccountResult, type FleetReport } from './core/poll-fleet.ts';
import type { SourceFailure } from './core/ports.ts';
import { runPoll, type PollReport } from './core/run-poll.ts';
import { isTestAlertRequest, sendTestAlert, type TEST_ALERT_REQUEST, type TestAlertReport } from './core/test-alert.ts';
import { TelnyxAuthError } from './adapters/telnyx-source.ts';
import type { ManagedDiscovery } from './adapters/telnyx-managed-accounts.ts';
import { observePoll } from './observe.ts';
import { METRIC_NAMESPACE, SERVICE_NAME } from './telemetry.ts';
import { parseWebhookTrigger, type DoorbellReport, type WebhookTrigger } from './core/doorbell.ts';
import { answerWebhookTrigger, type PolledAccount } from './webhook-trigger.ts';
import { soleAccountAdapters, wireFleet, type FleetAdapters, type KeyedAccount, type PollerAdapters } from './wiring.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

// Built on the first invocation and kept for the container's life: clients, connections and the cached keys.
let wired: { config: PollerConfig; fleet: FleetAdapters } | undefined;

const wire = () =>
  (wired ??= (() => {
    // Lambda does not publish which 24.x minor nodejs24.x runs; a cold start records it.
    logger.info('cold start', { nodeVersion: process.version });
    const config = parsePollerConfig(process.env);
    return { config, fleet: wireFleet(config) };
  })());

export type InvocationContext = Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>;

/**
 * One invocation's poll, as Lambda runs it: the configured alert policy, a deadline the margin before Lambda's
 * timeout, and a lease that lasts to that timeout (the hard stop). The fault lab calls this too, so the lease and
 * policy it tests are the ones Lambda gets.
 */
export function pollInvocation(
  config: PollerConfig,
  adapters: PollerAdapters,
  context: InvocationContext,
  clock: () => number = Date.now,
): Promise<PollReport> {
  const started = clock();
  const hardStop = started + context.getRemainingTimeInMillis();
  return runPoll(
    { ...adapters, policy: config.alertPolicy, runId: context.awsRequestId || randomUUID(), clock },
    { now: new Date(started), deadline: hardStop - config.deadlineMarginMs, hardStop },
  );
}

/** The directory promises not to throw; if it does anyway, the run still polls the configured accounts. */
async function discover(fleet: FleetAdapters, deadline: number, runDeadline: number): Promise<ManagedDiscovery | null> {
  if (!fleet.directory) return null;
  try {
    return await fleet.directory.discover(deadline, runDeadline);
  } catch (error) {
    const failure: SourceFailure = { kind: 'connection', detail: error instanceof Error ? error.name : 'unknown error' };
    return {
      accounts: [],
      disabled: [],
      unreachable: [],
      complete: false,
      failures: [failure],
      managerKeyRefused: error instanceof TelnyxAuthError,
      removed: [],
    };
  }
}

/**
 * Discovery's share of the run's time. Past it, enabled managed accounts whose key isn't in hand are unreachable
 * this run (the next runs retrieve the rest, and every key retrieved stays cached), so a cold container with many
 * managed accounts still polls the ones it has, and the configured accounts never wait for it.
 */
export const DISCOVERY_SHARE = 0.3;

/**
 * Drops managed accounts whose key is a configured account's (that account configured by hand too): polled twice,
 * each of its alerts would go out twice. The configured one stays, with its alarm and records. Keys are compared in
 * memory only; the configured ones are read as the polls read them (cached). A pair once found is remembered
 * (`twins`), so while the configured key can't be read the twin still stays out.
 */
async function withoutConfigured(
  configured: readonly KeyedAccount[],
  managed: KeyedAccount[],
  twins: Map<string, string>,
): Promise<{ managed: KeyedAccount[]; alsoConfigured: Array<{ managed: string; configured: string }> }> {
  if (configured.length === 0 || managed.length === 0) return { managed, alsoConfigured: [] };
  const configuredNames = new Set(configured.map((account) => account.ref.name));
  const withKeys = (accounts: readonly KeyedAccount[]) =>
    Promise.all(accounts.map(async (account) => ({ name: account.ref.name, key: await account.getApiKey(false).catch(() => null) })));
  const configuredByKey = new Map<string, string>();
  for (const { name, key } of await withKeys(configured)) if (key !== null) configuredByKey.set(key, name);
  for (const { name, key } of await withKeys(managed)) {
    const twin = key === null ? undefined : configuredByKey.get(key);
    if (twin !== undefined) twins.set(name, twin);
  }
  const alsoConfigured = managed.flatMap(({ ref }) => {
    const twin = twins.get(ref.name);
    return twin !== undefined && configuredNames.has(twin) ? [{ managed: ref.name, configured: twin }] : [];
  });
  const dropped = new Set(alsoConfigured.map((pair) => pair.managed));
  return { managed: managed.filter((account) => !dropped.has(account.ref.name)), alsoConfigured };
}

/**
 * One invocation over every account, as Lambda runs it: each account polled as `pollInvocation` polls one (the same
 * policy, deadline and lease to the hard stop), its alerts naming it. The configured accounts start at once; the
 * managed ones are discovered meanwhile, within DISCOVERY_SHARE of the run, and polled as they come.
 * With `only` (a webhook's accounts), just those configured accounts, and no discovery: webhooks come from
 * configured accounts only, as a managed account's webhook key can't be read through the API.
 */
export async function fleetInvocation(
  config: PollerConfig,
  fleet: FleetAdapters,
  context: InvocationContext,
  clock: () => number = Date.now,
  only?: readonly string[],
): Promise<FleetReport> {
  const started = clock();
  const hardStop = started + context.getRemainingTimeInMillis();
  const deadline = hardStop - config.deadlineMarginMs;
  const discoveryRequestsBefore = fleet.directory?.requestCount() ?? 0;
  const discoveryDeadline = started + Math.floor((deadline - started) * DISCOVERY_SHARE);
  const discovering = only ? Promise.resolve<ManagedDiscovery | null>(null) : discover(fleet, discoveryDeadline, deadline);
  const configured = only ? fleet.configured.filter((account) => only.includes(account.ref.name)) : fleet.configured;
  const toPoll = (keyed: readonly KeyedAccount[]) =>
    keyed.map((account) => ({ ref: account.ref, managed: account.managed, ...fleet.accountAdapters(account) }));
  const managed = discovering.then((discovery) =>
    withoutConfigured(
      fleet.configured,
      (discovery?.accounts ?? []).map(({ ref, getApiKey }): KeyedAccount => ({ ref, managed: true, getApiKey })),
      fleet.twins,
    ),
  );
  const polled = await pollFleet(
    toPoll(configured),
    {
      notifier: fleet.notifier,
      runId: context.awsRequestId || randomUUID(),
      policy: config.alertPolicy,
      clock,
      concurrency: config.accountConcurrency,
      nameAccounts: watchesSeveralAccounts(config),
    },
    { now: new Date(started), deadline, hardStop },
    managed.then((found) => toPoll(found.managed)),
  );
  const discovery = await discovering;
  const unreachable = (discovery?.unreachable ?? []).map(
    ({ ref, failure }): AccountResult => ({ account: ref, managed: true, kind: 'unreachable', failure }),
  );
  return {
    ...(only ? { only: [...only] } : {}),
    accounts: [...polled, ...unreachable],
    disabled: discovery?.disabled ?? [],
    discovery: discovery && {
      complete: discovery.complete,
      failures: discovery.failures,
      managerKeyRefused: discovery.managerKeyRefused,
      removed: discovery.removed,
      requests: (fleet.directory?.requestCount() ?? 0) - discoveryRequestsBefore,
      alsoConfigured: (await managed).alsoConfigured,
    },
  };
}

export async function handler(event: typeof TEST_ALERT_REQUEST, context: InvocationContext): Promise<TestAlertReport>;
export async function handler(event: WebhookTrigger, context: InvocationContext): Promise<DoorbellReport>;
/**
 * The schedule's event (or any other that is not a test alert or a webhook trigger): one poll, of the one account
 * (a PollReport, as always), or of every account when the deployment watches several (a FleetReport).
 */
export async function handler(event: unknown, context: InvocationContext): Promise<PollReport | FleetReport>;
export async function handler(event: unknown, context: InvocationContext): Promise<PollReport | FleetReport | TestAlertReport | DoorbellReport> {
  // `npm run test-alert`: one marked alert through every channel, outside the poll (no heartbeat, no state).
  if (isTestAlertRequest(event)) {
    const { config, fleet } = wire();
    const report = await sendTestAlert(fleet.notifier, {
      now: new Date(),
      deadline: Date.now() + context.getRemainingTimeInMillis() - config.deadlineMarginMs,
      runId: context.awsRequestId || randomUUID(),
      render: config.alertPolicy.render,
    });
    logger.info('test alert', { ...report });
    return report;
  }
  // The webhook receiver's doorbell: poll now, and again shortly if the listing lags the webhook.
  const trigger = parseWebhookTrigger(event);
  if (trigger) {
    const { config } = wire();
    return answerWebhookTrigger(trigger, context, { tableName: config.tableName, logger, poll: (accounts) => pollAccounts(context, accounts) });
  }
  return poll(context);
}

/**
 * A deployment with the lone `default` account runs exactly as it always has; any other polls its fleet, or only
 * the accounts named (a webhook's).
 */
async function poll(context: InvocationContext, only?: readonly string[]): Promise<PollReport | FleetReport> {
  return observePoll(logger, metrics, async (): Promise<PollReport | FleetReport> => {
    const { config, fleet } = wire();
    return watchesSeveralAccounts(config)
      ? fleetInvocation(config, fleet, context, Date.now, only)
      : pollInvocation(config, soleAccountAdapters(fleet), context);
  });
}

/** One poll, as each account's report and store: what the webhook path compares its hint with. */
async function pollAccounts(context: InvocationContext, only: readonly string[] | undefined): Promise<PolledAccount[]> {
  const { fleet } = wire();
  const result = await poll(context, only);
  if (!('accounts' in result)) return [{ report: result, store: soleAccountAdapters(fleet).store }];
  return result.accounts.flatMap((account) => {
    const store = account.kind === 'polled' ? fleet.storeOf(account.account.name) : undefined;
    return account.kind === 'polled' && store ? [{ report: account.report, store }] : [];
  });
}
