import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_ALERT_REQUEST } from '../../functions/poller/core/test-alert.ts';
import { startTelnyxSimulator } from '../../local/telnyx-simulator.ts';
import { lambdaNode } from '../../tools/node24/lambda-node.ts';
import { startAwsLoopback } from '../support/aws-loopback.ts';
import { createTestTable } from '../support/dynamo.ts';
import { telnyxPortout } from '../support/factories.ts';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

/** The environment of a machine that has never seen AWS: no credentials, no profile, no default account. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(AWS_|CDK_)/.test(key)) env[key] = value;
  }
  return {
    ...env,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/**
 * Unacknowledged findings by validation plugin. A plugin with nothing to report is left out: cdk-nag, whose
 * acknowledged findings stay in the construct tree; cfn-guard always reports, its acknowledged findings apart.
 */
function validationFindings(outdir: string): Record<string, string[]> {
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string }[] }[];
  };
  return Object.fromEntries(report.pluginReports.map((plugin) => [plugin.pluginName, [plugin.conclusion, ...plugin.violations.map((v) => v.ruleName)].filter((x) => x !== 'success')]));
}

interface Manifest {
  artifacts: Record<string, { type: string; environment?: string }>;
}

describe('the CDK app', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'portout-watch-synth-'));
  let assetDir = '';

  beforeAll(async () => {
    await run('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: ROOT, env: offlineEnv() });
    const template = JSON.parse(readFileSync(join(outdir, 'PortoutWatch.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function');
    assetDir = join(outdir, fn?.Metadata?.['aws:asset:path'] ?? 'missing');
  }, 180_000);

  it('synthesizes with `npx cdk synth`, offline and without credentials, bundling the poller', async () => {
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.artifacts.PortoutWatch).toMatchObject({
      type: 'aws:cloudformation:stack',
      environment: 'aws://unknown-account/unknown-region',
    });
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);

    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    // The SDK is bundled, not loaded from the runtime; ESM with a require shim for CommonJS dependencies.
    expect(bundle).not.toMatch(/from\s*"@aws-sdk\//);
    expect(bundle.startsWith("import { createRequire as topLevelCreateRequire } from 'node:module';")).toBe(true);
    expect(bundle).toMatch(/export\s*\{[^}]*\bas handler\b/);
    expect(bundle).toContain('//# sourceMappingURL=index.mjs.map');
    // Minified: long lines, not one per statement (unminified output averages under 50 characters a line).
    expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1_000);
    expect(statSync(join(assetDir, 'index.mjs')).size).toBeLessThan(1_500_000);
    const sourceMap = JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')) as { sourcesContent?: unknown };
    expect(sourceMap.sourcesContent).toBeUndefined();

    // cdk-nag and the Control Tower checks ran as validation plugins and found nothing unacknowledged.
    expect(validationFindings(outdir)).toEqual({ 'cdk-validator-cfnguard': [] });
  });

  it('synthesizes one stack per stage from config/<stage>.json, with cdk-nag passing', { timeout: 120_000 }, async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'portout-watch-stages-'));
    const context = JSON.stringify({ stages: 'example', 'aws:cdk:bundling-stacks': [] });
    await run('npx', ['tsx', 'bin/app.ts'], { cwd: ROOT, env: offlineEnv({ CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: context }) });

    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.artifacts['PortoutWatch-example']).toMatchObject({ environment: 'aws://123456789012/us-east-1' });
    expect(manifest.artifacts.PortoutWatch).toBeUndefined();
    expect(existsSync(join(outdir, 'PortoutWatch-example.template.json'))).toBe(true);
    expect(validationFindings(outdir)).toEqual({ 'cdk-validator-cfnguard': [] });
  });

  it('stops before synthesizing when a setting is invalid, naming the setting and the fix', { timeout: 120_000 }, async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'portout-watch-invalid-'));
    const context = JSON.stringify({ portoutWatch: { alerts: { sms: ['415-555-0100'] } } });
    const result = await run('npx', ['tsx', 'bin/app.ts'], {
      cwd: ROOT,
      env: offlineEnv({ CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: context }),
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid portout-watch configuration in cdk.json context "portoutWatch":');
    expect(result.stderr).toContain('alerts.sms[0]: "415-555-0100" is not an E.164 phone number');
    expect(result.stderr).not.toContain('    at ');
    expect(existsSync(join(outdir, 'manifest.json'))).toBe(false);
  });

  describe('the bundle in the cloud assembly', () => {
    const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:portout-watch/telnyx-AbC123';
    const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:portout-watch-alerts';
    const cleanup: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const step of cleanup) await step();
    });

    // On the Node that runs the suite (20 in CI), and on Node 24, the major version Lambda runs it on. When Node 24
    // is missing, lambdaNode() throws and says how to get it: the test fails rather than quietly running on Node 20.
    it.each([
      ['the Node running the tests', () => ({ path: process.execPath, version: process.version })],
      ["Lambda's Node 24", lambdaNode],
    ])('runs as Lambda would on %s: secret, simulator, DynamoDB Local and SNS, two polls in one container', { timeout: 60_000 }, async (_name, nodeBinary) => {
      const node = nodeBinary();
      const sim = await startTelnyxSimulator();
      cleanup.push(() => sim.close());
      const aws = await startAwsLoopback({ [SECRET_ARN]: sim.apiKey });
      cleanup.push(() => aws.close());
      const table = await createTestTable();
      cleanup.push(() => table.drop());
      sim.upsert(telnyxPortout({ id: 'b1' }), telnyxPortout({ id: 'b2', status: 'rejected-pending' }));

      // A fresh Node process imports the asset exactly as the Lambda runtime would, and invokes it twice.
      const script = `
        const { handler } = await import(process.argv[1]);
        const context = { getRemainingTimeInMillis: () => 60000, awsRequestId: 'bundle-run' };
        const reports = [await handler({}, context), await handler({}, context)];
        process.stdout.write('REPORTS ' + JSON.stringify(reports.map((r) => ({ outcome: r.outcome, events: r.events.length, messages: r.messages }))) + '\\n');`;
      // With the function's NODE_OPTIONS, as Lambda starts it.
      const { stdout } = await run(node.path, ['--enable-source-maps', '--input-type=module', '-e', script, join(assetDir, 'index.mjs')], {
        cwd: tmpdir(),
        env: offlineEnv({
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
          AWS_ENDPOINT_URL_SNS: aws.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
          TABLE_NAME: table.tableName,
          TOPIC_ARN,
          TELNYX_API_KEY_SECRET_ARN: SECRET_ARN,
          TELNYX_BASE_URL: sim.baseUrl,
          POWERTOOLS_SERVICE_NAME: 'portout-watch',
          POWERTOOLS_METRICS_NAMESPACE: 'PortoutWatch',
        }),
      });
      // One cold start in the container, logging the Node version that ran it.
      expect([...stdout.matchAll(/"nodeVersion":\s*"([^"]*)"/g)].map((match) => match[1])).toEqual([node.version]);
      const reports = JSON.parse(/REPORTS (.*)/.exec(stdout)?.[1] ?? 'null');
      expect(reports).toEqual([
        { outcome: 'ok', events: 2, messages: 3 },
        { outcome: 'ok', events: 0, messages: 0 },
      ]);
      expect(aws.published.map((entry) => [JSON.parse(entry.message.default).alertId, entry.attributes.audience]).sort()).toEqual([
        ['b1.new.pending.v1', '["machines"]'],
        ['b2.new.rejected-pending.v1', '["machines"]'],
        ['watch-started', '["people"]'],
      ]);
      expect(new Set(aws.published.map((entry) => entry.topicArn))).toEqual(new Set([TOPIC_ARN]));
      // The key is read once per container, not once per run.
      expect(aws.secretReads).toEqual([SECRET_ARN]);
      const items = (await table.doc.send(new ScanCommand({ TableName: table.tableName }))).Items ?? [];
      expect(items.map((item) => `${item.pk}/${item.sk}`).sort()).toEqual(['OPEN/#initialized', 'OPEN/b1', 'OPEN/b2']);
    });

    it('sends a test alert to the alert topic and the chat topic when invoked with the test-alert payload', { timeout: 60_000 }, async () => {
      const CHAT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:portout-watch-chat';
      const aws = await startAwsLoopback({});
      cleanup.push(() => aws.close());
      const script = `
        const { handler } = await import(process.argv[1]);
        const report = await handler(${JSON.stringify(TEST_ALERT_REQUEST)}, { getRemainingTimeInMillis: () => 60000, awsRequestId: 'deploy-check' });
        process.stdout.write('REPORT ' + JSON.stringify(report) + '\\n');`;
      const { stdout } = await run('node', ['--input-type=module', '-e', script, join(assetDir, 'index.mjs')], {
        cwd: tmpdir(),
        env: offlineEnv({
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          // Nothing listens here: a test alert must not touch the state table or Telnyx.
          AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
          AWS_ENDPOINT_URL_SNS: aws.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
          TABLE_NAME: 'portout-watch-state',
          TOPIC_ARN,
          CHAT_TOPICS: JSON.stringify([{ topicArn: CHAT_TOPIC_ARN }]),
          TELNYX_API_KEY_SECRET_ARN: SECRET_ARN,
          TELNYX_BASE_URL: 'http://127.0.0.1:9/v2',
          POWERTOOLS_SERVICE_NAME: 'portout-watch',
          POWERTOOLS_METRICS_NAMESPACE: 'PortoutWatch',
        }),
      });
      expect(JSON.parse(/REPORT (.*)/.exec(stdout)?.[1] ?? 'null')).toEqual({
        outcome: 'test-alert-sent',
        alertId: 'test.deploy-check',
        failed: [],
      });
      expect(aws.published.map((entry) => [entry.topicArn, entry.attributes.eventType])).toEqual([
        [TOPIC_ARN, 'test'],
        [CHAT_TOPIC_ARN, 'test'],
      ]);
      const [main, chat] = aws.published.map((entry) => entry.message as unknown as Record<string, unknown>);
      expect(JSON.parse(String(main?.default))).toMatchObject({ type: 'test', test: true });
      expect(chat).toMatchObject({ version: '1.0', source: 'custom', metadata: { eventType: 'test', threadId: 'portout-watch-test' } });
      expect(aws.secretReads).toEqual([]);
    });
  });
});
