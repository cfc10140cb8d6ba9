import { describe, expect, it } from 'vitest';
import { ConfigError, parsePollerConfig, watchesSeveralAccounts, type PollerConfig } from '../../../functions/poller/config.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:telnyx-api-key-AbCdEf';
const API_KEY = 'KEY0123456789ABCDEF_do-not-echo';

type Env = Record<string, string | undefined>;

/** The environment the stack sets, with only the required variables. */
function stackEnv(overrides: Env = {}): Env {
  return {
    TABLE_NAME: 'portout-watch-state',
    TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:portout-alerts',
    TELNYX_API_KEY_SECRET_ARN: SECRET_ARN,
    ...overrides,
  };
}

/** The environment `npm start` sets: a key instead of a secret. */
function localEnv(overrides: Env = {}): Env {
  return stackEnv({ TELNYX_API_KEY_SECRET_ARN: undefined, TELNYX_API_KEY: API_KEY, ...overrides });
}

function configError(env: Env): ConfigError {
  try {
    parsePollerConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the environment parsed');
}

describe('parsePollerConfig', () => {
  it('parses the stack environment to the exact config, with every default applied', () => {
    expect(parsePollerConfig(stackEnv())).toEqual({
      tableName: 'portout-watch-state',
      topicArn: 'arn:aws:sns:us-east-1:123456789012:portout-alerts',
      accounts: [{ name: 'default', apiKey: { kind: 'secret', secretId: SECRET_ARN } }],
      manager: null,
      telnyxConcurrency: 16,
      accountConcurrency: 8,
      telnyxBaseUrl: 'https://api.telnyx.com/v2',
      listConcurrency: 4,
      telnyxTimeoutMs: 10_000,
      secretCacheSeconds: 86_400,
      closedRetentionDays: 90,
      deadlineMarginMs: 5_000,
      chatTopics: [],
      alertPolicy: {
        firstRunSummary: true,
        digestThreshold: 10,
        reminderHours: [24],
        watchRejected: true,
        watchComments: true,
        lookbackHours: 72,
        render: { displayName: '' },
      },
    } satisfies PollerConfig);
  });

  it('reads every optional variable when set, trimming whitespace', () => {
    expect(
      parsePollerConfig(
        localEnv({
          TABLE_NAME: ' portout-watch-state ',
          TELNYX_BASE_URL: 'http://127.0.0.1:8080/v2',
          LIST_CONCURRENCY: '2',
          TELNYX_TIMEOUT_MS: '2500',
          SECRET_CACHE_SECONDS: '0',
          CLOSED_RETENTION_DAYS: '30',
          DEADLINE_MARGIN_MS: '1000',
          FIRST_RUN_SUMMARY: 'FALSE',
          DIGEST_THRESHOLD: '25',
          FOC_REMINDER_HOURS: '4, 24,4',
          WATCH_REJECTED: 'false',
          WATCH_COMMENTS: 'false',
          LOOKBACK_HOURS: '168',
          SMS_DISPLAY_NAME: 'PortWatch',
          TELNYX_CONCURRENCY: '64',
          ACCOUNT_CONCURRENCY: ' 1 ',
        }),
      ),
    ).toEqual({
      tableName: 'portout-watch-state',
      topicArn: 'arn:aws:sns:us-east-1:123456789012:portout-alerts',
      accounts: [{ name: 'default', apiKey: { kind: 'env', apiKey: API_KEY } }],
      manager: null,
      telnyxConcurrency: 64,
      accountConcurrency: 1,
      telnyxBaseUrl: 'http://127.0.0.1:8080/v2',
      listConcurrency: 2,
      telnyxTimeoutMs: 2_500,
      secretCacheSeconds: 0,
      closedRetentionDays: 30,
      deadlineMarginMs: 1_000,
      chatTopics: [],
      alertPolicy: {
        firstRunSummary: false,
        digestThreshold: 25,
        reminderHours: [24, 4],
        watchRejected: false,
        watchComments: false,
        lookbackHours: 168,
        render: { displayName: 'PortWatch' },
      },
    } satisfies PollerConfig);
  });

  it('reads the chat topics and their filter policies from CHAT_TOPICS', () => {
    const chatTopics = [
      { topicArn: 'arn:aws:sns:us-east-1:123456789012:portout-chat-all' },
      {
        topicArn: 'arn:aws:sns:us-east-1:123456789012:portout-chat-fraud',
        filterPolicy: { eventType: ['possible-fraud'], countryCodes: { anythingBut: ['CA'] } },
      },
    ];
    expect(parsePollerConfig(stackEnv({ CHAT_TOPICS: JSON.stringify(chatTopics) })).chatTopics).toEqual(chatTopics);
  });

  it('turns FOC reminders off with an empty list', () => {
    expect(parsePollerConfig(stackEnv({ FOC_REMINDER_HOURS: '' })).alertPolicy.reminderHours).toEqual([]);
  });

  it('uses the secret, not the env key, when both are set', () => {
    expect(parsePollerConfig(stackEnv({ TELNYX_API_KEY: API_KEY })).accounts).toEqual([
      { name: 'default', apiKey: { kind: 'secret', secretId: SECRET_ARN } },
    ]);
  });

  it('accepts a secret name as well as its ARN', () => {
    expect(parsePollerConfig(stackEnv({ TELNYX_API_KEY_SECRET_ARN: 'portout-watch/telnyx-api-key' })).accounts[0]?.apiKey).toEqual({
      kind: 'secret',
      secretId: 'portout-watch/telnyx-api-key',
    });
  });

  it.each([
    { name: 'https', url: 'https://api.telnyx.com/v2' },
    { name: 'https on a custom host and port', url: 'https://telnyx-proxy.internal.example:8443/v2' },
    { name: 'the local simulator on 127.0.0.1', url: 'http://127.0.0.1:8080/v2' },
    { name: 'another 127/8 address', url: 'http://127.0.0.2:8080/v2' },
    { name: 'http on localhost', url: 'http://localhost' },
    { name: 'http on IPv6 loopback', url: 'http://[::1]:8080/v2' },
  ])('accepts TELNYX_BASE_URL $name ($url)', ({ url }) => {
    expect(parsePollerConfig(stackEnv({ TELNYX_BASE_URL: url })).telnyxBaseUrl).toBe(url);
  });

  it.each([
    { value: '4', expected: 4 },
    { value: '1', expected: 1 },
    { value: '16', expected: 16 },
    { value: ' 8 ', expected: 8 },
  ])('accepts LIST_CONCURRENCY $value', ({ value, expected }) => {
    expect(parsePollerConfig(stackEnv({ LIST_CONCURRENCY: value })).listConcurrency).toBe(expected);
  });

  it.each([
    { value: '100', expected: 100 },
    { value: '120000', expected: 120_000 },
  ])('accepts TELNYX_TIMEOUT_MS $value at its bound', ({ value, expected }) => {
    expect(parsePollerConfig(stackEnv({ TELNYX_TIMEOUT_MS: value })).telnyxTimeoutMs).toBe(expected);
  });

  const concurrency = 'LIST_CONCURRENCY must be a whole number from 1 to 16';
  const timeout = 'TELNYX_TIMEOUT_MS must be a whole number from 100 to 120000';
  const baseUrl = 'TELNYX_BASE_URL must be an https:// URL';
  const secret = 'TELNYX_API_KEY_SECRET_ARN must be a Secrets Manager secret ARN or name';
  const noKey = 'neither TELNYX_API_KEY_SECRET_ARN nor TELNYX_API_KEY is set';
  const tableName = 'TABLE_NAME is not a valid DynamoDB table name';
  const chatTopics = 'CHAT_TOPICS must be a JSON list of { "topicArn": an SNS topic ARN';
  it.each([
    { name: 'TABLE_NAME missing', env: stackEnv({ TABLE_NAME: undefined }), says: 'TABLE_NAME is not set: the stack passes it' },
    { name: 'TABLE_NAME blank', env: stackEnv({ TABLE_NAME: '  ' }), says: 'TABLE_NAME is not set: the stack passes it' },
    { name: 'TABLE_NAME too short', env: stackEnv({ TABLE_NAME: 'ab' }), says: tableName },
    { name: 'TABLE_NAME with a slash', env: stackEnv({ TABLE_NAME: 'portout/state' }), says: tableName },
    { name: 'TOPIC_ARN missing', env: stackEnv({ TOPIC_ARN: undefined }), says: 'TOPIC_ARN is not set: the stack passes it' },
    { name: 'TOPIC_ARN a bare name', env: stackEnv({ TOPIC_ARN: 'portout-alerts' }), says: 'TOPIC_ARN must be an SNS topic ARN' },
    {
      name: 'TOPIC_ARN for another service',
      env: stackEnv({ TOPIC_ARN: 'arn:aws:sqs:us-east-1:123456789012:portout-alerts' }),
      says: 'TOPIC_ARN must be an SNS topic ARN',
    },
    {
      name: 'a secret ARN with a short account id',
      env: stackEnv({ TELNYX_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:12345:secret:telnyx' }),
      says: secret,
    },
    { name: 'a secret name with a space', env: stackEnv({ TELNYX_API_KEY_SECRET_ARN: 'telnyx api key' }), says: secret },
    { name: 'neither secret nor key', env: stackEnv({ TELNYX_API_KEY_SECRET_ARN: undefined }), says: noKey },
    { name: 'a blank key and no secret', env: localEnv({ TELNYX_API_KEY: '   ' }), says: noKey },
    { name: 'TELNYX_BASE_URL plain http off this machine', env: stackEnv({ TELNYX_BASE_URL: 'http://api.telnyx.com/v2' }), says: baseUrl },
    {
      name: 'TELNYX_BASE_URL plain http to a name that merely starts with 127.',
      env: stackEnv({ TELNYX_BASE_URL: 'http://127.attacker.example/v2' }),
      says: baseUrl,
    },
    { name: 'TELNYX_BASE_URL not a URL', env: stackEnv({ TELNYX_BASE_URL: 'not-a-url' }), says: baseUrl },
    { name: 'TELNYX_BASE_URL with another scheme', env: stackEnv({ TELNYX_BASE_URL: 'ftp://api.telnyx.com/v2' }), says: baseUrl },
    { name: 'LIST_CONCURRENCY 0', env: stackEnv({ LIST_CONCURRENCY: '0' }), says: concurrency },
    { name: 'LIST_CONCURRENCY 17', env: stackEnv({ LIST_CONCURRENCY: '17' }), says: concurrency },
    { name: 'LIST_CONCURRENCY abc', env: stackEnv({ LIST_CONCURRENCY: 'abc' }), says: concurrency },
    { name: 'LIST_CONCURRENCY 2.5', env: stackEnv({ LIST_CONCURRENCY: '2.5' }), says: concurrency },
    { name: 'LIST_CONCURRENCY -1', env: stackEnv({ LIST_CONCURRENCY: '-1' }), says: concurrency },
    { name: 'TELNYX_TIMEOUT_MS below 100', env: stackEnv({ TELNYX_TIMEOUT_MS: '99' }), says: timeout },
    { name: 'TELNYX_TIMEOUT_MS above 120000', env: stackEnv({ TELNYX_TIMEOUT_MS: '120001' }), says: timeout },
    { name: 'TELNYX_TIMEOUT_MS in seconds', env: stackEnv({ TELNYX_TIMEOUT_MS: '10s' }), says: timeout },
    { name: 'FIRST_RUN_SUMMARY yes', env: stackEnv({ FIRST_RUN_SUMMARY: 'yes' }), says: 'FIRST_RUN_SUMMARY must be true or false' },
    { name: 'WATCH_REJECTED 1', env: stackEnv({ WATCH_REJECTED: '1' }), says: 'WATCH_REJECTED must be true or false' },
    { name: 'WATCH_COMMENTS on', env: stackEnv({ WATCH_COMMENTS: 'on' }), says: 'WATCH_COMMENTS must be true or false' },
    {
      name: 'closed records that expire before the look-back ends',
      env: stackEnv({ CLOSED_RETENTION_DAYS: '2', LOOKBACK_HOURS: '72' }),
      says: 'CLOSED_RETENTION_DAYS (in days) must be longer than LOOKBACK_HOURS',
    },
    { name: 'DIGEST_THRESHOLD 0', env: stackEnv({ DIGEST_THRESHOLD: '0' }), says: 'DIGEST_THRESHOLD must be a whole number from 1 to 1000' },
    { name: 'LOOKBACK_HOURS 0', env: stackEnv({ LOOKBACK_HOURS: '0' }), says: 'LOOKBACK_HOURS must be a whole number from 1 to 720' },
    { name: 'FOC_REMINDER_HOURS 24h', env: stackEnv({ FOC_REMINDER_HOURS: '24h' }), says: 'FOC_REMINDER_HOURS must be a comma-separated list' },
    { name: 'FOC_REMINDER_HOURS 0', env: stackEnv({ FOC_REMINDER_HOURS: '24,0' }), says: 'FOC_REMINDER_HOURS must be a comma-separated list' },
    { name: 'CHAT_TOPICS not JSON', env: stackEnv({ CHAT_TOPICS: '[{topicArn' }), says: chatTopics },
    { name: 'CHAT_TOPICS an object', env: stackEnv({ CHAT_TOPICS: '{"topicArn":"x"}' }), says: chatTopics },
    { name: 'CHAT_TOPICS with a bare topic name', env: stackEnv({ CHAT_TOPICS: '[{"topicArn":"portout-chat"}]' }), says: chatTopics },
    {
      name: 'CHAT_TOPICS with a filter value that is not a list',
      env: stackEnv({ CHAT_TOPICS: '[{"topicArn":"arn:aws:sns:us-east-1:123456789012:c","filterPolicy":{"eventType":"new"}}]' }),
      says: chatTopics,
    },
    {
      name: 'SMS_DISPLAY_NAME too long',
      env: stackEnv({ SMS_DISPLAY_NAME: 'Portout Watcher' }),
      says: 'SMS_DISPLAY_NAME must be at most 10 characters',
    },
  ])('rejects $name with a ConfigError naming the variable', ({ env, says }) => {
    const error = configError(env);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain(`invalid configuration: ${says}`);
  });

  it('reports every problem in one message, one per variable', () => {
    const error = configError({
      TOPIC_ARN: 'portout-alerts',
      TELNYX_BASE_URL: 'http://api.telnyx.com/v2',
      LIST_CONCURRENCY: '0',
      TELNYX_TIMEOUT_MS: '99',
    });

    const problems = [
      'TABLE_NAME is not set: the stack passes it; locally, npm start sets it',
      'TOPIC_ARN must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts',
      'TELNYX_BASE_URL must be an https:// URL (plain http:// is allowed only for loopback, e.g. the local simulator)',
      'LIST_CONCURRENCY must be a whole number from 1 to 16',
      'TELNYX_TIMEOUT_MS must be a whole number from 100 to 120000',
      "neither TELNYX_API_KEY_SECRET_ARN nor TELNYX_API_KEY is set: the stack passes the secret's ARN; locally, export TELNYX_API_KEY or let npm start use the simulator",
    ];
    expect(error.message).toBe(`invalid configuration: ${problems.join('; ')}`);
  });

  it.each([
    { name: 'a bad TABLE_NAME', env: localEnv({ TABLE_NAME: 'ab' }) },
    { name: 'a bad TELNYX_BASE_URL', env: localEnv({ TELNYX_BASE_URL: 'http://api.telnyx.com/v2' }) },
    { name: 'a bad secret ARN next to the key', env: localEnv({ TELNYX_API_KEY_SECRET_ARN: 'telnyx api key' }) },
    { name: 'several bad variables', env: localEnv({ TOPIC_ARN: 'x', LIST_CONCURRENCY: 'abc' }) },
  ])('never echoes the API key in an error raised by $name', ({ env }) => {
    const error = configError(env);
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).not.toContain('do-not-echo');
  });
});

describe('parsePollerConfig: several Telnyx accounts', () => {
  const MANAGER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:telnyx-manager-AbCdEf';
  const accountsEnv = (accounts: unknown, overrides: Env = {}) =>
    stackEnv({ TELNYX_API_KEY_SECRET_ARN: undefined, TELNYX_ACCOUNTS: JSON.stringify(accounts), ...overrides });

  it('reads each account with its secret (or, locally, its key), in order', () => {
    const config = parsePollerConfig(
      accountsEnv([
        { name: 'default', secretId: SECRET_ARN },
        { name: 'brand-b', secretId: 'portout-watch/brand-b' },
        { name: 'lab', apiKey: ` ${API_KEY} ` },
      ]),
    );
    expect(config.accounts).toEqual([
      { name: 'default', apiKey: { kind: 'secret', secretId: SECRET_ARN } },
      { name: 'brand-b', apiKey: { kind: 'secret', secretId: 'portout-watch/brand-b' } },
      { name: 'lab', apiKey: { kind: 'env', apiKey: API_KEY } },
    ]);
    expect(config.manager).toBeNull();
    expect(watchesSeveralAccounts(config)).toBe(true);
  });

  it('unset, it is the one default account, as before: not "several"', () => {
    expect(watchesSeveralAccounts(parsePollerConfig(stackEnv()))).toBe(false);
    expect(watchesSeveralAccounts(parsePollerConfig(accountsEnv([{ name: 'default', secretId: SECRET_ARN }])))).toBe(false);
    expect(watchesSeveralAccounts(parsePollerConfig(accountsEnv([{ name: 'brand-a', secretId: SECRET_ARN }])))).toBe(true);
  });

  it('watches managed accounts from the manager key, with or without configured accounts', () => {
    const onlyManaged = parsePollerConfig(accountsEnv([], { MANAGER_KEY_SECRET_ARN: MANAGER_ARN }));
    expect(onlyManaged.accounts).toEqual([]);
    expect(onlyManaged.manager).toEqual({ kind: 'secret', secretId: MANAGER_ARN });
    expect(watchesSeveralAccounts(onlyManaged)).toBe(true);
    // TELNYX_ACCOUNTS unset: the single account's key, if any, is still watched as `default`.
    expect(parsePollerConfig(stackEnv({ MANAGER_KEY_SECRET_ARN: MANAGER_ARN })).accounts).toEqual([
      { name: 'default', apiKey: { kind: 'secret', secretId: SECRET_ARN } },
    ]);
    expect(parsePollerConfig(stackEnv({ TELNYX_API_KEY_SECRET_ARN: undefined, MANAGER_API_KEY: API_KEY })).manager).toEqual({
      kind: 'env',
      apiKey: API_KEY,
    });
  });

  it.each([
    { name: 'TELNYX_CONCURRENCY 0', env: stackEnv({ TELNYX_CONCURRENCY: '0' }), says: 'TELNYX_CONCURRENCY must be a whole number from 1 to 64' },
    { name: 'TELNYX_CONCURRENCY 65', env: stackEnv({ TELNYX_CONCURRENCY: '65' }), says: 'TELNYX_CONCURRENCY must be a whole number from 1 to 64' },
    { name: 'ACCOUNT_CONCURRENCY 0', env: stackEnv({ ACCOUNT_CONCURRENCY: '0' }), says: 'ACCOUNT_CONCURRENCY must be a whole number from 1 to 64' },
    { name: 'TELNYX_ACCOUNTS not JSON', env: accountsEnv('x', { TELNYX_ACCOUNTS: '[{name' }), says: 'TELNYX_ACCOUNTS must be a JSON list of' },
    { name: 'TELNYX_ACCOUNTS an object', env: accountsEnv({ name: 'a', secretId: SECRET_ARN }), says: 'TELNYX_ACCOUNTS must be a JSON list of' },
    {
      name: 'an entry with an unknown field',
      env: accountsEnv([{ name: 'a', secretId: SECRET_ARN, region: 'eu' }]),
      says: 'TELNYX_ACCOUNTS entry 1: TELNYX_ACCOUNTS must be a JSON list of',
    },
    { name: 'an upper-case name', env: accountsEnv([{ name: 'Brand', secretId: SECRET_ARN }]), says: 'TELNYX_ACCOUNTS entry 1: its name must be 1-20 characters' },
    {
      name: 'a name taking the managed prefix',
      env: accountsEnv([{ name: 'managed-x', secretId: SECRET_ARN }]),
      says: 'TELNYX_ACCOUNTS entry 1: its name must not start with "managed-"',
    },
    {
      name: 'a name used twice',
      env: accountsEnv([{ name: 'a', secretId: SECRET_ARN }, { name: 'a', secretId: 'other' }]),
      says: 'TELNYX_ACCOUNTS entry 2: the name "a" is taken by an earlier entry',
    },
    { name: 'an entry with no key', env: accountsEnv([{ name: 'a' }]), says: 'TELNYX_ACCOUNTS entry 1 ("a"): give either "secretId"' },
    {
      name: 'an entry with both a secret and a key',
      env: accountsEnv([{ name: 'a', secretId: SECRET_ARN, apiKey: API_KEY }]),
      says: 'TELNYX_ACCOUNTS entry 1 ("a"): give either "secretId"',
    },
    { name: 'an entry with a bad secret id', env: accountsEnv([{ name: 'a', secretId: 'has space' }]), says: 'TELNYX_ACCOUNTS entry 1 ("a"): give either' },
    {
      name: 'both TELNYX_ACCOUNTS and the single secret',
      env: accountsEnv([{ name: 'a', secretId: SECRET_ARN }], { TELNYX_API_KEY_SECRET_ARN: SECRET_ARN }),
      says: 'TELNYX_ACCOUNTS and TELNYX_API_KEY_SECRET_ARN (or TELNYX_API_KEY) are both set',
    },
    { name: 'an empty list and no manager', env: accountsEnv([]), says: 'no Telnyx account to watch: set TELNYX_ACCOUNTS' },
    {
      name: 'a bad manager secret',
      env: accountsEnv([], { MANAGER_KEY_SECRET_ARN: 'has space' }),
      says: 'MANAGER_KEY_SECRET_ARN must be a Secrets Manager secret ARN or name',
    },
  ])('rejects $name with a ConfigError naming the variable and the fix', ({ env, says }) => {
    expect(configError(env).message).toContain(says);
  });

  it.each([
    { name: 'a key in an entry with a bad name', accounts: [{ name: 'Bad Name', apiKey: API_KEY }] },
    { name: 'a key in an entry with an unknown field', accounts: [{ name: 'a', apiKey: API_KEY, extra: API_KEY }] },
    { name: 'a key given as a name', accounts: [{ name: API_KEY, secretId: SECRET_ARN }] },
    { name: 'a key next to a secret', accounts: [{ name: 'a', apiKey: API_KEY, secretId: SECRET_ARN }] },
  ])('never echoes a key from TELNYX_ACCOUNTS: $name', ({ accounts }) => {
    const message = configError(accountsEnv(accounts)).message;
    expect(message).not.toContain('do-not-echo');
  });
});
