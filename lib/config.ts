import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ALERT_ATTRIBUTES, isAccountAttributeValue, type AlertAttributeName } from '../functions/poller/core/alert-types.ts';
import { DEFAULTS, ENV, parsePollerConfig } from '../functions/poller/config.ts';
import { accountNameProblem, DEFAULT_ACCOUNT_NAME, MANAGED_ACCOUNT_PREFIX } from '../functions/poller/core/accounts.ts';
import { ed25519PublicKeyProblem } from '../functions/webhook/public-key.ts';

/**
 * One deployment's settings, declared once: `parseConfig` is the only way to get one, so every value here
 * has been checked. What users write, in JSON or as the construct's props, is a `PortoutWatchSettings`.
 */
export interface PortoutWatchConfig {
  /** Deploy only into this account; unset, the stack deploys wherever the CLI's credentials point. */
  account?: string;
  region?: string;
  schedule: PollSchedule;
  function: FunctionSettings;
  /** Overrides for the poller's own settings; unset ones keep the poller's defaults. */
  poller: PollerSettings;
  /** The `default` account's key: the one account of a single-account deployment. */
  telnyxApiKeySecret: TelnyxApiKeySecretSource;
  /**
   * Set when the deployment watches more than the lone `default` account: every configured account with its key's
   * secret (`default`'s is telnyxApiKeySecret; with managedAccounts and no telnyxAccounts, `default` alone), or none
   * when the settings say `telnyxAccounts: []` with managedAccounts. Unset, the deployment is exactly a single-account one.
   */
  telnyxAccounts?: TelnyxAccountSettings[];
  managedAccounts?: ManagedAccountsSettings;
  table: { encryption: TableEncryption };
  alerts: AlertSettings;
  operations: OperationsSettings;
  /**
   * Telnyx's port-out webhooks ring for a poll now; off unless set. The `default` account's key (the single
   * account's); other accounts' keys are their `webhookPublicKey`.
   */
  webhook?: WebhookSettings;
}

export interface TelnyxAccountSettings {
  /** Stable and log-safe (`accountNameProblem`): the key of the account's records, its alarm, log field and alert attribute. */
  name: string;
  apiKeySecret: TelnyxApiKeySecretSource;
  /** The account's own webhook public key: its port-out webhooks are verified at its own URL. Unset: schedule only. */
  webhookPublicKey?: string;
}

export interface ManagedAccountsSettings {
  /** The manager account's key: it lists the managed accounts and retrieves each one's key at run time. */
  managerKeySecret: TelnyxApiKeySecretSource;
}

/**
 * The settings as written: the JSON of cdk.json's context or config/<stage>.json, and the PortoutWatch
 * construct's props. Every field is optional; `parseConfig` fills in the defaults and checks every value.
 */
export interface PortoutWatchSettings {
  /** A 12-digit AWS account id; the stack's, so the construct rejects it. */
  account?: string;
  /** An AWS region such as us-east-1; the stack's, so the construct rejects it. */
  region?: string;
  /** An EventBridge Scheduler rate expression: `rate(5 minutes)` (the default), `rate(1 hour)`... */
  schedule?: string;
  function?: {
    memoryMb?: number;
    timeoutSeconds?: number;
    reservedConcurrency?: number;
    logLevel?: LogLevel;
    /** One of the retentions CloudWatch Logs offers, in days; 365 by default. */
    logRetentionDays?: number;
  };
  poller?: PollerSettings;
  /** An existing secret's name or complete ARN; unset, the stack creates the secret. With telnyxAccounts, the `default` account's. */
  telnyxApiKeySecret?: string;
  /**
   * Several Telnyx accounts: each with a unique name, an existing secret's name or ARN (unset: created), and its
   * webhook public key if its webhooks are wanted (`default`'s is webhook.publicKey). Unset, the `default` account of
   * telnyxApiKeySecret is watched, with managedAccounts too; `[]` (with managedAccounts only) watches none.
   */
  telnyxAccounts?: Array<{ name: string; apiKeySecret?: string; webhookPublicKey?: string }>;
  /** Watch every managed account of a manager account; its key's secret, existing or (unset) created. */
  managedAccounts?: { managerKeySecret?: string };
  table?: { encryption?: TableEncryption };
  alerts?: {
    displayName?: string;
    email?: Array<string | EmailSubscriptionSettings>;
    sms?: Array<string | SmsSubscriptionSettings>;
    slack?: SlackChannelSettings[];
    teams?: TeamsChannelSettings[];
  };
  operations?: { alarmEmail?: string; dashboard?: boolean };
  webhook?: WebhookSettings;
}

export interface OperationsSettings {
  alarmEmail?: string;
  /** A CloudWatch dashboard: $3.00 a month beyond the account's three free ones, so off unless asked for. */
  dashboard: boolean;
}

export interface WebhookSettings {
  /** The `default` (or single) account's webhook public key, base64 as the Telnyx portal shows it. */
  publicKey: string;
}

export interface PollSchedule {
  /** An EventBridge Scheduler rate expression, e.g. `rate(5 minutes)`. */
  expression: string;
  intervalMinutes: number;
}

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface FunctionSettings {
  memoryMb: number;
  timeoutSeconds: number;
  /** Unset by default: new accounts often have no concurrency to reserve. The lease item guards overlap. */
  reservedConcurrency?: number;
  logLevel: LogLevel;
  logRetentionDays: RetentionDays;
}

