import * as v from 'valibot';
import type { ChatTopic } from './adapters/sns-notifier.ts';
import { DEFAULT_ALERT_POLICY, type AlertPolicy } from './core/policy.ts';

/**
 * The poller's environment, declared once. The stack sets these variables from the names below,
 * and `npm start` sets them for the local run.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  topicArn: 'TOPIC_ARN',
  apiKeySecretArn: 'TELNYX_API_KEY_SECRET_ARN',
  apiKey: 'TELNYX_API_KEY',
  telnyxBaseUrl: 'TELNYX_BASE_URL',
  listConcurrency: 'LIST_CONCURRENCY',
  telnyxTimeoutMs: 'TELNYX_TIMEOUT_MS',
  secretCacheSeconds: 'SECRET_CACHE_SECONDS',
  closedRetentionDays: 'CLOSED_RETENTION_DAYS',
  deadlineMarginMs: 'DEADLINE_MARGIN_MS',
  firstRunSummary: 'FIRST_RUN_SUMMARY',
  digestThreshold: 'DIGEST_THRESHOLD',
  focReminderHours: 'FOC_REMINDER_HOURS',
  watchRejected: 'WATCH_REJECTED',
  watchComments: 'WATCH_COMMENTS',
  lookbackHours: 'LOOKBACK_HOURS',
  smsDisplayName: 'SMS_DISPLAY_NAME',
  chatTopics: 'CHAT_TOPICS',
  // Several Telnyx accounts (#13): set by the stack from telnyxAccounts and managedAccounts.
  telnyxAccounts: 'TELNYX_ACCOUNTS',
  managerKeySecretArn: 'MANAGER_KEY_SECRET_ARN',
  managerApiKey: 'MANAGER_API_KEY',
  telnyxConcurrency: 'TELNYX_CONCURRENCY',
  accountConcurrency: 'ACCOUNT_CONCURRENCY',
} as const;

/** SNS puts the topic's display name before every SMS; longer names leave too little of one segment. */
export const MAX_SMS_DISPLAY_NAME = 10;

export const DEFAULTS = {
  telnyxBaseUrl: 'https://api.telnyx.com/v2',
  listConcurrency: 4,
  telnyxTimeoutMs: 10_000,
  // The key is re-read on a 401, so a long cache costs nothing when it rotates.
  secretCacheSeconds: 86_400,
  closedRetentionDays: 90,
  deadlineMarginMs: 5_000,
  // Telnyx requests in flight for the whole run, all accounts together: a fleet can't flood the API.
  telnyxConcurrency: 16,
  accountConcurrency: 8,
} as const;

export type ApiKeySource = { kind: 'secret'; secretId: string } | { kind: 'env'; apiKey: string };

export interface PollerConfig {
  tableName: string;
  topicArn: string;
  apiKey: ApiKeySource;
  telnyxBaseUrl: string;
  listConcurrency: number;
  telnyxTimeoutMs: number;
  secretCacheSeconds: number;
  closedRetentionDays: number;
  deadlineMarginMs: number;
  /** Empty unless Slack or Teams is configured. */
  chatTopics: ChatTopic[];
  alertPolicy: AlertPolicy;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** TLS is required for anything that carries the API key, except a simulator on this machine. */
export function isAllowedTelnyxBaseUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  // The URL parser normalizes IPv4 literals to dotted decimal; a name like 127.example.com is not loopback.
  return url.protocol === 'http:' && (LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname));
}

// Table names: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const SECRET_ID = /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|[A-Za-z0-9/_+=.@-]{1,512})$/;

function required(name: string, fix: string) {
  return v.pipe(
    v.string(`${name} is not set: ${fix}`),
    v.trim(),
    v.nonEmpty(`${name} is not set: ${fix}`),
  );
}

function integer(name: string, min: number, max: number, fallback: number) {
  return v.pipe(
    v.optional(v.string(), String(fallback)),
    v.trim(),
    v.regex(/^\d+$/, `${name} must be a whole number from ${min} to ${max}`),
    v.transform(Number),
    v.minValue(min, `${name} must be a whole number from ${min} to ${max}`),
    v.maxValue(max, `${name} must be a whole number from ${min} to ${max}`),
  );
}

