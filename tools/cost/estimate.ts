import { parseSchedule } from '../../lib/config.ts';
import { ENV } from '../../functions/poller/config.ts';
import { METRICS, type MetricDeclaration } from '../../functions/poller/telemetry.ts';
import { PRICES, type PriceName } from './prices.ts';

export const HOURS_PER_MONTH = 730;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
const GB = 1024 ** 3;

/** What the template can't say: how busy the account is. Each is a monthly figure unless it says otherwise. */
export interface UsageAssumptions {
  /** Runs that publish alerts, each in a different hour (the `alert-runs` metrics are sent then). */
  alertRunsPerMonth: number;
  /** Alert messages published (each email and SMS subscription receives those its filter lets through). */
  alertsPerMonth: number;
  /** Hours in which something goes wrong (a 5xx, a timeout): the `fault-runs` metrics are sent then. */
  faultHoursPerMonth: number;
  /** Alarm and recovery notifications sent to the ops topic. */
  alarmNotificationsPerMonth: number;
  /** Billed duration of one run, init included on a cold start. */
  billedMsPerRun: number;
  /** Log bytes one run writes: Lambda's START/END/REPORT lines, the summary line and the heartbeat's EMF line. */
  logBytesPerRun: number;
  /** Cold starts: each reads the API key from Secrets Manager once (it is cached 24 hours in a warm container). */
  coldStartsPerMonth: number;
  /** Read units of one run's strongly consistent Query of the open records (1 per 4 KB). */
  readUnitsPerRun: number;
  /** Write units of one alerting run: the lease put and delete, and a transaction of 2 units per record written. */
  writeUnitsPerAlertRun: number;
  tableGb: number;
}

/**
 * A small account with a quiet month: 20 runs with news, 30 alerts; a few bad hours at Telnyx. A quiet run is
 * measured at well under a second (bench/results.md); one second a run leaves room for network and cold starts.
 * A quiet run logs about 1 KB: the heartbeat's EMF line (211 B), the summary line (about 450 B) and Lambda's
 * START/END/REPORT lines (about 350 B); 1,600 B leaves room for the odd warning.
 */
export const DEFAULT_ASSUMPTIONS: UsageAssumptions = {
  alertRunsPerMonth: 20,
  alertsPerMonth: 30,
  faultHoursPerMonth: 8,
  alarmNotificationsPerMonth: 4,
  billedMsPerRun: 1_000,
  logBytesPerRun: 1_600,
  coldStartsPerMonth: HOURS_PER_MONTH,
  readUnitsPerRun: 2,
  writeUnitsPerAlertRun: 6,
  tableGb: 0.01,
};

export interface CostLine {
  service: string;
  item: string;
  /** In the price's unit. */
  quantity: number;
  price: PriceName;
  /** USD a month at list prices. */
  monthly: number;
}

export interface Estimate {
  lines: CostLine[];
  /** USD a month at list prices, the first year. */
  total: number;
  /** The same where the account's always-free tiers still apply (each allowance once, across lines). */
  totalWithFreeTier: number;
  /** Added for good once each rotating key has rotated twice (two years at the default yearly rotation). */
  afterTwoRotations: number;
  /** Things the estimate leaves out, said once. */
  notes: string[];
}

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources?: Record<string, Resource>;
}

function resourcesOf(template: CfnTemplate, type: string): Array<[string, Resource]> {
  return Object.entries(template.Resources ?? {}).filter(([, resource]) => resource.Type === type);
}

/** `{ Ref: id }` or `{ 'Fn::GetAtt': [id, ...] }` to the id; anything else to undefined. */
function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') return ref;
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** Metrics one alarm reads: one for a single-metric alarm, one per `MetricStat` for metric math. */
export function alarmMetricCount(alarm: Resource): number {
  const metrics = alarm.Properties?.Metrics;
  if (Array.isArray(metrics)) return metrics.filter((metric: { MetricStat?: unknown }) => metric.MetricStat !== undefined).length;
  return alarm.Properties?.MetricName === undefined ? 0 : 1;
}

