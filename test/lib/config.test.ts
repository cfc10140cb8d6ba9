import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { ALERT_ATTRIBUTES, EVENT_TYPES } from '../../functions/poller/core/alert-types.ts';
import { PORTOUT_STATUSES } from '../../functions/poller/core/portout.ts';
import { ConfigError, MAX_CONFIGURED_ACCOUNTS, parseConfig, parseSchedule } from '../../lib/config.ts';
import { resolveStages, type ContextReader } from '../../lib/stages.ts';
import { FULL_CONFIG } from './synth.ts';

/** The attributes a user may filter on: all but `audience`, which the stack sets. */
const FILTER_KEYS = Object.values(ALERT_ATTRIBUTES)
  .map((attribute) => attribute.name)
  .filter((name) => name !== 'audience')
  .join(', ');

function problemsOf(raw: unknown): string {
  try {
    parseConfig(raw, 'config/test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

const TEAM = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const TENANT = 'aaaabbbb-cccc-4ddd-8eee-ffff00001111';

describe('parseConfig', () => {
  it('gives every setting a default, so an empty config deploys with no subscriptions', () => {
    expect(parseConfig(undefined, 'cdk.json')).toEqual({
      schedule: { expression: 'rate(5 minutes)', intervalMinutes: 5 },
      function: { memoryMb: 512, timeoutSeconds: 120, logLevel: 'INFO', logRetentionDays: RetentionDays.ONE_YEAR },
      poller: {},
      telnyxApiKeySecret: { kind: 'create' },
      table: { encryption: 'aws-managed' },
      alerts: { displayName: '', email: [], sms: [], slack: [], teams: [] },
      operations: { dashboard: false },
    });
  });

  it('reads every setting, turning bare email addresses into subscriptions', () => {
    const config = parseConfig(FULL_CONFIG, 'test');
    expect(config).toMatchObject({
      account: '123456789012',
      region: 'us-east-1',
      schedule: { expression: 'rate(10 minutes)', intervalMinutes: 10 },
      function: { memoryMb: 512, timeoutSeconds: 90, reservedConcurrency: 1, logLevel: 'DEBUG', logRetentionDays: 30 },
      poller: { listConcurrency: 2, telnyxTimeoutMs: 8000, focReminderHours: [24, 4], watchComments: false, digestThreshold: 20 },
      telnyxApiKeySecret: { kind: 'existing-arn', arn: FULL_CONFIG.telnyxApiKeySecret },
      table: { encryption: 'customer-managed' },
      operations: { alarmEmail: 'oncall@example.com', dashboard: true },
    });
    expect(config.alerts.email).toEqual([
      { address: 'noc@example.com' },
      { address: 'fraud@example.com', filterPolicy: { eventType: ['possible-fraud', 'new'] } },
    ]);
    expect(config.alerts.sms).toEqual([
      {
        phoneNumber: '+14155550100',
        filterPolicy: { eventType: { anythingBut: ['digest', 'new-comment'] }, countryCodes: ['US', 'CA'] },
      },
    ]);
  });

  it('reads Slack and Teams channels, with filter policies as for email, URL-encoding a Teams channel id', () => {
    const config = parseConfig(
      {
        alerts: {
          slack: [{ workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23', filterPolicy: { eventType: ['possible-fraud'] } }],
          teams: [
            { teamId: TEAM, channelId: '19:0123abcd@thread.tacv2', tenantId: TENANT },
            { teamId: TEAM, channelId: '19%3a4567ef%40thread.tacv2', tenantId: TENANT },
          ],
        },
      },
      'test',
    );
    expect(config.alerts.slack).toEqual([
      { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23', filterPolicy: { eventType: ['possible-fraud'] } },
    ]);
    expect(config.alerts.teams).toEqual([
      { teamId: TEAM, channelId: '19%3A0123abcd%40thread.tacv2', tenantId: TENANT },
      { teamId: TEAM, channelId: '19%3a4567ef%40thread.tacv2', tenantId: TENANT },
    ]);
  });

  it('takes an existing secret by name', () => {
    expect(parseConfig({ telnyxApiKeySecret: 'prod/telnyx' }, 'test').telnyxApiKeySecret).toEqual({
      kind: 'existing-name',
      name: 'prod/telnyx',
    });
  });

  it('routes by account: a filter lists configured or managed account names', () => {
    const config = parseConfig(
      {
        telnyxAccounts: [{ name: 'default' }, { name: 'brand-eu' }],
        managedAccounts: {},
        alerts: {
          email: [{ address: 'eu@example.com', filterPolicy: { account: ['brand-eu', 'managed-2a7f0c1e'] } }],
          sms: [{ phoneNumber: '+14155550100', filterPolicy: { account: { anythingBut: ['default'] } } }],
        },
      },
      'test',
    );
    expect(config.alerts.email[0]?.filterPolicy).toEqual({ account: ['brand-eu', 'managed-2a7f0c1e'] });
    expect(config.alerts.sms[0]?.filterPolicy).toEqual({ account: { anythingBut: ['default'] } });
  });

  it('accepts "test" as an event type, so a subscription can take or leave the test alert', () => {
    const config = parseConfig({ alerts: { sms: [{ phoneNumber: '+14155550100', filterPolicy: { eventType: ['possible-fraud', 'test'] } }] } }, 'test');
    expect(config.alerts.sms[0]?.filterPolicy).toEqual({ eventType: ['possible-fraud', 'test'] });
  });

  it('accepts "none" as a previous status, which new port-outs carry', () => {
    const config = parseConfig({ alerts: { email: [{ address: 'a@example.com', filterPolicy: { previousStatus: ['none'] } }] } }, 'test');
    expect(config.alerts.email[0]?.filterPolicy).toEqual({ previousStatus: ['none'] });
  });

  // Each bad value fails with the setting's path and a fix.
  it.each([
    ['an unknown setting', { scheduel: 'rate(5 minutes)' }, 'scheduel: is not a setting: use one of account, region, schedule'],
    ['an account id that is not 12 digits', { account: '1234' }, 'account: "1234" must be a 12-digit AWS account id'],
    ['a region that is not one', { region: 'US East' }, 'region: "US East" is not an AWS region such as us-east-1'],
    ['a cron schedule', { schedule: 'cron(0/5 * * * ? *)' }, 'schedule: "cron(0/5 * * * ? *)" is not a rate expression: write rate(5 minutes)'],
    ['a plural unit for 1', { schedule: 'rate(1 minutes)' }, 'schedule: "rate(1 minutes)" must use the singular unit for 1'],
    ['a zero rate', { schedule: 'rate(0 minutes)' }, 'schedule: "rate(0 minutes)" must be at least rate(1 minute)'],
    ['an interval the heartbeat cannot look back over', { schedule: 'rate(12 hours)' }, 'schedule: "rate(12 hours)" is longer than 8 hours'],
    ['too little memory', { function: { memoryMb: 100 } }, 'function.memoryMb: 100 must be a whole number from 128 to 10240'],
    [
      'a timeout as long as the interval',
      { schedule: 'rate(2 minutes)', function: { timeoutSeconds: 120 } },
      "function.timeoutSeconds: 120 s must be shorter than the schedule's 2-minute interval",
    ],
    [
      'a timeout shorter than one Telnyx request',
      { function: { timeoutSeconds: 12 } },
      'function.timeoutSeconds: 12 s leaves no time for one Telnyx request (10000 ms) plus the deadline margin (5000 ms)',
    ],
    ['zero reserved concurrency', { function: { reservedConcurrency: 0 } }, 'function.reservedConcurrency: 0 must be a whole number from 1 to 1000'],
    ['an unknown log level', { function: { logLevel: 'verbose' } }, 'function.logLevel: "verbose" is not a log level: use one of DEBUG, INFO, WARN, ERROR'],
    ['a retention CloudWatch Logs lacks', { function: { logRetentionDays: 45 } }, 'function.logRetentionDays: 45 is not a retention CloudWatch Logs offers: use one of 1, 3, 5, 7'],
    [
      'a poller setting outside the poller’s own limits',
      { poller: { listConcurrency: 64 } },
      'poller.listConcurrency: LIST_CONCURRENCY must be a whole number from 1 to 16',
    ],
    ['a poller setting given as a string', { poller: { telnyxTimeoutMs: '8000' } }, 'poller.telnyxTimeoutMs: "8000" must be a number, true or false, or a list of numbers'],
    [
      'a FOC reminder of zero hours',
      { poller: { focReminderHours: [24, 0] } },
      'poller.focReminderHours: FOC_REMINDER_HOURS must be a comma-separated list of whole hours from 1 to 720',
    ],
    ['a switch given as a number', { poller: { watchRejected: 1 } }, 'poller.watchRejected: WATCH_REJECTED must be true or false'],
    ['the Telnyx base URL, which the stack does not expose', { poller: { telnyxBaseUrl: 'http://x' } }, 'poller.telnyxBaseUrl: is not a setting'],
    [
      'a partial secret ARN',
      { telnyxApiKeySecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:telnyx' },
      'telnyxApiKeySecret: "arn:aws:secretsmanager:us-east-1:123456789012:secret:telnyx" looks like a partial ARN: give the complete ARN',
    ],
    ['a secret name with spaces', { telnyxApiKeySecret: 'my secret' }, 'telnyxApiKeySecret: "my secret" is not a Secrets Manager secret name'],
    ['an unknown table encryption', { table: { encryption: 'none' } }, 'table.encryption: "none" must be one of aws-managed, customer-managed'],
    [
      'a customer-managed table key in a stack without a region',
      { table: { encryption: 'customer-managed' } },
      'table.encryption: "customer-managed" needs the stack\'s region: set region (and account)',
    ],
    ['a long display name', { alerts: { displayName: 'Port-out watch alerts' } }, 'alerts.displayName: "Port-out watch alerts" is too long or has other characters: SNS puts it in front of every SMS'],
    ['an email address without a domain', { alerts: { email: ['bob@'] } }, 'alerts.email[0]: "bob@" is not an email address: write it as name@example.com'],
    ['an email subscription without an address', { alerts: { email: [{ filterPolicy: { eventType: ['new'] } }] } }, 'alerts.email[0].address: is required'],
    [
      'the same address twice',
      { alerts: { email: ['a@example.com', { address: 'A@example.com' }] } },
      'alerts.email[1].address: "A@example.com" is listed twice',
    ],
    [
      'a phone number with dashes',
      { alerts: { sms: [{ phoneNumber: '415-555-0100' }] } },
      'alerts.sms[0].phoneNumber: "415-555-0100" is not an E.164 phone number: write + then the country code and number',
    ],
    ['subscriptions that are not a list', { alerts: { sms: '+14155550100' } }, 'alerts.sms: must be a list of subscriptions'],
    [
      'a filter key that is not an alert attribute',
      { alerts: { email: [{ address: 'a@example.com', filterPolicy: { eventTyp: ['new'] } }] } },
      `alerts.email[0].filterPolicy.eventTyp: is not an alert attribute: use one of ${FILTER_KEYS}`,
    ],
    [
      'a filter on the audience, which the stack sets',
      { alerts: { sms: [{ phoneNumber: '+14155550100', filterPolicy: { audience: ['machines'] } }] } },
      'alerts.sms[0].filterPolicy.audience: is set by the stack (email and SMS always get the messages for people): remove it',
    ],
    [
      'an event type the poller never sends',
      { alerts: { email: [{ address: 'a@example.com', filterPolicy: { eventType: ['new', 'created'] } }] } },
      `alerts.email[0].filterPolicy.eventType[1]: "created" is not a valid eventType: use one of ${ALERT_ATTRIBUTES.eventType.values.join(', ')}`,
    ],
    [
      'a status outside the spec’s enum',
      { alerts: { sms: [{ phoneNumber: '+14155550100', filterPolicy: { status: { anythingBut: ['approved'] } } }] } },
      `alerts.sms[0].filterPolicy.status.anythingBut[0]: "approved" is not a valid status: use one of ${PORTOUT_STATUSES.join(', ')}`,
    ],
    [
      'a country code that is not ISO alpha-2',
      { alerts: { email: [{ address: 'a@example.com', filterPolicy: { countryCodes: ['usa'] } }] } },
      'alerts.email[0].filterPolicy.countryCodes[0]: "usa" is not an ISO 3166 alpha-2 country code',
    ],
    [
      'an account filter on a label rather than a name',
      { telnyxAccounts: [{ name: 'default' }, { name: 'brand-eu' }], alerts: { email: [{ address: 'a@example.com', filterPolicy: { account: ['Brand EU'] } }] } },
      'alerts.email[0].filterPolicy.account[0]: "Brand EU" is not an account of this deployment: use a name from telnyxAccounts (default, brand-eu)',
    ],
    [
      'an account filter in a single-account deployment, whose alerts carry no account',
      { alerts: { email: [{ address: 'eu@example.com', filterPolicy: { account: ['brand-eu'] } }] } },
      'alerts.email[0].filterPolicy.account: a single-account deployment\'s alerts carry no account attribute, so no alert would match: remove it, or list the accounts in telnyxAccounts',
    ],
    [
      'an anythingBut account filter in a single-account deployment',
      { alerts: { slack: [{ workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23', filterPolicy: { account: { anythingBut: ['default'] } } }] } },
      'alerts.slack[0].filterPolicy.account: a single-account deployment\'s alerts carry no account attribute',
    ],
    [
      'an account filter naming no configured account',
      { telnyxAccounts: [{ name: 'default' }, { name: 'brand-us' }], alerts: { email: [{ address: 'eu@example.com', filterPolicy: { account: ['brand-us', 'brand-eu'] } }] } },
      'alerts.email[0].filterPolicy.account[1]: "brand-eu" is not an account of this deployment: use a name from telnyxAccounts (default, brand-us)',
    ],
    [
      'an anythingBut account filter naming no configured account',
      { telnyxAccounts: [{ name: 'default' }, { name: 'brand-us' }], alerts: { sms: [{ phoneNumber: '+14155550100', filterPolicy: { account: { anythingBut: ['brand-eu'] } } }] } },
      'alerts.sms[0].filterPolicy.account.anythingBut[0]: "brand-eu" is not an account of this deployment',
    ],
    [
      'a managed account filter without managedAccounts',
      {
        telnyxAccounts: [{ name: 'default' }, { name: 'brand-us' }],
        alerts: { teams: [{ teamId: TEAM, channelId: '19:0123abcd@thread.tacv2', tenantId: TENANT, filterPolicy: { account: ['managed-2a7f0c1e'] } }] },
      },
      'alerts.teams[0].filterPolicy.account[0]: "managed-2a7f0c1e" is not an account of this deployment: use a name from telnyxAccounts (default, brand-us); managed-<id> names a managed account only with managedAccounts set',
    ],
    [
      'a managed account filter that is no managed account\'s name',
      { managedAccounts: {}, alerts: { email: [{ address: 'a@example.com', filterPolicy: { account: ['managed-'] } }] } },
      'alerts.email[0].filterPolicy.account[0]: "managed-" is not an account of this deployment: use a name from telnyxAccounts (default), or managed-<Telnyx id, lowercase> for a managed account',
    ],
    [
      'an empty filter policy',
      { alerts: { email: [{ address: 'a@example.com', filterPolicy: {} }] } },
      `alerts.email[0].filterPolicy: must be an object mapping alert attributes (${FILTER_KEYS}) to values; leave filterPolicy out to receive every alert`,
    ],
    [
      'an empty value list',
      { alerts: { email: [{ address: 'a@example.com', filterPolicy: { eventType: { anythingBut: [] } } }] } },
      'alerts.email[0].filterPolicy.eventType.anythingBut: must be a non-empty list of values',
    ],
    [
      'more value combinations than SNS accepts',
      {
        alerts: {
          email: [
            {
              address: 'a@example.com',
              filterPolicy: { eventType: [...EVENT_TYPES], status: [...PORTOUT_STATUSES], previousStatus: [...PORTOUT_STATUSES] },
            },
          ],
        },
      },
      'alerts.email[0].filterPolicy: allows 324 combinations of values, more than the 150 SNS accepts',
    ],
    ['a bad alarm email', { operations: { alarmEmail: 'oncall' } }, 'operations.alarmEmail: "oncall" is not an email address'],
    [
      'a dashboard setting that is not a switch',
      { operations: { dashboard: 'yes' } },
      'operations.dashboard: "yes" must be true (a CloudWatch dashboard, $3.00 a month beyond the account\'s three free ones) or false',
    ],
    ['Slack channels that are not a list', { alerts: { slack: { workspaceId: 'T1' } } }, 'alerts.slack: must be a list of channels'],
    ['a Slack channel without a workspace', { alerts: { slack: [{ channelId: 'C07EZ1ABC23' }] } }, 'alerts.slack[0].workspaceId: is required, e.g. T07EA123LEP'],
    [
      'a Slack channel given by name',
      { alerts: { slack: [{ workspaceId: 'T07EA123LEP', channelId: '#noc' }] } },
      `alerts.slack[0].channelId: "#noc" is not a Slack channel id: use the id from the channel's details (e.g. C07EZ1ABC23), not its name`,
    ],
    [
      'a lower-case Slack workspace id',
      { alerts: { slack: [{ workspaceId: 't07ea123lep', channelId: 'C07EZ1ABC23' }] } },
      'alerts.slack[0].workspaceId: "t07ea123lep" is not a Slack workspace id: copy it from the Chatbot console',
    ],
    [
      'the same Slack channel twice',
      { alerts: { slack: [{ workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' }, { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' }] } },
      'alerts.slack[1]: lists the same channel twice: configure each channel once',
    ],
    [
      'an unknown key on a Slack channel',
      { alerts: { slack: [{ workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23', channel: '#noc' }] } },
      'alerts.slack[0].channel: is not a setting: use one of workspaceId, channelId, filterPolicy',
    ],
    [
      'a Slack filter policy on the audience',
      { alerts: { slack: [{ workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23', filterPolicy: { audience: ['machines'] } }] } },
      'alerts.slack[0].filterPolicy.audience: is set by the stack',
    ],
    [
      'a Teams team id that is not a UUID',
      { alerts: { teams: [{ teamId: 'noc-team', channelId: '19:0123abcd@thread.tacv2', tenantId: TENANT }] } },
      'alerts.teams[0].teamId: "noc-team" is not a Microsoft Teams team id: copy the groupId from the channel link, a UUID',
    ],
    [
      'a Teams channel given by name',
      { alerts: { teams: [{ teamId: TEAM, channelId: 'General', tenantId: TENANT }] } },
      'alerts.teams[0].channelId: "General" is not a Microsoft Teams channel id: copy it from the channel link, e.g. 19%3a0123abcd%40thread.tacv2',
    ],
    [
      'a Teams channel without a tenant',
      { alerts: { teams: [{ teamId: TEAM, channelId: '19:0123abcd@thread.tacv2' }] } },
      'alerts.teams[0].tenantId: is required, e.g. the tenantId in the channel link, a UUID',
    ],
  ])('rejects %s, naming the setting and the fix', (_name, raw, expected) => {
    expect(problemsOf(raw)).toContain(expected);
  });

  it('reports every problem at once, and where the settings came from', () => {
    const message = problemsOf({ account: 'x', schedule: 'hourly', alerts: { sms: [{ phoneNumber: '555' }] } });
    expect(message).toMatch(/^invalid portout-watch configuration in config\/test\.json:\n/);
    expect(message.split('\n  - ')).toHaveLength(4);
  });
});

describe('parseConfig: several Telnyx accounts', () => {
  const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:telnyx/brand-eu-AbC123';
  /** `count` accounts named a1, a2, ..., each with an existing secret of that name. */
  const namedAccounts = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `a${i + 1}`, apiKeySecret: `a${i + 1}` }));

  it('gives each account its secret, created or existing, and the default account telnyxApiKeySecret', () => {
    const config = parseConfig(
      { telnyxApiKeySecret: 'prod/telnyx', telnyxAccounts: [{ name: 'default' }, { name: 'brand-eu', apiKeySecret: ARN }, { name: 'brand-us' }] },
      'test',
    );
    expect(config.telnyxAccounts).toEqual([
      { name: 'default', apiKeySecret: { kind: 'existing-name', name: 'prod/telnyx' } },
      { name: 'brand-eu', apiKeySecret: { kind: 'existing-arn', arn: ARN } },
      { name: 'brand-us', apiKeySecret: { kind: 'create' } },
    ]);
    expect(config.managedAccounts).toBeUndefined();
  });

  it('reads the lone default account as the single-account deployment it is', () => {
    expect(parseConfig({ telnyxAccounts: [{ name: 'default' }] }, 'test')).toEqual(parseConfig({}, 'test'));
  });

  it('keeps watching the default account, with its secret, when managed accounts are added', () => {
    expect(parseConfig({ managedAccounts: {} }, 'test')).toMatchObject({
      telnyxAccounts: [{ name: 'default', apiKeySecret: { kind: 'create' } }],
      managedAccounts: { managerKeySecret: { kind: 'create' } },
    });
    expect(parseConfig({ telnyxApiKeySecret: 'telnyx/main', managedAccounts: {} }, 'test').telnyxAccounts).toEqual([
      { name: 'default', apiKeySecret: { kind: 'existing-name', name: 'telnyx/main' } },
    ]);
  });

  it('watches no configured account only when told so, with managed accounts, and creates the manager secret unless one is named', () => {
    expect(parseConfig({ telnyxAccounts: [], managedAccounts: {} }, 'test')).toMatchObject({ telnyxAccounts: [], managedAccounts: { managerKeySecret: { kind: 'create' } } });
    const config = parseConfig({ telnyxAccounts: [{ name: 'default' }], managedAccounts: { managerKeySecret: 'telnyx/manager' } }, 'test');
    expect(config.telnyxAccounts).toEqual([{ name: 'default', apiKeySecret: { kind: 'create' } }]);
    expect(config.managedAccounts).toEqual({ managerKeySecret: { kind: 'existing-name', name: 'telnyx/manager' } });
  });

  it('allows the manager key to be a watched account\'s key too: the manager account is watched only when listed', () => {
    const config = parseConfig({ telnyxAccounts: [{ name: 'manager', apiKeySecret: 'telnyx/manager' }], managedAccounts: { managerKeySecret: 'telnyx/manager' } }, 'test');
    expect(config.telnyxAccounts?.map((account) => account.name)).toEqual(['manager']);
  });

  it(`takes up to ${MAX_CONFIGURED_ACCOUNTS} accounts with short secret names`, () => {
    expect(parseConfig({ telnyxAccounts: namedAccounts(MAX_CONFIGURED_ACCOUNTS) }, 'test').telnyxAccounts).toHaveLength(MAX_CONFIGURED_ACCOUNTS);
  });

  it('gives a deployment of several accounts a longer timeout by default, ending a minute before the next run', () => {
    const timeout = (raw: object) => parseConfig(raw, 'test').function.timeoutSeconds;
    expect(timeout({})).toBe(120);
    expect(timeout({ telnyxAccounts: [{ name: 'default' }] })).toBe(120);
    expect(timeout({ telnyxAccounts: [{ name: 'a' }, { name: 'b' }] })).toBe(240);
    expect(timeout({ managedAccounts: {} })).toBe(240);
    expect(timeout({ managedAccounts: {}, schedule: 'rate(4 minutes)' })).toBe(180);
    expect(timeout({ managedAccounts: {}, schedule: 'rate(3 minutes)' })).toBe(120);
    expect(timeout({ managedAccounts: {}, function: { timeoutSeconds: 60 } })).toBe(60);
  });

  it('reads the fleet concurrency settings through the poller\'s own limits', () => {
    expect(parseConfig({ poller: { telnyxConcurrency: 32, accountConcurrency: 4 } }, 'test').poller).toEqual({ telnyxConcurrency: 32, accountConcurrency: 4 });
    expect(problemsOf({ poller: { telnyxConcurrency: 65 } })).toContain('poller.telnyxConcurrency: TELNYX_CONCURRENCY must be a whole number from 1 to 64');
    expect(problemsOf({ poller: { accountConcurrency: 0 } })).toContain('poller.accountConcurrency: ACCOUNT_CONCURRENCY must be a whole number from 1 to 64');
  });

  it.each([
    [
      'an empty list without managed accounts',
      { telnyxAccounts: [] },
      'telnyxAccounts: [] watches no configured account, which only a deployment of managed accounts alone may do (with managedAccounts): list accounts such as [{ "name": "default" }',
    ],
    ['a list that is no list', { telnyxAccounts: { name: 'default' } }, 'telnyxAccounts: must be a list of accounts such as [{ "name": "default" }'],
    ['an account without a name', { telnyxAccounts: [{ apiKeySecret: 'x' }] }, 'telnyxAccounts[0].name: is required: it must be 1-20 characters of a-z, 0-9 and inner hyphens'],
    ['a name with capitals', { telnyxAccounts: [{ name: 'Brand_EU' }] }, 'telnyxAccounts[0].name: "Brand_EU" must be 1-20 characters of a-z, 0-9 and inner hyphens, e.g. "brand-eu"'],
    ['a name of more than 20 characters', { telnyxAccounts: [{ name: 'a'.repeat(21) }] }, `telnyxAccounts[0].name: "${'a'.repeat(21)}" must be 1-20 characters`],
    [
      'a name under the managed prefix',
      { telnyxAccounts: [{ name: 'managed-eu' }] },
      'telnyxAccounts[0].name: "managed-eu" must not start with "managed-": that prefix names discovered managed accounts',
    ],
    ['the same name twice', { telnyxAccounts: [{ name: 'eu' }, { name: 'eu' }] }, 'telnyxAccounts[1].name: "eu" is listed twice: give each account its own name'],
    ['an unknown account setting', { telnyxAccounts: [{ name: 'eu', secret: 'x' }] }, 'telnyxAccounts[0].secret: is not a setting: use one of name, apiKeySecret'],
    [
      'a partial secret ARN for an account',
      { telnyxAccounts: [{ name: 'eu', apiKeySecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:telnyx' }] },
      'telnyxAccounts[0].apiKeySecret: "arn:aws:secretsmanager:us-east-1:123456789012:secret:telnyx" looks like a partial ARN',
    ],
    [
      'two accounts with the same secret',
      { telnyxAccounts: [{ name: 'eu', apiKeySecret: 'telnyx/eu' }, { name: 'us', apiKeySecret: 'telnyx/eu' }] },
      'telnyxAccounts[1].apiKeySecret: "telnyx/eu" is also account "eu"\'s secret: the same Telnyx account watched twice alerts twice',
    ],
    [
      'the default account\'s secret given on the account',
      { telnyxAccounts: [{ name: 'default', apiKeySecret: 'telnyx/main' }, { name: 'eu' }] },
      'telnyxAccounts[0].apiKeySecret: the "default" account\'s key is telnyxApiKeySecret, as in a single-account deployment: move the setting there',
    ],
    [
      'telnyxApiKeySecret when telnyxAccounts has no default account',
      { telnyxApiKeySecret: 'telnyx/main', telnyxAccounts: [{ name: 'eu' }] },
      'telnyxApiKeySecret: is the key of the account named "default", which telnyxAccounts does not list: add { "name": "default" } to keep watching it',
    ],
    [
      'telnyxApiKeySecret with managed accounts alone',
      { telnyxApiKeySecret: 'telnyx/main', telnyxAccounts: [], managedAccounts: { managerKeySecret: 'telnyx/manager' } },
      'telnyxApiKeySecret: is the key of the account named "default", which telnyxAccounts does not list',
    ],
    ['managedAccounts as a switch', { managedAccounts: true }, 'managedAccounts: must be an object with any of: managerKeySecret'],
    ['a manager secret name with spaces', { managedAccounts: { managerKeySecret: 'my manager' } }, 'managedAccounts.managerKeySecret: "my manager" is not a Secrets Manager secret name'],
    [
      `more than ${MAX_CONFIGURED_ACCOUNTS} accounts`,
      { telnyxAccounts: namedAccounts(MAX_CONFIGURED_ACCOUNTS + 1) },
      `telnyxAccounts: lists ${MAX_CONFIGURED_ACCOUNTS + 1} accounts, more than ${MAX_CONFIGURED_ACCOUNTS}: each has its own secret and alarm, so watch a larger fleet as managed accounts`,
    ],
  ])('rejects %s, naming the setting and the fix', (_name, raw, expected) => {
    expect(problemsOf(raw)).toContain(expected);
  });
});

describe('parseSchedule', () => {
  it.each([
    ['rate(1 minute)', 1],
    ['rate(15 minutes)', 15],
    ['rate(1 hour)', 60],
    ['rate(2 hours)', 120],
    ['rate(1 day)', 1_440],
  ])('reads %s as a %i-minute interval', (expression, intervalMinutes) => {
    expect(parseSchedule(expression)).toEqual({ expression, intervalMinutes });
  });
});

describe('resolveStages', () => {
  const context = (values: Record<string, unknown>): ContextReader => ({ tryGetContext: (key) => values[key] });
  const configDir = mkdtempSync(join(tmpdir(), 'portout-watch-config-'));
  writeFileSync(join(configDir, 'us.json'), JSON.stringify({ region: 'us-east-1', alerts: { email: ['us@example.com'] } }));
  writeFileSync(join(configDir, 'eu.json'), JSON.stringify({ region: 'eu-west-1', function: { memoryMb: 512 } }));
  writeFileSync(join(configDir, 'broken.json'), '{ "region": ');
  writeFileSync(join(configDir, 'bad.json'), JSON.stringify({ alerts: { sms: ['+1 415 555 0100'] } }));

  it('without stages, builds one PortoutWatch stack from the cdk.json context', () => {
    const [stage, ...rest] = resolveStages(context({ portoutWatch: { schedule: 'rate(10 minutes)' } }), configDir);
    expect(rest).toEqual([]);
    expect(stage?.stackId).toBe('PortoutWatch');
    expect(stage?.config.schedule.intervalMinutes).toBe(10);
  });

  it('builds one stack per stage, merging each config file over the shared context', () => {
    const stages = resolveStages(
      context({ stages: 'us, eu', portoutWatch: { schedule: 'rate(10 minutes)', alerts: { email: ['all@example.com'] } } }),
      configDir,
    );
    expect(stages.map((stage) => stage.stackId)).toEqual(['PortoutWatch-us', 'PortoutWatch-eu']);
    const [us, eu] = stages;
    expect(us?.config).toMatchObject({ region: 'us-east-1', schedule: { intervalMinutes: 10 } });
    // Lists from the stage replace the shared list.
    expect(us?.config.alerts.email).toEqual([{ address: 'us@example.com' }]);
    expect(eu?.config).toMatchObject({ region: 'eu-west-1', function: { memoryMb: 512, timeoutSeconds: 120 } });
    expect(eu?.config.alerts.email).toEqual([{ address: 'all@example.com' }]);
  });

  it('accepts stages as a list and the shared config as a JSON string, as -c passes them', () => {
    const stages = resolveStages(context({ stages: ['eu'], portoutWatch: '{"schedule":"rate(15 minutes)"}' }), configDir);
    expect(stages[0]?.config.schedule.intervalMinutes).toBe(15);
  });

  it.each([
    [{ stages: 'asia' }, `stage asia: ${join(configDir, 'asia.json')} does not exist: create it`],
    [{ stages: '1st' }, 'stage "1st" in context stages must start with a letter'],
    [{ stages: 'broken' }, `stage broken: ${join(configDir, 'broken.json')} is not valid JSON`],
    [{ stages: 'bad' }, `invalid portout-watch configuration in ${join(configDir, 'bad.json')}:\n  - alerts.sms[0]: "+1 415 555 0100" is not an E.164 phone number`],
    [{ portoutWatch: '{schedule:' }, 'context portoutWatch is not valid JSON'],
  ])('rejects %j with a message that says what to fix', (values, expected) => {
    expect(() => resolveStages(context(values), configDir)).toThrow(expected);
  });
});