function flag(name: string, fallback: boolean) {
  return v.pipe(
    v.optional(v.string(), String(fallback)),
    v.trim(),
    v.toLowerCase(),
    v.picklist(['true', 'false'], `${name} must be true or false`),
    v.transform((value) => value === 'true'),
  );
}

/** A comma-separated list of whole hours, e.g. "24,4"; empty turns reminders off. */
function hoursList(name: string, fallback: readonly number[]) {
  const message = `${name} must be a comma-separated list of whole hours from 1 to 720, e.g. 24,4 (or empty for none)`;
  return v.pipe(
    v.optional(v.string(), fallback.join(',')),
    v.trim(),
    v.regex(/^(\d+(\s*,\s*\d+)*)?$/, message),
    v.transform((value) => (value === '' ? [] : [...new Set(value.split(',').map(Number))].sort((a, b) => b - a))),
    v.check((hours) => hours.every((h) => h >= 1 && h <= 720), message),
  );
}

/** A JSON list of { topicArn, filterPolicy? }: the stack writes it from alerts.slack and alerts.teams. */
function chatTopicList(name: string) {
  const message = `${name} must be a JSON list of { "topicArn": an SNS topic ARN, "filterPolicy"?: { attribute: [values] or { "anythingBut": [values] } } }: the stack sets it from alerts.slack and alerts.teams`;
  return v.pipe(
    v.optional(v.string(), '[]'),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      try {
        return JSON.parse(dataset.value) as unknown;
      } catch {
        addIssue({ message });
        return NEVER;
      }
    }),
    v.array(
      v.strictObject(
        {
          topicArn: v.pipe(v.string(message), v.regex(TOPIC_ARN, message)),
          filterPolicy: v.optional(
            v.record(v.string(), v.union([v.array(v.string()), v.strictObject({ anythingBut: v.array(v.string()) })], message), message),
          ),
        },
        message,
      ),
      message,
    ),
  );
}

const EnvSchema = v.object({
  [ENV.tableName]: v.pipe(
    required(ENV.tableName, 'the stack passes it; locally, npm start sets it'),
    v.regex(TABLE_NAME, `${ENV.tableName} is not a valid DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)`),
  ),
  [ENV.topicArn]: v.pipe(
    required(ENV.topicArn, 'the stack passes it; locally, npm start prints alerts unless you set it'),
    v.regex(TOPIC_ARN, `${ENV.topicArn} must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts`),
  ),
  [ENV.apiKeySecretArn]: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.regex(SECRET_ID, `${ENV.apiKeySecretArn} must be a Secrets Manager secret ARN or name`),
    ),
  ),
  [ENV.apiKey]: v.optional(v.pipe(v.string(), v.trim())),
  [ENV.telnyxBaseUrl]: v.pipe(
    v.optional(v.string(), DEFAULTS.telnyxBaseUrl),
    v.trim(),
    v.check(
      isAllowedTelnyxBaseUrl,
      `${ENV.telnyxBaseUrl} must be an https:// URL (plain http:// is allowed only for loopback, e.g. the local simulator)`,
    ),
  ),
  [ENV.listConcurrency]: integer(ENV.listConcurrency, 1, 16, DEFAULTS.listConcurrency),
  [ENV.telnyxConcurrency]: integer(ENV.telnyxConcurrency, 1, 64, DEFAULTS.telnyxConcurrency),
  [ENV.accountConcurrency]: integer(ENV.accountConcurrency, 1, 64, DEFAULTS.accountConcurrency),
  [ENV.telnyxTimeoutMs]: integer(ENV.telnyxTimeoutMs, 100, 120_000, DEFAULTS.telnyxTimeoutMs),
  [ENV.secretCacheSeconds]: integer(ENV.secretCacheSeconds, 0, 604_800, DEFAULTS.secretCacheSeconds),
  [ENV.closedRetentionDays]: integer(ENV.closedRetentionDays, 1, 3_650, DEFAULTS.closedRetentionDays),
  [ENV.deadlineMarginMs]: integer(ENV.deadlineMarginMs, 0, 60_000, DEFAULTS.deadlineMarginMs),
  [ENV.firstRunSummary]: flag(ENV.firstRunSummary, DEFAULT_ALERT_POLICY.firstRunSummary),
  [ENV.digestThreshold]: integer(ENV.digestThreshold, 1, 1_000, DEFAULT_ALERT_POLICY.digestThreshold),
  [ENV.focReminderHours]: hoursList(ENV.focReminderHours, DEFAULT_ALERT_POLICY.reminderHours),
  [ENV.watchRejected]: flag(ENV.watchRejected, DEFAULT_ALERT_POLICY.watchRejected),
  [ENV.watchComments]: flag(ENV.watchComments, DEFAULT_ALERT_POLICY.watchComments),
  [ENV.lookbackHours]: integer(ENV.lookbackHours, 1, 720, DEFAULT_ALERT_POLICY.lookbackHours),
  [ENV.chatTopics]: chatTopicList(ENV.chatTopics),
  [ENV.smsDisplayName]: v.pipe(
    v.optional(v.string(), ''),
    v.maxLength(MAX_SMS_DISPLAY_NAME, `${ENV.smsDisplayName} must be at most ${MAX_SMS_DISPLAY_NAME} characters (SNS puts it before every SMS)`),
  ),
});

