import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_AWS } from '../../local/dynamodb-local.ts';
import { startTelnyxSimulator, type TelnyxSimulator } from '../../local/telnyx-simulator.ts';
import { startAwsLoopback, type AwsLoopback } from '../support/aws-loopback.ts';
import { telnyxPortout } from '../support/factories.ts';

const ROOT = join(import.meta.dirname, '..', '..');

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * `npm start -- args`, as the README says to run it, in the project folder. The environment is this process's minus
 * anything that would reach real Telnyx or AWS, plus `env`. `stopWhen` sends Ctrl-C (SIGINT to the process group,
 * as a terminal does) once the output matches it.
 */
function npmStart(args: string[], env: Record<string, string> = {}, stopWhen?: RegExp): Promise<Finished> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(TELNYX_|TOPIC_ARN|TABLE_NAME|AWS_ENDPOINT_URL)/.test(name)),
  );
  const child = spawn('npm', ['start', '--silent', '--', ...args], {
    cwd: ROOT,
    env: { ...base, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stopWhen && !interrupted && stopWhen.test(stdout)) {
      interrupted = true;
      process.kill(-child.pid!, 'SIGINT');
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** The "alert N · type" headers the console notifier prints, in order (a summary's: the types it covers, then its own). */
const alertTypes = (stdout: string) => [...stdout.matchAll(/┌─ alert \d+ · (\S+)/g)].map((match) => match[1]);

describe('npm start, each way the README documents', () => {
  let sim: TelnyxSimulator;
  let stateDir: string;

  beforeAll(async () => {
    sim = await startTelnyxSimulator();
  });
  afterAll(() => sim.close());
  afterEach(() => {
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('npm start -- --help: lists every option the README names, and exits 0', async () => {
    const run = await npmStart(['--help']);
    expect(run.code).toBe(0);
    for (const option of ['--interval', '--dynamodb-endpoint', '--table', '--state-dir', 'TELNYX_API_KEY', 'TOPIC_ARN']) {
      expect(run.stdout).toContain(option);
    }
  });

  it('TELNYX_API_KEY=… npm start: polls, keeps state on disk, and a second start alerts only what changed', async () => {
    sim.upsert(telnyxPortout({ id: 'start-a' }), telnyxPortout({ id: 'start-b' }));
    stateDir = mkdtempSync(join(tmpdir(), 'portout-watch-state-'));
    // A relative path, as on a fresh clone: DynamoDB Local runs Java in its own package folder, so it must be made absolute.
    const env = { TELNYX_API_KEY: sim.apiKey, TELNYX_BASE_URL: sim.baseUrl };
    const args = ['--state-dir', relative(ROOT, stateDir)];

    const first = await npmStart(args, env);
    expect(first.stderr).not.toContain('exited while starting');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`kept in ${stateDir}`);
    expect(alertTypes(first.stdout)).toEqual(['new,watch-started']);
    expect(readdirSync(stateDir).length).toBeGreaterThan(0);

    sim.setStatus('start-a', 'rejected-pending');
    const second = await npmStart(args, env);
    expect(second.code, second.stderr).toBe(0);
    // The two requests the first start alerted are not alerted again: only the one change is.
    expect(alertTypes(second.stdout)).toEqual(['status-changed']);
    expect(second.stdout).toContain('1 alert(s)');
  }, 180_000);

  it('npm start -- --interval 5: polls again every 5 s until Ctrl-C', async () => {
    const table = `interval-${Date.now()}`;
    const run = await npmStart(
      ['--interval', '5', '--dynamodb-endpoint', inject('dynamoEndpoint'), '--table', table],
      { TELNYX_API_KEY: sim.apiKey, TELNYX_BASE_URL: sim.baseUrl },
      /━━ poll at [\s\S]*→/,
    );
    expect(run.stdout).toContain('━━ poll 1');
    expect(run.stdout).toMatch(/━━ poll at \d{4}-/);
    expect(run.code ?? run.signal).not.toBe(0);
    expect(run.stdout).not.toContain('Done.');
  }, 60_000);

  it('npm start -- --accounts 3: the demo over three simulated accounts, each polled and reported on its own', async () => {
    const run = await npmStart(['--accounts', '3', '--dynamodb-endpoint', inject('dynamoEndpoint'), '--table', `accounts-${Date.now()}`]);
    expect(run.code, run.stderr).toBe(0);
    // Each account's two waiting requests: one summary each on the first poll; later steps happen in brand-a only.
    expect(alertTypes(run.stdout).filter((types) => types === 'new,watch-started')).toHaveLength(3);
    for (const name of ['brand-a', 'brand-b', 'brand-c']) expect(run.stdout).toContain(`${name}: 2 alert(s)`);
    expect(run.stdout).toContain('brand-b: 0 alert(s)');
    // Each alert names its account, in the SMS and the email subject.
    expect(run.stdout).toContain('Subject: brand-c: portout-watch now watches 2 port-out requests');
    expect(run.stdout).toContain('│ brand-c: Watching 2 port-outs');
  }, 60_000);

  it('npm start -- --accounts 10: refused with what is allowed', async () => {
    const run = await npmStart(['--accounts', '10']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--accounts must be a whole number from 1 to 9');
  });

  it('npm start -- --interval 1: refused with what is allowed', async () => {
    const run = await npmStart(['--interval', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--interval must be a whole number of seconds, at least 5');
  });

  it('npm start -- --dynamodb-endpoint URL: the demo keeps its state in that DynamoDB, starting none', async () => {
    const table = `endpoint-${Date.now()}`;
    const endpoint = inject('dynamoEndpoint');
    const run = await npmStart(['--dynamodb-endpoint', endpoint, '--table', table]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('Starting DynamoDB Local');
    expect(run.stdout).toContain(`state in ${endpoint} (table ${table})`);
    expect(alertTypes(run.stdout)).toContain('possible-fraud');
    const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
    expect((await client.send(new ListTablesCommand({}))).TableNames).toContain(table);
    client.destroy();
  }, 60_000);

  describe('TOPIC_ARN=arn:aws:sns:… npm start', () => {
    let aws: AwsLoopback;
    beforeAll(async () => {
      aws = await startAwsLoopback({});
    });
    afterAll(() => aws.close());

    it('publishes every alert to that topic instead of printing it', async () => {
      const topicArn = 'arn:aws:sns:us-east-1:123456789012:portout-watch-test';
      const run = await npmStart(['--dynamodb-endpoint', inject('dynamoEndpoint'), '--table', `topic-${Date.now()}`], {
        TOPIC_ARN: topicArn,
        AWS_ENDPOINT_URL_SNS: aws.endpoint,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`alerts to ${topicArn}`);
      expect(alertTypes(run.stdout)).toEqual([]);
      expect(aws.published.length).toBeGreaterThan(0);
      expect(new Set(aws.published.map((entry) => entry.topicArn))).toEqual(new Set([topicArn]));
      expect(aws.published.map((entry) => JSON.parse(entry.message.default).type)).toEqual(
        expect.arrayContaining(['watch-started', 'status-changed', 'possible-fraud', 'foc-date-changed']),
      );
    }, 60_000);
  });

  it('npm start: the scripted demo, with DynamoDB Local started and stopped for it', async () => {
    const run = await npmStart([]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Starting DynamoDB Local');
    expect(run.stdout).toContain('━━ poll 5 of 5');
    expect(run.stdout).toContain('Done.');
    expect(alertTypes(run.stdout)).toEqual(expect.arrayContaining(['new,watch-started', 'new', 'status-changed', 'possible-fraud', 'foc-date-changed']));
    expect(run.stdout).toContain('Rejection reason "account closed" is not valid');
  }, 180_000);
});
