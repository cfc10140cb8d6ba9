import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const FIXTURE = new URL('./app/', import.meta.url).pathname;
const ROOT_MODULES = join(ROOT, 'node_modules');

interface PackageJson {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The environment of a machine that has never seen AWS: no credentials, no profile, no default account. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(AWS_|CDK_)/.test(key)));
  return { ...env, AWS_CONFIG_FILE: '/nonexistent/aws-config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials', AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/**
 * What `npm install` would leave in the consumer's node_modules, without the network: portout-watch from its
 * tarball, and every package it or the app declares linked from this repository's node_modules. Nothing else is
 * there, so an import the package forgot to declare, or a file it forgot to ship, fails the synth.
 */
async function installConsumer(tarball: string, dir: string): Promise<void> {
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, 'portout-watch'), { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', join(modules, 'portout-watch'), '--strip-components=1']);
  const installed = readJson<PackageJson>(join(modules, 'portout-watch', 'package.json'));
  const app = readJson<PackageJson>(join(dir, 'package.json'));
  const names = new Set(
    [installed.dependencies, installed.peerDependencies, app.dependencies, app.devDependencies].flatMap((deps) => Object.keys(deps ?? {})),
  );
  names.delete('portout-watch');
  for (const name of names) {
    mkdirSync(join(modules, name, '..'), { recursive: true });
    symlinkSync(join(ROOT_MODULES, name), join(modules, name));
  }
  // npm links each dependency's bins; CDK runs esbuild's from the consumer's project.
  mkdirSync(join(modules, '.bin'));
  symlinkSync(join(ROOT_MODULES, 'esbuild', 'bin', 'esbuild'), join(modules, '.bin', 'esbuild'));
}

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

describe('a platform team’s CDK app with portout-watch installed from its package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portout-watch-consumer-'));
  const outdir = join(dir, 'cdk.out');
  let packedFiles: string[] = [];
  let stdout = '';
  const seconds: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      seconds[step] = Math.round((performance.now() - start) / 100) / 10;
    }
  };

  beforeAll(async () => {
    // `npm pack` runs the prepack build, as publishing would.
    const packed = await timed('pack', () => run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, env: offlineEnv() }));
    const [report] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: { path: string }[] }>;
    packedFiles = report?.files.map((file) => file.path) ?? [];
    cpSync(FIXTURE, dir, { recursive: true });
    await installConsumer(join(dir, report?.filename ?? 'missing.tgz'), dir);
    await timed('typecheck', () => run(process.execPath, [join(ROOT_MODULES, 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir }));
    ({ stdout } = await timed('synth', () =>
      run(process.execPath, [join(ROOT_MODULES, 'tsx', 'dist', 'cli.mjs'), 'app.ts'], { cwd: dir, env: offlineEnv({ CDK_OUTDIR: outdir }) }),
    ));
    console.info(`consumer test: ${JSON.stringify(seconds)} seconds`);
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the built entry points and the handlers’ sources, and nothing of the tests or tools', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['package.json', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/validation-plugins.js', 'functions/poller/handler.ts', 'functions/webhook/handler.ts']));
    expect(packedFiles.filter((path) => !/^(dist|functions)\//.test(path)).sort()).toEqual(['README.md', 'package.json']);
  });

  it('synthesizes with cdk-nag and the Control Tower checks finding nothing unacknowledged', () => {
    expect(JSON.parse(/AWS_SOLUTIONS_FINDINGS (.*)/.exec(stdout)?.[1] ?? 'null')).toEqual([]);
    const report = readJson<{ pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string }[] }[] }>(join(outdir, 'validation-report.json'));
    expect(report.pluginReports.map((plugin) => [plugin.pluginName, plugin.conclusion, plugin.violations.map((v) => v.ruleName)])).toEqual([
      ['cdk-validator-cfnguard', 'success', []],
    ]);
  });

  it('bundles the poller and the webhook receiver from the installed package, in the consumer’s directory', () => {
    const template = readJson<Template>(join(outdir, 'PlatformBaseline.template.json'));
    const functions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      // Without the CLI there is no asset metadata: the code's S3 key names the asset's directory.
      const s3Key = (fn.Properties?.Code as { S3Key?: string } | undefined)?.S3Key ?? 'missing';
      const assetDir = join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
      expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      expect(readFileSync(join(assetDir, 'index.mjs'), 'utf8')).toMatch(/export\s*\{[^}]*\bas handler\b/);
      const { sources } = readJson<{ sources: string[] }>(join(assetDir, 'index.mjs.map'));
      expect(sources.filter((source) => /handler\.ts$/.test(source))).toEqual([
        expect.stringMatching(/node_modules\/portout-watch\/functions\/(poller|webhook)\/handler\.ts$/),
      ]);
    }
  });
});