/** The poller settings a deployment may override, keyed as in the poller's `ENV` and `DEFAULTS`. */
export const POLLER_SETTINGS = [
  'listConcurrency',
  'telnyxConcurrency',
  'accountConcurrency',
  'telnyxTimeoutMs',
  'secretCacheSeconds',
  'closedRetentionDays',
  'deadlineMarginMs',
  'firstRunSummary',
  'digestThreshold',
  'focReminderHours',
  'watchRejected',
  'watchComments',
  'lookbackHours',
] as const satisfies readonly (keyof typeof ENV)[];
export type PollerSetting = (typeof POLLER_SETTINGS)[number];
/** A number, a true/false switch, or a list of hours (focReminderHours); each becomes the poller's env string. */
export type PollerSettingValue = number | boolean | number[];
export type PollerSettings = Partial<Record<PollerSetting, PollerSettingValue>>;

/** The environment string the poller reads for a setting's value. */
export function pollerEnvValue(value: PollerSettingValue): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

export type TelnyxApiKeySecretSource =
  | { kind: 'create' }
  | { kind: 'existing-name'; name: string }
  | { kind: 'existing-arn'; arn: string };

export const TABLE_ENCRYPTIONS = ['aws-managed', 'customer-managed'] as const;
export type TableEncryption = (typeof TABLE_ENCRYPTIONS)[number];

/** Per attribute: the values to deliver, or `{ anythingBut }` the values to hold back. */
export type AttributeMatch = string[] | { anythingBut: string[] };
export type AlertFilterPolicy = Partial<Record<AlertAttributeName, AttributeMatch>>;

export interface EmailSubscriptionSettings {
  address: string;
  filterPolicy?: AlertFilterPolicy;
}

export interface SmsSubscriptionSettings {
  phoneNumber: string;
  filterPolicy?: AlertFilterPolicy;
}

/** A Slack channel that AWS Chatbot posts alerts to; the workspace must be authorized in the Chatbot console first. */
export interface SlackChannelSettings {
  workspaceId: string;
  channelId: string;
  filterPolicy?: AlertFilterPolicy;
}

/** A Microsoft Teams channel that AWS Chatbot posts alerts to; the team must be authorized in the Chatbot console first. */
export interface TeamsChannelSettings {
  teamId: string;
  /** URL-encoded, as Chatbot takes it: 19%3a...%40thread.tacv2. */
  channelId: string;
  tenantId: string;
  filterPolicy?: AlertFilterPolicy;
}

export interface AlertSettings {
  /** SNS puts this in front of every SMS, so it stays short; empty by default. */
  displayName: string;
  email: EmailSubscriptionSettings[];
  sms: SmsSubscriptionSettings[];
  slack: SlackChannelSettings[];
  teams: TeamsChannelSettings[];
}

/**
 * The worst run lists 40 pages (10,000 port-outs) four at a time: 10 rounds of requests that each take the
 * full 10 s timeout is 100 s; retries past that are cut off by the poller's own deadline, DEADLINE_MARGIN_MS
 * before the timeout. 120 s covers that and stays well inside the default 5-minute interval.
 */
export const CONFIG_DEFAULTS = {
  schedule: 'rate(5 minutes)',
  memoryMb: 512,
  timeoutSeconds: 120,
  // A fleet's bad run (every request running into the 10 s timeout, 16 in flight, about 3 a quiet account) takes
  // about 2 s an account: 240 s serves about 120 accounts before the deadline leaves the rest to the next run, and
  // still ends a minute before the next 5-minute run. A quick run is billed for what it uses, not the timeout.
  severalAccountsTimeoutSeconds: 240,
  logLevel: 'INFO',
  // Fraud is sometimes investigated months later; a year of a quiet poller's logs costs cents (docs/deploying.md).
  logRetentionDays: RetentionDays.ONE_YEAR,
  tableEncryption: 'aws-managed',
  displayName: '',
} as const satisfies {
  schedule: string;
  memoryMb: number;
  timeoutSeconds: number;
  severalAccountsTimeoutSeconds: number;
  logLevel: LogLevel;
  logRetentionDays: RetentionDays;
  tableEncryption: TableEncryption;
  displayName: string;
};

/**
 * Each configured account has its own secret ($0.40 a month) and alarm; past a few dozen, managed accounts
 * (one manager key, accounts found at run time) are cheaper and need no config change per account.
 */
export const MAX_CONFIGURED_ACCOUNTS = 50;

/** Three missed intervals must fit the one day a CloudWatch alarm can look back over. */
export const MAX_INTERVAL_MINUTES = 8 * 60;

/**
 * Email and SMS reach people, so their subscriptions always filter on `audience: people`: on a grouped run the
 * poller sends people one digest and machine subscribers one message per event. Users can't set it.
 */
export const PEOPLE_AUDIENCE = {
  name: ALERT_ATTRIBUTES.audience.name,
  value: 'people',
} as const satisfies { name: AlertAttributeName; value: (typeof ALERT_ATTRIBUTES.audience.values)[number] };