function isHighResolution(alarm: Resource): boolean {
  const period = alarm.Properties?.Period;
  return typeof period === 'number' && period < 60;
}

/** What the poller's environment says it watches: several configured accounts (how many), managed accounts. */
export interface Fleet {
  /** Unset for a single-account deployment (no TELNYX_ACCOUNTS). */
  configuredAccounts?: number;
  managed: boolean;
}

/** The accounts in TELNYX_ACCOUNTS: JSON, with each created secret's ARN a reference inside an Fn::Join. */
function countAccounts(value: unknown): number {
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  const text = join ? join[1].map((part) => (typeof part === 'string' ? part : 'ref')).join(join[0]) : String(value);
  const accounts: unknown = JSON.parse(text);
  if (!Array.isArray(accounts)) throw new Error(`cannot price ${ENV.telnyxAccounts}: it is not a JSON list`);
  return accounts.length;
}

export function fleetOf(template: CfnTemplate): Fleet {
  const fleet: Fleet = { managed: false };
  for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
    const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    if (ENV.telnyxAccounts in variables) fleet.configuredAccounts = countAccounts(variables[ENV.telnyxAccounts]);
    if (ENV.managerKeySecretArn in variables) fleet.managed = true;
  }
  return fleet;
}

/**
 * Series a metric is priced for: one, or none when the deployment can't send it; per configured account for one
 * with an `account` dimension, as each account fails on its own.
 */
export function pricedSeries(declaration: MetricDeclaration, fleet: Fleet): number {
  if (declaration.onlyWith === 'managed-accounts' && !fleet.managed) return 0;
  if (declaration.onlyWith === 'several-accounts' && fleet.configuredAccounts === undefined) return 0;
  return declaration.dimension?.name === 'account' ? (fleet.configuredAccounts ?? 0) : 1;
}

/** Hours a month a metric is sent in, over all its series: each occurrence sends one series. */
export function metricHours(declaration: MetricDeclaration, usage: UsageAssumptions): number {
  const hours = { 'every-run': HOURS_PER_MONTH, 'alert-runs': usage.alertRunsPerMonth, 'fault-runs': usage.faultHoursPerMonth }[declaration.emitted];
  return Math.min(hours, HOURS_PER_MONTH);
}

/**
 * A monthly estimate at list prices from a synthesized template (alarms, dashboards, keys, secrets, queues, the
 * scheduled function, its log group, the table, the topics), the custom metrics the poller declares it sends
 * (`METRICS` in telemetry.ts), and usage assumptions for what no template says.
 */
