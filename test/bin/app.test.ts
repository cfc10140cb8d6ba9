import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

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

interface Manifest {
  artifacts: Record<string, { type: string; environment?: string }>;
}

describe('the CDK app', () => {
  it('synthesizes with `npx cdk synth`, offline and without credentials, bundling the poller', { timeout: 120_000 }, async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'portout-watch-synth-'));
    await run('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: ROOT, env: offlineEnv() });

    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.artifacts.PortoutWatch).toMatchObject({
      type: 'aws:cloudformation:stack',
      environment: 'aws://unknown-account/unknown-region',
    });
    const template = JSON.parse(readFileSync(join(outdir, 'PortoutWatch.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function');
    const assetDir = join(outdir, fn?.Metadata?.['aws:asset:path'] ?? 'missing');
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

    // cdk-nag ran as a validation plugin and found nothing.
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
  });

  it('synthesizes one stack per stage from config/<stage>.json, with cdk-nag passing', { timeout: 120_000 }, async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'portout-watch-stages-'));
    const context = JSON.stringify({ stages: 'example', 'aws:cdk:bundling-stacks': [] });
    await run('npx', ['tsx', 'bin/app.ts'], { cwd: ROOT, env: offlineEnv({ CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: context }) });

    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.artifacts['PortoutWatch-example']).toMatchObject({ environment: 'aws://123456789012/us-east-1' });
    expect(manifest.artifacts.PortoutWatch).toBeUndefined();
    expect(existsSync(join(outdir, 'PortoutWatch-example.template.json'))).toBe(true);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
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
});