/** SNS limits a filter policy to 150 combinations of values and 5 attributes. */
const MAX_FILTER_COMBINATIONS = 150;
const MAX_FILTER_ATTRIBUTES = 5;
const DISPLAY_NAME = /^[A-Za-z0-9 _-]{0,10}$/;
const EMAIL = /^[^\s@"<>(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
// Secrets Manager appends "-" and six random characters to every secret's ARN.
const COMPLETE_SECRET_ARN = /-[A-Za-z0-9]{6}$/;
const COUNTRY_CODE = /^[A-Z]{2}$/;
// The patterns CloudFormation checks AWS::Chatbot::SlackChannelConfiguration and MicrosoftTeamsChannelConfiguration against.
const SLACK_WORKSPACE_ID = /^[0-9A-Z]{1,255}$/;
const SLACK_CHANNEL_ID = /^[A-Za-z0-9]{1,256}$/;
const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const TEAMS_CHANNEL_ID = /^[a-zA-Z0-9-_=+/.,]*%3[aA][a-zA-Z0-9-_=+/.,]*%40[a-zA-Z0-9-_=+/.,]*$/;
const LOG_RETENTION_DAYS = Object.values(RetentionDays).filter(
  (days): days is RetentionDays => typeof days === 'number' && days !== RetentionDays.INFINITE,
);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Json = Record<string, unknown>;

/** Collects every problem, each prefixed with the setting's path, so one synth reports them all. */
class Problems {
  readonly messages: string[] = [];
  add(path: string, message: string): void {
    this.messages.push(`${path}: ${message}`);
  }
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const oneOf = (values: readonly (string | number)[]): string => values.join(', ');

function objectAt(value: unknown, path: string, known: readonly string[], problems: Problems): Json | undefined {
  if (value === undefined) return {};
  if (!isObject(value)) {
    problems.add(path || '(top level)', `must be an object with any of: ${oneOf(known)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.add(path ? `${path}.${key}` : key, `is not a setting: use one of ${oneOf(known)}`);
  }
  return value;
}

function integerAt(
  value: unknown,
  path: string,
  { min, max, fallback }: { min: number; max: number; fallback: number },
  problems: Problems,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.add(path, `${show(value)} must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function stringAt(value: unknown, path: string, problems: Problems): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.add(path, `${show(value)} must be a string`);
    return undefined;
  }
  return value.trim();
}

export function parseSchedule(expression: string): PollSchedule | string {
  const match = RATE.exec(expression);
  if (!match) {
    return `${show(expression)} is not a rate expression: write rate(5 minutes), rate(1 hour) and so on (cron is not supported: the heartbeat alarm needs a fixed interval)`;
  }
  const amount = Number(match[1]);
  const unit = match[2] ?? '';
  if (amount === 0) return `${show(expression)} must be at least rate(1 minute)`;
  if ((amount === 1) !== !unit.endsWith('s')) {
    return `${show(expression)} must use the singular unit for 1 and the plural otherwise, e.g. rate(1 hour), rate(2 hours)`;
  }
  const minutesPerUnit = unit.startsWith('minute') ? 1 : unit.startsWith('hour') ? 60 : 1_440;
  return { expression, intervalMinutes: amount * minutesPerUnit };
}

/**
 * The accounts an `account` filter may name: the configured ones, and managed ones when there are any. Undefined in a
 * single-account deployment, whose alerts carry no `account` attribute, so such a filter would match none of them.
 */
type FilterAccounts = { configured: readonly string[]; managed: boolean } | undefined;

/** Why an `account` filter value names no account this deployment watches (and what to use), or undefined if it names one. */
function accountFilterProblem(value: unknown, accounts: NonNullable<FilterAccounts>): string | undefined {
  const text = typeof value === 'string' ? value : '';
  const isManaged = text.startsWith(MANAGED_ACCOUNT_PREFIX) && isAccountAttributeValue(text);
  if (accounts.configured.includes(text) || (accounts.managed && isManaged)) return undefined;
  const configured = accounts.configured.length > 0 ? [`a name from telnyxAccounts (${oneOf(accounts.configured)})`] : [];
  if (accounts.managed) {
    return `${show(value)} is not an account of this deployment: use ${[...configured, `managed-<Telnyx id, lowercase> for a managed account`].join(', or ')}`;
  }
  const managedHint = text.startsWith(MANAGED_ACCOUNT_PREFIX) ? '; managed-<id> names a managed account only with managedAccounts set' : '';
  return `${show(value)} is not an account of this deployment: use ${configured.join('')}${managedHint}`;
}

function parseFilterPolicy(value: unknown, path: string, accounts: FilterAccounts, problems: Problems): AlertFilterPolicy | undefined {
  const attributes = Object.values(ALERT_ATTRIBUTES).filter((attribute) => attribute.name !== PEOPLE_AUDIENCE.name);
  const names = attributes.map((attribute) => attribute.name);
  if (!isObject(value) || Object.keys(value).length === 0) {
    problems.add(
      path,
      `must be an object mapping alert attributes (${oneOf(names)}) to values; leave filterPolicy out to receive every alert`,
    );
    return undefined;
  }
  const policy: AlertFilterPolicy = {};
  let combinations = 1;
  for (const [key, raw] of Object.entries(value)) {
    const attribute = attributes.find((candidate) => candidate.name === key);
    if (key === PEOPLE_AUDIENCE.name) {
      problems.add(`${path}.${key}`, `is set by the stack (email and SMS always get the messages for ${PEOPLE_AUDIENCE.value}): remove it`);
      continue;
    }
    if (!attribute) {
      problems.add(`${path}.${key}`, `is not an alert attribute: use one of ${oneOf(names)}`);
      continue;
    }
    const anythingBut = isObject(raw);
    const list = anythingBut ? raw.anythingBut : raw;
    const listPath = anythingBut ? `${path}.${key}.anythingBut` : `${path}.${key}`;
    if (anythingBut && Object.keys(raw).some((k) => k !== 'anythingBut')) {
      problems.add(`${path}.${key}`, 'must be a list of values, or { "anythingBut": [values] }');
      continue;
    }
    if (!Array.isArray(list) || list.length === 0) {
      problems.add(listPath, 'must be a non-empty list of values, or { "anythingBut": [values] }');
      continue;
    }
    const allowed: readonly string[] | undefined = attribute.values;
    const isAccount = attribute.name === ALERT_ATTRIBUTES.account.name;
    if (isAccount && !accounts) {
      problems.add(
        `${path}.${key}`,
        "a single-account deployment's alerts carry no account attribute, so no alert would match: remove it, or list the accounts in telnyxAccounts",
      );
      continue;
    }
    const problemOf = (item: unknown): string | undefined => {
      if (accounts && isAccount) return accountFilterProblem(item, accounts);
      if (typeof item === 'string' && (allowed ? allowed.includes(item) : COUNTRY_CODE.test(item))) return undefined;
      return allowed
        ? `${show(item)} is not a valid ${key}: use one of ${oneOf(allowed)}`
        : `${show(item)} is not an ISO 3166 alpha-2 country code such as US or CA`;
    };
    const values: string[] = [];
    list.forEach((item: unknown, index) => {
      const problem = problemOf(item);
      if (problem) problems.add(`${listPath}[${index}]`, problem);
      else values.push(item as string);
    });
    combinations *= values.length;
    policy[attribute.name] = anythingBut ? { anythingBut: values } : values;
  }
  if (Object.keys(policy).length + 1 > MAX_FILTER_ATTRIBUTES) {
    problems.add(path, `filters on ${Object.keys(policy).length} attributes; with ${PEOPLE_AUDIENCE.name}, which the stack adds, that is more than the ${MAX_FILTER_ATTRIBUTES} SNS accepts`);
  }
  if (combinations > MAX_FILTER_COMBINATIONS) {
    problems.add(
      path,
      `allows ${combinations} combinations of values, more than the ${MAX_FILTER_COMBINATIONS} SNS accepts: list fewer values or use anythingBut`,
    );
  }
  return policy;
}

function parseSubscriptions<T>(
  value: unknown,
  path: string,
  endpointKey: string,
  parseEndpoint: (endpoint: unknown, endpointPath: string) => string | undefined,
  build: (endpoint: string, filterPolicy: AlertFilterPolicy | undefined) => T,
  accounts: FilterAccounts,
  problems: Problems,
): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add(path, 'must be a list of subscriptions');
    return [];
  }
  const seen = new Set<string>();
  const subscriptions: T[] = [];
  value.forEach((entry: unknown, index) => {
    const entryPath = `${path}[${index}]`;
    const fields = typeof entry === 'string' ? { [endpointKey]: entry } : objectAt(entry, entryPath, [endpointKey, 'filterPolicy'], problems);
    if (!fields) return;
    const endpointPath = typeof entry === 'string' ? entryPath : `${entryPath}.${endpointKey}`;
    const endpoint = parseEndpoint(fields[endpointKey], endpointPath);
    const filterPolicy =
      fields.filterPolicy === undefined ? undefined : parseFilterPolicy(fields.filterPolicy, `${entryPath}.filterPolicy`, accounts, problems);
    if (endpoint === undefined) return;
    if (seen.has(endpoint.toLowerCase())) {
      problems.add(endpointPath, `${show(endpoint)} is listed twice: subscribe each endpoint once`);
      return;
    }
    seen.add(endpoint.toLowerCase());
    subscriptions.push(build(endpoint, filterPolicy));
  });
  return subscriptions;
}

function emailAt(value: unknown, path: string, problems: Problems): string | undefined {
  const address = stringAt(value, path, problems);
  if (address === undefined) {
    if (value === undefined) problems.add(path, 'is required: give an email address such as ops@example.com');
    return undefined;
  }
  if (address.length > 254 || !EMAIL.test(address)) {
    problems.add(path, `${show(address)} is not an email address: write it as name@example.com`);
    return undefined;
  }
  return address;
}

function phoneAt(value: unknown, path: string, problems: Problems): string | undefined {
  const phone = stringAt(value, path, problems);
  if (phone === undefined) {
    if (value === undefined) problems.add(path, 'is required: give an E.164 phone number such as +14155550100');
    return undefined;
  }
  if (!E164.test(phone)) {
    problems.add(
      path,
      `${show(phone)} is not an E.164 phone number: write + then the country code and number, no spaces or dashes, e.g. +14155550100`,
    );
    return undefined;
  }
  return phone;
}

/** One chat channel's ids, each checked against its pattern; a filterPolicy as for email. */
function parseChatChannels<T>(
  value: unknown,
  path: string,
  fields: ReadonlyArray<{ key: string; check: (id: string) => string | undefined; example: string }>,
  build: (ids: Record<string, string>, filterPolicy: AlertFilterPolicy | undefined) => T,
  accounts: FilterAccounts,
  problems: Problems,
): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add(path, 'must be a list of channels');
    return [];
  }
  const seen = new Set<string>();
  const channels: T[] = [];
  value.forEach((entry: unknown, index) => {
    const entryPath = `${path}[${index}]`;
    const raw = objectAt(entry, entryPath, [...fields.map((field) => field.key), 'filterPolicy'], problems);
    if (!raw) return;
    const ids: Record<string, string> = {};
    for (const { key, check, example } of fields) {
      const id = stringAt(raw[key], `${entryPath}.${key}`, problems);
      if (id === undefined) {
        if (raw[key] === undefined) problems.add(`${entryPath}.${key}`, `is required, e.g. ${example}`);
        continue;
      }
      const problem = check(id);
      if (problem) problems.add(`${entryPath}.${key}`, `${show(id)} ${problem}`);
      else ids[key] = id;
    }
    const filterPolicy =
      raw.filterPolicy === undefined ? undefined : parseFilterPolicy(raw.filterPolicy, `${entryPath}.filterPolicy`, accounts, problems);
    if (Object.keys(ids).length < fields.length) return;
    const channelKey = fields.map((field) => ids[field.key]?.toLowerCase()).join('/');
    if (seen.has(channelKey)) {
      problems.add(entryPath, 'lists the same channel twice: configure each channel once');
      return;
    }
    seen.add(channelKey);
    channels.push(build(ids, filterPolicy));
  });
  return channels;
}