export function estimateMonthlyCost(template: CfnTemplate, usage: UsageAssumptions = DEFAULT_ASSUMPTIONS): Estimate {
  const lines: CostLine[] = [];
  const notes: string[] = [];
  const add = (service: string, item: string, price: PriceName, quantity: number) =>
    lines.push({ service, item, price, quantity, monthly: quantity * PRICES[price].usd });

  // CloudWatch: alarms by the metrics they read, dashboards, the poller's custom metrics.
  for (const [id, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
    const count = alarmMetricCount(alarm);
    const name = typeof alarm.Properties?.AlarmName === 'string' ? alarm.Properties.AlarmName : id;
    add('CloudWatch', `alarm ${name} (${count} metric${count === 1 ? '' : 's'})`, isHighResolution(alarm) ? 'highResolutionAlarmMetric' : 'alarmMetric', count);
  }
  for (const [id] of resourcesOf(template, 'AWS::CloudWatch::Dashboard')) add('CloudWatch', `dashboard ${id}`, 'dashboard', 1);
  const fleet = fleetOf(template);
  for (const [name, declaration] of Object.entries(METRICS)) {
    const series = pricedSeries(declaration, fleet);
    if (series === 0) continue;
    const hours = metricHours(declaration, usage);
    const dimension = declaration.dimension ? `{${declaration.dimension.name}}` : '';
    const perAccount = declaration.dimension?.name === 'account' ? ` × ${series} configured account${series === 1 ? '' : 's'}` : '';
    add('CloudWatch', `metric ${name}${dimension}, sent ${declaration.emitted} (${Math.round(hours)} h)${perAccount}`, 'customMetric', (series * hours) / HOURS_PER_MONTH);
  }
  if (fleet.configuredAccounts !== undefined) {
    notes.push('A run polls every account, so its billed duration grows with the fleet: measure it with npm run bench and price it with --billed-ms.');
  }
  if (fleet.managed) {
    notes.push(
      'Managed accounts add no secret, alarm or metric each: their keys come from Telnyx, and one alarm watches them all. ManagedAccountsDisabled is priced for the fault hours; while Telnyx lists an account as disabled it is sent every run, $0.30 a month.',
    );
  }

  // The scheduled function: runs, duration, logs.
  const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule');
  let runsPerMonth = 0;
  for (const [, schedule] of schedules) {
    const parsed = parseSchedule(String(schedule.Properties?.ScheduleExpression));
    if (typeof parsed === 'string') throw new Error(`cannot price the schedule: ${parsed}`);
    const runs = (HOURS_PER_MONTH * 60) / parsed.intervalMinutes;
    runsPerMonth += runs;
    const target = referencedId((schedule.Properties?.Target as { Arn?: unknown } | undefined)?.Arn);
    const fn = target === undefined ? undefined : template.Resources?.[target];
    const memoryGb = Number(fn?.Properties?.MemorySize ?? 128) / 1024;
    add('EventBridge Scheduler', `${parsed.expression}: ${Math.round(runs)} invocations`, 'schedulerInvocations', runs / 1e6);
    add('Lambda', `${Math.round(runs)} requests`, 'lambdaRequests', runs / 1e6);
    add('Lambda', `${Math.round(runs)} runs × ${usage.billedMsPerRun} ms × ${memoryGb} GB`, 'lambdaArmGbSecond', (runs * usage.billedMsPerRun * memoryGb) / 1_000);
  }
  const otherFunctions = resourcesOf(template, 'AWS::Lambda::Function').length - schedules.length;
  if (otherFunctions > 0) notes.push(`${otherFunctions} function(s) invoked on demand (not on the schedule) are not priced.`);

  const ingestedGb = (runsPerMonth * usage.logBytesPerRun) / GB;
  for (const [id, logGroup] of resourcesOf(template, 'AWS::Logs::LogGroup')) {
    const retention = Number(logGroup.Properties?.RetentionInDays ?? 0);
    add('CloudWatch Logs', `${id}: ${usage.logBytesPerRun} B a run ingested`, 'logIngestion', ingestedGb);
    if (retention > 0) {
      add('CloudWatch Logs', `${id}: kept ${retention} days (stored once the retention has filled)`, 'logStorage', (ingestedGb * retention) / DAYS_PER_MONTH);
    } else {
      add('CloudWatch Logs', `${id}: kept forever (a year's worth shown; it keeps growing)`, 'logStorage', ingestedGb * 12);
    }
  }

  // Keys and secrets.
  const keys = resourcesOf(template, 'AWS::KMS::Key');
  let rotatingKeys = 0;
  for (const [id, key] of keys) {
    add('KMS', `key ${id}`, 'kmsKey', 1);
    if (key.Properties?.EnableKeyRotation === true) rotatingKeys += 1;
  }
  const keyIds = new Set(keys.map(([id]) => id));
  const usesStackKey = (resource: Resource) => [...keyIds].some((id) => JSON.stringify(resource.Properties ?? {}).includes(`"${id}"`));
  let kmsRequests = 0;
  for (const [id, table] of [...resourcesOf(template, 'AWS::DynamoDB::GlobalTable'), ...resourcesOf(template, 'AWS::DynamoDB::Table')]) {
    // DynamoDB keeps a table's data key for up to 5 minutes: about one KMS request per run under a stack key.
    if (usesStackKey(table)) kmsRequests += runsPerMonth;
    add('DynamoDB', `${id}: ${usage.readUnitsPerRun} read units a run`, 'dynamoReads', (runsPerMonth * usage.readUnitsPerRun) / 1e6);
    add('DynamoDB', `${id}: ${usage.writeUnitsPerAlertRun} write units a run with news`, 'dynamoWrites', (usage.alertRunsPerMonth * usage.writeUnitsPerAlertRun) / 1e6);
    add('DynamoDB', `${id}: storage`, 'dynamoStorage', usage.tableGb);
    if (JSON.stringify(table.Properties ?? {}).includes('"PointInTimeRecoveryEnabled":true')) {
      add('DynamoDB', `${id}: point-in-time recovery`, 'dynamoPitr', usage.tableGb);
    }
  }
  for (const [id, secret] of resourcesOf(template, 'AWS::SecretsManager::Secret')) {
    add('Secrets Manager', `secret ${id}`, 'secret', 1);
    add('Secrets Manager', `${id}: a read per cold start`, 'secretCalls', usage.coldStartsPerMonth / 10_000);
    if (usesStackKey(secret)) kmsRequests += usage.coldStartsPerMonth;
  }
  if (resourcesOf(template, 'AWS::SecretsManager::Secret').length === 0) {
    notes.push('The API key is in a secret or parameter outside this stack: it is billed there ($0.40 a month for a secret).');
  }
  for (const [id] of resourcesOf(template, 'AWS::SSM::Parameter')) add('Systems Manager', `parameter ${id}`, 'ssmStandardParameter', 1);
  if (keys.length > 0) add('KMS', 'requests (table and secret reads under the stack key, alarm notifications)', 'kmsRequests', (kmsRequests + usage.alarmNotificationsPerMonth) / 10_000);

  // Topics and queues.
  const alarmTopics = new Set(
    resourcesOf(template, 'AWS::CloudWatch::Alarm').flatMap(([, alarm]) => ((alarm.Properties?.AlarmActions as unknown[]) ?? []).map(referencedId)),
  );
  let emails = 0;
  let sms = 0;
  for (const [, subscription] of resourcesOf(template, 'AWS::SNS::Subscription')) {
    const toOps = alarmTopics.has(referencedId(subscription.Properties?.TopicArn));
    const messages = toOps ? usage.alarmNotificationsPerMonth : usage.alertsPerMonth;
    if (subscription.Properties?.Protocol === 'email') emails += messages;
    if (subscription.Properties?.Protocol === 'sms') sms += messages;
  }
  const topics = resourcesOf(template, 'AWS::SNS::Topic').length;
  if (topics > 0) {
    add('SNS', `${usage.alertsPerMonth + usage.alarmNotificationsPerMonth} publishes`, 'snsPublishes', (usage.alertsPerMonth + usage.alarmNotificationsPerMonth) / 1e6);
    add('SNS', `${emails} email notifications`, 'snsEmail', emails / 100_000);
  }
  if (sms > 0) notes.push(`${sms} SMS a month are not priced here: per message and per country, plus an origination number (about $2 a month for a US toll-free number).`);
  const queues = resourcesOf(template, 'AWS::SQS::Queue').length;
  if (queues > 0) add('SQS', `${queues} dead-letter queue(s), idle unless something fails`, 'sqsRequests', 0);
  notes.push('Viewing a dashboard runs its queries (GetMetricData, Logs Insights at $0.005 per GB scanned): cents, only when someone looks.');

  const total = lines.reduce((sum, line) => sum + line.monthly, 0);
  return {
    lines,
    total,
    totalWithFreeTier: withFreeTier(lines),
    afterTwoRotations: rotatingKeys * 2 * PRICES.kmsRotation.usd,
    notes,
  };
}

/** Each price's free allowance taken once off the sum of its lines. */
function withFreeTier(lines: readonly CostLine[]): number {
  const quantities = new Map<PriceName, number>();
  for (const line of lines) quantities.set(line.price, (quantities.get(line.price) ?? 0) + line.quantity);
  let total = 0;
  for (const [name, quantity] of quantities) {
    const price = PRICES[name];
    const free = 'freeEachMonth' in price ? price.freeEachMonth : 0;
    total += Math.max(0, quantity - free) * price.usd;
  }
  return total;
}
