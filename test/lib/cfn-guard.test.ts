import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations, type App } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ControlTowerChecks } from '../../lib/validation-plugins.ts';
import { createWebhookSigner } from '../../local/webhook-signer.ts';
import { FULL_CONFIG, SEVERAL_ACCOUNTS_CONFIG, build } from './synth.ts';

interface Finding {
  ruleName: string;
  description: string;
  violatingConstructs: { constructPath: string }[];
  acknowledgedId?: string;
  reason?: string;
}

interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string; violations: Finding[]; suppressedViolations?: Finding[] }[];
}

/** "CT.SQS.PR.1 sqs_dlq_check @ PortoutWatch/…/Resource", one per resource. */
const show = (finding: Finding) =>
  finding.violatingConstructs.map((c) => `${/^\[([^\]]+)\]/.exec(finding.description)?.[1] ?? '?'} ${finding.ruleName} @ ${c.constructPath}`);

/** The first synthesis in a process loads and compiles most of aws-cdk-lib: 20 s or more on a busy machine. */
const SYNTH_TIMEOUT_MS = 180_000;

/** Synthesizes the app with the Control Tower checks `cdk synth` runs; returns their report and synth's error, if any. */
function controlTowerReport(app: App): { synthError?: string; conclusion: string; unacknowledged: string[]; acknowledged: Finding[] } {
  Validations.of(app).addPlugins(new ControlTowerChecks());
  let synthError: string | undefined;
  try {
    app.synth();
  } catch (error) {
    synthError = (error as Error).message;
  }
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  const [guard, ...others] = report.pluginReports;
  expect(others).toEqual([]);
  expect(guard?.pluginName).toBe('cdk-validator-cfnguard');
  return {
    ...(synthError === undefined ? {} : { synthError }),
    conclusion: guard?.conclusion ?? 'missing',
    unacknowledged: guard?.violations.flatMap(show) ?? [],
    acknowledged: guard?.suppressedViolations ?? [],
  };
}

// Every optional resource at once: the webhook receiver (a second function and log group) and both chat platforms.
const WEBHOOK_AND_CHAT_CONFIG = {
  webhook: { publicKey: createWebhookSigner().publicKey },
  alerts: {
    email: ['noc@example.com'],
    slack: [{ workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' }],
    teams: [{ teamId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', channelId: '19:0123abcd@thread.tacv2', tenantId: 'aaaabbbb-cccc-4ddd-8eee-ffff00001111' }],
  },
};

describe.each([
  ['no configuration', {}, ['cloudwatch_log_group_encrypted_check', 'lambda_inside_vpc_check']],
  [
    'webhooks, Slack and Teams',
    WEBHOOK_AND_CHAT_CONFIG,
    // One per function for the log group and VPC rules: the poller's and the receiver's.
    [
      'cloudwatch_log_group_encrypted_check',
      'cloudwatch_log_group_encrypted_check',
      'lambda_function_public_access_prohibited_check',
      'lambda_function_url_auth_check',
      'lambda_inside_vpc_check',
      'lambda_inside_vpc_check',
    ],
  ],
  ['every setting', FULL_CONFIG, ['cloudwatch_log_group_encrypted_check', 'cloudwatch_log_group_retention_period_check', 'lambda_inside_vpc_check']],
  ['an existing secret by name', { telnyxApiKeySecret: 'prod/telnyx-api-key', alerts: { sms: ['+14155550100'] } }, ['cloudwatch_log_group_encrypted_check', 'lambda_inside_vpc_check']],
  ['several accounts and managed ones', { ...SEVERAL_ACCOUNTS_CONFIG, managedAccounts: {} }, ['cloudwatch_log_group_encrypted_check', 'lambda_inside_vpc_check']],
])("Control Tower's proactive controls on the stack with %s", (_name, config, expectedAcknowledged) => {
  let result: ReturnType<typeof controlTowerReport>;
  beforeAll(() => {
    result = controlTowerReport(build(config).app);
  }, SYNTH_TIMEOUT_MS);

  it('find nothing unacknowledged, so synth succeeds', () => {
    expect(result.unacknowledged).toEqual([]);
    expect(result.conclusion).toBe('success');
    expect(result.synthError).toBeUndefined();
  });

  it('are acknowledged only where expected, each on its resource with its reason', () => {
    expect(result.acknowledged.map((finding) => finding.ruleName).sort()).toEqual(expectedAcknowledged);
    for (const finding of result.acknowledged) {
      expect(finding.reason?.length, finding.ruleName).toBeGreaterThan(40);
      expect(finding.acknowledgedId).toBe(`cdk-validator-cfnguard::${finding.ruleName}`);
      for (const construct of finding.violatingConstructs) expect(construct.constructPath).toMatch(/^PortoutWatch\/Default\/(Poller|Webhook)\//);
    }
  });

  if (config === FULL_CONFIG) {
    it('say why the log retention is short when the config shortens it, naming the setting', () => {
      const retention = result.acknowledged.find((finding) => finding.ruleName === 'cloudwatch_log_group_retention_period_check');
      expect(retention?.reason).toContain('function.logRetentionDays to 30');
    });
  }
});

describe("Control Tower's proactive controls", () => {
  // The stack's own acknowledged findings sit beside this one: the case CDK would let through without ControlTowerChecks.
  it('fail synth on a finding nobody acknowledged, naming the control', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const { app, stack } = build({});
    // An SQS-managed-encrypted queue with no dead-letter queue of its own breaks one control only.
    new Queue(stack, 'QueueWithoutDeadLetters', { encryption: QueueEncryption.SQS_MANAGED });
    const { synthError, unacknowledged } = controlTowerReport(app);
    expect(unacknowledged).toEqual(['CT.SQS.PR.1 sqs_dlq_check @ PortoutWatch/QueueWithoutDeadLetters/Resource']);
    expect(synthError).toMatch(/^ERROR \[CT\.SQS\.PR\.1\]/);
  });
});