const mustMatch = (pattern: RegExp, problem: string) => (id: string) => (pattern.test(id) ? undefined : problem);
/** Accepts the id as the channel link shows it (URL-encoded) or decoded (19:...@thread.tacv2). */
const teamsChannelId = (id: string) => (id.includes('%') ? id : encodeURIComponent(id));

function parseSecretSource(value: unknown, path: string, problems: Problems): TelnyxApiKeySecretSource {
  const id = stringAt(value, path, problems);
  if (!id) return { kind: 'create' };
  if (id.startsWith('arn:')) {
    if (!SECRET_ARN.test(id)) {
      problems.add(path, `${show(id)} is not a Secrets Manager secret ARN: give the secret's name or its complete ARN`);
    } else if (!COMPLETE_SECRET_ARN.test(id)) {
      problems.add(
        path,
        `${show(id)} looks like a partial ARN: give the complete ARN (it ends with - and six characters) or just the secret's name`,
      );
    }
    return { kind: 'existing-arn', arn: id };
  }
  if (!SECRET_NAME.test(id)) {
    problems.add(path, `${show(id)} is not a Secrets Manager secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -)`);
  }
  return { kind: 'existing-name', name: id };
}

/** Runs the poller's own environment validation on each override, so the stack and the handler agree on the limits. */
function parsePollerSettings(value: unknown, problems: Problems): PollerSettings {
  const fields = objectAt(value, 'poller', POLLER_SETTINGS, problems);
  const settings: PollerSettings = {};
  if (!fields) return settings;
  for (const setting of POLLER_SETTINGS) {
    const raw = fields[setting];
    if (raw === undefined) continue;
    const path = `poller.${setting}`;
    const isHours = Array.isArray(raw) && raw.every((item) => typeof item === 'number');
    if (typeof raw !== 'number' && typeof raw !== 'boolean' && !isHours) {
      problems.add(path, `${show(raw)} must be a number, true or false, or a list of numbers`);
      continue;
    }
    try {
      parsePollerConfig({
        [ENV.tableName]: 'portout-watch-state',
        [ENV.topicArn]: 'arn:aws:sns:us-east-1:123456789012:portout-watch-alerts',
        [ENV.apiKeySecretArn]: 'portout-watch/telnyx-api-key',
        [ENV[setting]]: pollerEnvValue(raw as PollerSettingValue),
      });
      settings[setting] = raw as PollerSettingValue;
    } catch (error) {
      problems.add(path, (error as Error).message.replace(/^invalid configuration: /, ''));
    }
  }
  return settings;
}