/** Reads and validates the poller's environment; every problem is reported at once, each naming its variable. */
export function parsePollerConfig(env: Record<string, string | undefined>): PollerConfig {
  // Every variable is passed, set or not: valibot reports a missing key with its own generic message, not ours.
  const input = Object.fromEntries(Object.values(ENV).map((name) => [name, env[name]]));
  const result = v.safeParse(EnvSchema, input);
  const problems = result.success ? [] : result.issues.map((issue) => issue.message);
  const secretId = env[ENV.apiKeySecretArn]?.trim();
  const apiKey = env[ENV.apiKey]?.trim();
  const apiKeySource: ApiKeySource | undefined = secretId
    ? { kind: 'secret', secretId }
    : apiKey
      ? { kind: 'env', apiKey }
      : undefined;
  if (!apiKeySource) {
    problems.push(
      `neither ${ENV.apiKeySecretArn} nor ${ENV.apiKey} is set: the stack passes the secret's ARN; locally, export ${ENV.apiKey} or let npm start use the simulator`,
    );
  }
  if (result.success && result.output[ENV.closedRetentionDays] * 24 <= result.output[ENV.lookbackHours]) {
    // A closed record must outlive the look-back, or a request you rejected would come back as possible fraud.
    problems.push(`${ENV.closedRetentionDays} (in days) must be longer than ${ENV.lookbackHours}: raise it or shorten the look-back`);
  }
  if (!result.success || !apiKeySource || problems.length > 0) {
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const out = result.output;
  return {
    tableName: out[ENV.tableName],
    topicArn: out[ENV.topicArn],
    apiKey: apiKeySource,
    telnyxBaseUrl: out[ENV.telnyxBaseUrl],
    listConcurrency: out[ENV.listConcurrency],
    telnyxTimeoutMs: out[ENV.telnyxTimeoutMs],
    secretCacheSeconds: out[ENV.secretCacheSeconds],
    closedRetentionDays: out[ENV.closedRetentionDays],
    deadlineMarginMs: out[ENV.deadlineMarginMs],
    chatTopics: out[ENV.chatTopics].map(({ topicArn, filterPolicy }) => ({ topicArn, ...(filterPolicy ? { filterPolicy } : {}) })),
    alertPolicy: {
      firstRunSummary: out[ENV.firstRunSummary],
      digestThreshold: out[ENV.digestThreshold],
      reminderHours: out[ENV.focReminderHours],
      watchRejected: out[ENV.watchRejected],
      watchComments: out[ENV.watchComments],
      lookbackHours: out[ENV.lookbackHours],
      render: { displayName: out[ENV.smsDisplayName] },
    },
  };
}
