import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatTestAlert } from '../../local/test-alert.ts';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

describe('npm start -- --test-alert', () => {
  it('prints the test alert in every channel: SMS, email, chat and the JSON document', () => {
    const text = formatTestAlert({ SMS_DISPLAY_NAME: 'Portouts' }, new Date('2026-11-27T16:00:00.000Z'));
    const sections = ['  ├ SMS', '  ├ Email', '  ├ Slack and Teams', '  ├ JSON document', '  ├ Message attributes'];
    const at = sections.map((section) => text.indexOf(section));
    expect(at.every((index) => index > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text).toContain('  │ portout-watch TEST alert: SMS alerts reach this phone. No port-out happened, nothing to do\n');
    expect(text).toContain('  │ Subject: portout-watch TEST alert: no port-out happened\n');
    expect(text).toContain('"threadId": "portout-watch-test"');
    expect(text).toContain('"type": "test"');
    expect(text).toContain('Message attributes: {"eventType":"test","audience":["people","machines"]}');
  });

  it('runs from npm start without starting DynamoDB Local or the simulator, and exits 0', { timeout: 60_000 }, async () => {
    const { stdout } = await run('npx', ['tsx', 'local/start.ts', '--test-alert'], { cwd: ROOT });
    expect(stdout).toMatch(/^┌─ test alert test\.local-\d+: every channel\n/);
    expect(stdout).not.toContain('DynamoDB Local');
    expect(stdout).toContain('After a deploy, `npm run test-alert` sends this through every configured channel.');
  });
});