/**
 * The function timeout unless set: a deployment watching several accounts gets longer, though never past a minute
 * before the next run (nor under the single-account default).
 */
export function defaultTimeoutSeconds(schedule: PollSchedule | undefined, severalAccounts: boolean): number {
  if (!severalAccounts || !schedule) return CONFIG_DEFAULTS.timeoutSeconds;
  const beforeNextRun = schedule.intervalMinutes * 60 - 60;
  return Math.max(CONFIG_DEFAULTS.timeoutSeconds, Math.min(CONFIG_DEFAULTS.severalAccountsTimeoutSeconds, beforeNextRun));
}

function parseFunctionSettings(
  value: unknown,
  schedule: PollSchedule | undefined,
  poller: PollerSettings,
  severalAccounts: boolean,
  problems: Problems,
): FunctionSettings {
  const keys = ['memoryMb', 'timeoutSeconds', 'reservedConcurrency', 'logLevel', 'logRetentionDays'] as const;
  const fields = objectAt(value, 'function', keys, problems) ?? {};
  const memoryMb = integerAt(fields.memoryMb, 'function.memoryMb', { min: 128, max: 10_240, fallback: CONFIG_DEFAULTS.memoryMb }, problems);
  const timeoutSeconds = integerAt(
    fields.timeoutSeconds,
    'function.timeoutSeconds',
    { min: 10, max: 900, fallback: defaultTimeoutSeconds(schedule, severalAccounts) },
    problems,
  );
  const reservedConcurrency =
    fields.reservedConcurrency === undefined
      ? undefined
      : integerAt(fields.reservedConcurrency, 'function.reservedConcurrency', { min: 1, max: 1_000, fallback: 1 }, problems);
  const logLevel = stringAt(fields.logLevel, 'function.logLevel', problems)?.toUpperCase() ?? CONFIG_DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.add('function.logLevel', `${show(fields.logLevel)} is not a log level: use one of ${oneOf(LOG_LEVELS)}`);
  }
  let logRetentionDays: RetentionDays = CONFIG_DEFAULTS.logRetentionDays;
  if (fields.logRetentionDays !== undefined) {
    if (LOG_RETENTION_DAYS.includes(fields.logRetentionDays as RetentionDays)) {
      logRetentionDays = fields.logRetentionDays as RetentionDays;
    } else {
      problems.add(
        'function.logRetentionDays',
        `${show(fields.logRetentionDays)} is not a retention CloudWatch Logs offers: use one of ${oneOf(LOG_RETENTION_DAYS)}`,
      );
    }
  }

  if (schedule && timeoutSeconds >= schedule.intervalMinutes * 60) {
    problems.add(
      'function.timeoutSeconds',
      `${timeoutSeconds} s must be shorter than the schedule's ${schedule.intervalMinutes}-minute interval: lower it or lengthen the schedule`,
    );
  }
  const requestMs = Number(poller.telnyxTimeoutMs ?? DEFAULTS.telnyxTimeoutMs);
  const marginMs = Number(poller.deadlineMarginMs ?? DEFAULTS.deadlineMarginMs);
  if (timeoutSeconds * 1_000 <= requestMs + marginMs) {
    problems.add(
      'function.timeoutSeconds',
      `${timeoutSeconds} s leaves no time for one Telnyx request (${requestMs} ms) plus the deadline margin (${marginMs} ms): raise it`,
    );
  }
  return {
    memoryMb,
    timeoutSeconds,
    ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
    logLevel: logLevel as LogLevel,
    logRetentionDays,
  };
}

