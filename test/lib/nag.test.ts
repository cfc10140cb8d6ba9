import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_TOWER } from '../../lib/poller-function.ts';
import { FULL_CONFIG, SEVERAL_ACCOUNTS_CONFIG, build } from './synth.ts';

function findings(pack: NagPack, app: App): string[] {
  return pack.validateScope(app).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} @ ${resource.constructPath}`),
  );
}

/** rule id -> reason, for every acknowledgement in the tree, with the construct path it sits on. */
function acknowledgements(app: App): { path: string; id: string; reason: unknown }[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe.each([
  ['no configuration', {}],
  ['every setting', FULL_CONFIG],
  ['an existing secret by name', { telnyxApiKeySecret: 'prod/telnyx-api-key', alerts: { sms: ['+14155550100'] } }],
  ['several accounts and managed ones', { ...SEVERAL_ACCOUNTS_CONFIG, managedAccounts: {} }],
  [
    'Slack and Teams channels',
    {
      alerts: {
        slack: [
          { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' },
          { workspaceId: 'T07EA123LEP', channelId: 'C07FRAUD001', filterPolicy: { eventType: ['possible-fraud'] } },
        ],
        teams: [{ teamId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', channelId: '19:0123abcd@thread.tacv2', tenantId: 'aaaabbbb-cccc-4ddd-8eee-ffff00001111' }],
      },
    },
  ],
])('cdk-nag on the stack with %s', (_name, config) => {
  let app: App;
  beforeAll(() => {
    // cdk-nag reads the construct tree; it needs no synthesized template.
    ({ app } = build(config));
  });

  it('finds nothing in the AwsSolutions pack, errors or warnings', () => {
    expect(findings(new AwsSolutionsChecks(), app)).toEqual([]);
  });

  it('finds nothing in the Serverless pack, errors or warnings', () => {
    expect(findings(new ServerlessChecks(), app)).toEqual([]);
  });

  it('acknowledges only the expected rules, each with its reason in code', () => {
    const acks = acknowledgements(app);
    for (const ack of acks) expect(typeof ack.reason === 'string' && ack.reason.length > 40, `${ack.id} @ ${ack.path}`).toBe(true);
    expect(new Set(acks.map((ack) => ack.id))).toEqual(
      new Set([
        'AwsSolutions-SQS3',
        'Serverless-SQSRedrivePolicy',
        'Serverless-LambdaDLQ',
        'Serverless-LambdaTracing',
        ...(config === FULL_CONFIG || 'telnyxApiKeySecret' in config ? [] : ['AwsSolutions-SMG4']),
        // Control Tower's, checked in cfn-guard.test.ts; the retention one only where the config shortens it.
        CONTROL_TOWER.lambdaInVpc,
        CONTROL_TOWER.logGroupKmsKey,
        ...(config === FULL_CONFIG ? [CONTROL_TOWER.logRetentionAtLeastOneYear] : []),
      ]),
    );
    // Acknowledgements sit on the resource they excuse, never on the stack.
    for (const ack of acks) expect(ack.path.split('/').length).toBeGreaterThan(2);
  });
});
