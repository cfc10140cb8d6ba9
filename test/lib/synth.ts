import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { PortoutWatchSettings } from '../../lib/config.ts';
import { PortoutWatchStack } from '../../lib/portout-watch-stack.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

export interface Built {
  app: App;
  stack: PortoutWatchStack;
}

/**
 * One stack from raw config, with cdk.json's feature flags, as `cdk synth` would build it. Bundling is
 * skipped (test/bin covers the real bundle).
 */
export function build(rawConfig: unknown, stackId = 'PortoutWatch'): Built {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new PortoutWatchStack(app, stackId, { settings: rawConfig as PortoutWatchSettings });
  return { app, stack };
}

/** `build`, then the synthesized template. */
export function synthesize(rawConfig: unknown, stackId = 'PortoutWatch'): Built & { template: Template } {
  const built = build(rawConfig, stackId);
  return { ...built, template: Template.fromStack(built.stack) };
}

/** Every setting turned on, for the tests that must see every resource. */
export const FULL_CONFIG = {
  account: '123456789012',
  region: 'us-east-1',
  schedule: 'rate(10 minutes)',
  function: { memoryMb: 512, timeoutSeconds: 90, reservedConcurrency: 1, logLevel: 'DEBUG', logRetentionDays: 30 },
  poller: { listConcurrency: 2, telnyxTimeoutMs: 8000, focReminderHours: [24, 4], watchComments: false, digestThreshold: 20 },
  telnyxApiKeySecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:telnyx/api-key-AbC123',
  table: { encryption: 'customer-managed' },
  alerts: {
    displayName: 'Portouts',
    email: ['noc@example.com', { address: 'fraud@example.com', filterPolicy: { eventType: ['possible-fraud', 'new'] } }],
    sms: [
      {
        phoneNumber: '+14155550100',
        filterPolicy: { eventType: { anythingBut: ['digest', 'new-comment'] }, countryCodes: ['US', 'CA'] },
      },
    ],
  },
  operations: { alarmEmail: 'oncall@example.com', dashboard: true },
};

/** The default account (its secret created, as in a single-account deployment), one existing and one created secret. */
export const SEVERAL_ACCOUNTS_CONFIG = {
  telnyxAccounts: [
    { name: 'default' },
    { name: 'brand-eu', apiKeySecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:telnyx/brand-eu-AbC123' },
    { name: 'brand-us' },
  ],
  alerts: { email: ['noc@example.com'] },
};

/** Managed accounts alone, as it must be said (`telnyxAccounts: []`): the manager's secret created, no configured account. */
export const MANAGED_CONFIG = { telnyxAccounts: [], managedAccounts: {}, alerts: { email: ['noc@example.com'] } };