/** Every setting of a deployment; the construct's props are these but for account and region. */
export const TOP_LEVEL = [
  'account',
  'region',
  'schedule',
  'function',
  'poller',
  'telnyxApiKeySecret',
  'telnyxAccounts',
  'managedAccounts',
  'table',
  'alerts',
  'operations',
  'webhook',
] as const satisfies readonly (keyof PortoutWatchSettings)[];

/** The secret's id as the poller gets it, for telling two accounts with the same key apart. */
const existingSecretId = (source: TelnyxApiKeySecretSource): string | undefined =>
  source.kind === 'existing-arn' ? source.arn : source.kind === 'existing-name' ? source.name : undefined;

/**
 * Which Telnyx accounts the deployment watches. `accounts` is unset for the single-account case: no telnyxAccounts
 * and no managedAccounts, or telnyxAccounts with the lone `default` account, which is the same deployment. Without
 * telnyxAccounts the `default` account is always watched: adding managedAccounts must not drop it (nor delete the
 * secret the stack created for it, with the key in it), so watching managed accounts alone takes `telnyxAccounts: []`.
 */
function parseAccounts(
  fields: Json,
  defaultSecret: TelnyxApiKeySecretSource,
  problems: Problems,
): { accounts?: TelnyxAccountSettings[]; managed?: ManagedAccountsSettings } {
  const managedFields = fields.managedAccounts === undefined ? undefined : objectAt(fields.managedAccounts, 'managedAccounts', ['managerKeySecret'], problems);
  const managed = managedFields && {
    managerKeySecret: parseSecretSource(managedFields.managerKeySecret, 'managedAccounts.managerKeySecret', problems),
  };
  const accounts =
    fields.telnyxAccounts === undefined
      ? undefined
      : parseTelnyxAccounts(fields.telnyxAccounts, defaultSecret, fields.managedAccounts !== undefined, problems);
  if (fields.telnyxApiKeySecret !== undefined && accounts && !accounts.some((a) => a.name === DEFAULT_ACCOUNT_NAME)) {
    problems.add(
      'telnyxApiKeySecret',
      `is the key of the account named "${DEFAULT_ACCOUNT_NAME}", which telnyxAccounts does not list: add { "name": "${DEFAULT_ACCOUNT_NAME}" } to keep watching it (its records carry over), or give the secret to a named account as its apiKeySecret`,
    );
  }
  if (!managed && (accounts === undefined || (accounts.length === 1 && accounts[0]?.name === DEFAULT_ACCOUNT_NAME))) return {};
  return { accounts: accounts ?? [{ name: DEFAULT_ACCOUNT_NAME, apiKeySecret: defaultSecret }], ...(managed ? { managed } : {}) };
}

function parseTelnyxAccounts(
  value: unknown,
  defaultSecret: TelnyxApiKeySecretSource,
  withManagedAccounts: boolean,
  problems: Problems,
): TelnyxAccountSettings[] {
  const example = `[{ "name": "${DEFAULT_ACCOUNT_NAME}" }, { "name": "brand-eu", "apiKeySecret": "telnyx/brand-eu" }]`;
  if (!Array.isArray(value)) {
    problems.add('telnyxAccounts', `must be a list of accounts such as ${example}; leave it out to watch the one account of telnyxApiKeySecret`);
    return [];
  }
  if (value.length === 0) {
    if (!withManagedAccounts) {
      problems.add(
        'telnyxAccounts',
        `[] watches no configured account, which only a deployment of managed accounts alone may do (with managedAccounts): list accounts such as ${example}, or leave it out to watch the one account of telnyxApiKeySecret`,
      );
    }
    return [];
  }
  if (value.length > MAX_CONFIGURED_ACCOUNTS) {
    problems.add(
      'telnyxAccounts',
      `lists ${value.length} accounts, more than ${MAX_CONFIGURED_ACCOUNTS}: each has its own secret and alarm, so watch a larger fleet as managed accounts (managedAccounts: one manager key, accounts found at run time) or split it across deployments`,
    );
  }
  const accounts: TelnyxAccountSettings[] = [];
  const secretOwners = new Map<string, string>();
  value.forEach((entry: unknown, index) => {
    const path = `telnyxAccounts[${index}]`;
    const raw = objectAt(entry, path, ['name', 'apiKeySecret', 'webhookPublicKey'], problems);
    if (!raw) return;
    const nameProblem = accountNameProblem(raw.name);
    if (nameProblem) {
      problems.add(`${path}.name`, raw.name === undefined ? `is required: it ${nameProblem}` : `${show(raw.name)} ${nameProblem}`);
      return;
    }
    const name = raw.name as string;
    if (accounts.some((account) => account.name === name)) {
      problems.add(`${path}.name`, `"${name}" is listed twice: give each account its own name`);
      return;
    }
    let apiKeySecret = defaultSecret;
    let webhookPublicKey: string | undefined;
    if (name === DEFAULT_ACCOUNT_NAME) {
      if (raw.apiKeySecret !== undefined) {
        problems.add(
          `${path}.apiKeySecret`,
          `the "${DEFAULT_ACCOUNT_NAME}" account's key is telnyxApiKeySecret, as in a single-account deployment: move the setting there, or leave both out for the secret the stack creates`,
        );
      }
      if (raw.webhookPublicKey !== undefined) {
        problems.add(
          `${path}.webhookPublicKey`,
          `the "${DEFAULT_ACCOUNT_NAME}" account's webhook key is webhook.publicKey, as in a single-account deployment: move it there`,
        );
      }
    } else {
      apiKeySecret = parseSecretSource(raw.apiKeySecret, `${path}.apiKeySecret`, problems);
      webhookPublicKey = publicKeyAt(raw.webhookPublicKey, `${path}.webhookPublicKey`, `or leave it out to watch "${name}" on the schedule alone`, problems);
    }
    const secretId = existingSecretId(apiKeySecret);
    const owner = secretId === undefined ? undefined : secretOwners.get(secretId);
    if (owner !== undefined) {
      problems.add(
        name === DEFAULT_ACCOUNT_NAME ? 'telnyxApiKeySecret' : `${path}.apiKeySecret`,
        `${show(secretId)} is also account "${owner}"'s secret: the same Telnyx account watched twice alerts twice, so give each account the secret of its own key`,
      );
    }
    if (secretId !== undefined) secretOwners.set(secretId, name);
    accounts.push({ name, apiKeySecret, ...(webhookPublicKey ? { webhookPublicKey } : {}) });
  });
  // Whether the accounts' secret ids fit the poller's environment is checked with every other variable (PollerFunction).
  return accounts;
}

/** A webhook public key as the Telnyx portal shows it, or undefined (unset, or a problem added). */
function publicKeyAt(value: unknown, path: string, orElse: string, problems: Problems): string | undefined {
  if (value === undefined) return undefined;
  const publicKey = stringAt(value, path, problems);
  const problem = publicKey === undefined ? null : ed25519PublicKeyProblem(publicKey);
  if (problem) problems.add(path, `${problem}; ${orElse}`);
  return publicKey && !problem ? publicKey : undefined;
}

function parseWebhookSettings(value: unknown, watchesDefault: boolean, problems: Problems): WebhookSettings | undefined {
  if (value === undefined) return undefined;
  const fields = objectAt(value, 'webhook', ['publicKey'], problems);
  if (!fields) return undefined;
  const orElse = 'or remove webhook to poll on the schedule alone';
  if (fields.publicKey === undefined) problems.add('webhook.publicKey', `${ed25519PublicKeyProblem('')}; ${orElse}`);
  const publicKey = publicKeyAt(fields.publicKey, 'webhook.publicKey', orElse, problems);
  if (publicKey && !watchesDefault) {
    problems.add(
      'webhook.publicKey',
      `is the webhook key of the account named "${DEFAULT_ACCOUNT_NAME}", which this deployment does not watch: give it to the account it belongs to, as its webhookPublicKey in telnyxAccounts`,
    );
  }
  return publicKey ? { publicKey } : undefined;
}

/**
 * Validates one deployment's raw settings. Every problem is reported at once, each naming the setting
 * (as a path such as `alerts.sms[0].phoneNumber`) and how to fix it; `source` says where they came from.
 */
export function parseConfig(raw: unknown, source: string): PortoutWatchConfig {
  const problems = new Problems();
  const fields = objectAt(raw ?? {}, '', TOP_LEVEL, problems) ?? {};

  const account = stringAt(fields.account, 'account', problems);
  if (account !== undefined && !ACCOUNT.test(account)) problems.add('account', `${show(account)} must be a 12-digit AWS account id`);
  const region = stringAt(fields.region, 'region', problems);
  if (region !== undefined && !REGION.test(region)) problems.add('region', `${show(region)} is not an AWS region such as us-east-1`);

  const expression = stringAt(fields.schedule, 'schedule', problems) ?? CONFIG_DEFAULTS.schedule;
  const parsedSchedule = parseSchedule(expression);
  let schedule: PollSchedule | undefined;
  if (typeof parsedSchedule === 'string') problems.add('schedule', parsedSchedule);
  else if (parsedSchedule.intervalMinutes > MAX_INTERVAL_MINUTES) {
    problems.add('schedule', `${show(expression)} is longer than ${MAX_INTERVAL_MINUTES / 60} hours: the heartbeat alarm looks back three intervals, at most one day`);
  } else schedule = parsedSchedule;

  const poller = parsePollerSettings(fields.poller, problems);
  const telnyxApiKeySecret = parseSecretSource(fields.telnyxApiKeySecret, 'telnyxApiKeySecret', problems);
  const { accounts, managed } = parseAccounts(fields, telnyxApiKeySecret, problems);
  const fn = parseFunctionSettings(fields.function, schedule, poller, accounts !== undefined, problems);

  const table = objectAt(fields.table, 'table', ['encryption'], problems) ?? {};
  const encryption = stringAt(table.encryption, 'table.encryption', problems) ?? CONFIG_DEFAULTS.tableEncryption;
  if (!(TABLE_ENCRYPTIONS as readonly string[]).includes(encryption)) {
    problems.add('table.encryption', `${show(encryption)} must be one of ${oneOf(TABLE_ENCRYPTIONS)}`);
  } else if (encryption === 'customer-managed' && region === undefined) {
    problems.add('table.encryption', '"customer-managed" needs the stack\'s region: set region (and account) in the same config, or for the PortoutWatch construct in its stack\'s env');
  }

  const alerts = objectAt(fields.alerts, 'alerts', ['displayName', 'email', 'sms', 'slack', 'teams'], problems) ?? {};
  const displayName = stringAt(alerts.displayName, 'alerts.displayName', problems) ?? CONFIG_DEFAULTS.displayName;
  if (!DISPLAY_NAME.test(displayName)) {
    problems.add(
      'alerts.displayName',
      `${show(displayName)} is too long or has other characters: SNS puts it in front of every SMS, so use at most 10 of A-Z a-z 0-9 space _ - (or leave it empty)`,
    );
  }
  const filterAccounts: FilterAccounts = accounts && { configured: accounts.map((a) => a.name), managed: managed !== undefined };
  const email = parseSubscriptions(
    alerts.email,
    'alerts.email',
    'address',
    (value, path) => emailAt(value, path, problems),
    (address, filterPolicy) => ({ address, ...(filterPolicy ? { filterPolicy } : {}) }),
    filterAccounts,
    problems,
  );
  const sms = parseSubscriptions(
    alerts.sms,
    'alerts.sms',
    'phoneNumber',
    (value, path) => phoneAt(value, path, problems),
    (phoneNumber, filterPolicy) => ({ phoneNumber, ...(filterPolicy ? { filterPolicy } : {}) }),
    filterAccounts,
    problems,
  );

  const slack = parseChatChannels(
    alerts.slack,
    'alerts.slack',
    [
      {
        key: 'workspaceId',
        check: mustMatch(SLACK_WORKSPACE_ID, 'is not a Slack workspace id: copy it from the Chatbot console (e.g. T07EA123LEP)'),
        example: 'T07EA123LEP (from the Chatbot console, after authorizing the workspace)',
      },
      {
        key: 'channelId',
        check: mustMatch(SLACK_CHANNEL_ID, "is not a Slack channel id: use the id from the channel's details (e.g. C07EZ1ABC23), not its name"),
        example: "C07EZ1ABC23 (the channel's details in Slack)",
      },
    ],
    (ids, filterPolicy) => ({
      workspaceId: ids.workspaceId ?? '',
      channelId: ids.channelId ?? '',
      ...(filterPolicy ? { filterPolicy } : {}),
    }),
    filterAccounts,
    problems,
  );
  const teams = parseChatChannels(
    alerts.teams,
    'alerts.teams',
    [
      {
        key: 'teamId',
        check: mustMatch(UUID, 'is not a Microsoft Teams team id: copy the groupId from the channel link, a UUID'),
        example: 'the groupId in the channel link, a UUID',
      },
      {
        key: 'channelId',
        check: (id) =>
          TEAMS_CHANNEL_ID.test(teamsChannelId(id))
            ? undefined
            : 'is not a Microsoft Teams channel id: copy it from the channel link, e.g. 19%3a0123abcd%40thread.tacv2',
        example: '19%3a0123abcd%40thread.tacv2 (from the channel link)',
      },
      {
        key: 'tenantId',
        check: mustMatch(UUID, 'is not a Microsoft Entra tenant id: copy the tenantId from the channel link, a UUID'),
        example: 'the tenantId in the channel link, a UUID',
      },
    ],
    (ids, filterPolicy) => ({
      teamId: ids.teamId ?? '',
      channelId: teamsChannelId(ids.channelId ?? ''),
      tenantId: ids.tenantId ?? '',
      ...(filterPolicy ? { filterPolicy } : {}),
    }),
    filterAccounts,
    problems,
  );

  const operations = objectAt(fields.operations, 'operations', ['alarmEmail', 'dashboard'], problems) ?? {};
  const alarmEmail = operations.alarmEmail === undefined ? undefined : emailAt(operations.alarmEmail, 'operations.alarmEmail', problems);
  const dashboard = operations.dashboard ?? false;
  if (typeof dashboard !== 'boolean') {
    problems.add('operations.dashboard', `${show(dashboard)} must be true (a CloudWatch dashboard, $3.00 a month beyond the account's three free ones) or false`);
  }
  const webhook = parseWebhookSettings(fields.webhook, accounts === undefined || accounts.some((a) => a.name === DEFAULT_ACCOUNT_NAME), problems);

  if (problems.messages.length > 0 || !schedule) {
    throw new ConfigError(`invalid portout-watch configuration in ${source}:\n  - ${problems.messages.join('\n  - ')}`);
  }
  return {
    ...(account ? { account } : {}),
    ...(region ? { region } : {}),
    schedule,
    function: fn,
    poller,
    telnyxApiKeySecret,
    ...(accounts ? { telnyxAccounts: accounts } : {}),
    ...(managed ? { managedAccounts: managed } : {}),
    table: { encryption: encryption as TableEncryption },
    alerts: { displayName, email, sms, slack, teams },
    operations: { ...(alarmEmail ? { alarmEmail } : {}), dashboard: dashboard === true },
    ...(webhook ? { webhook } : {}),
  };
}
