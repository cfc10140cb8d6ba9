import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.ts';
import { MANAGED_TABLE_ACTIONS, TABLE_ACTIONS } from '../../lib/poller-function.ts';
import { build, FULL_CONFIG, MANAGED_CONFIG, SEVERAL_ACCOUNTS_CONFIG, synthesize } from './synth.ts';

/** Why `raw` fails to build, as the ConfigError synth reports. */
function synthError(raw: unknown): string {
  try {
    build(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected synth to fail');
}

const brands = (count: number) => Array.from({ length: count }, (_, i) => `brand-${i}`);

describe("the poller's environment", () => {
  it("fails synth when an account list and a Slack channel per account outgrow Lambda's 4 KB, naming the settings and the fix", () => {
    const names = brands(15);
    const message = synthError({
      telnyxAccounts: [{ name: 'default' }, ...names.map((name) => ({ name }))],
      alerts: {
        slack: names.map((name, i) => ({ workspaceId: 'T07EA123LEP', channelId: `C07EZ1ABC${String(i).padStart(2, '0')}`, filterPolicy: { account: [name] } })),
      },
    });
    expect(message).toMatch(/^invalid portout-watch configuration: the poller's environment could take up to [\d,]+ bytes once deployed, more than the 4,096 Lambda allows a function:/);
    expect(message).toMatch(/TELNYX_ACCOUNTS \(telnyxAccounts\) [\d,]+ bytes/);
    expect(message).toMatch(/CHAT_TOPICS \(alerts\.slack and alerts\.teams: one topic per distinct filterPolicy\) [\d,]+ bytes/);
    expect(message).toContain('give accounts an existing secret by a short name (apiKeySecret: a secret the stack creates is known by its full ARN');
    expect(message).toContain('give chat channels fewer distinct filter policies');
  });

  it('fails synth when created secrets alone outgrow it', () => {
    expect(synthError({ telnyxAccounts: brands(25).map((name) => ({ name })) })).toMatch(/TELNYX_ACCOUNTS \(telnyxAccounts\) [\d,]+ bytes/);
  });

  it.each([
    ['the default config', {}],
    ['every setting', FULL_CONFIG],
    ['several accounts', SEVERAL_ACCOUNTS_CONFIG],
  ])('fits with %s', (_name, raw) => {
    expect(() => build(raw)).not.toThrow();
  });
});

describe("the poller's table grant", () => {
  const tableActions = (raw: unknown): string[] => {
    const { template } = synthesize(raw);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => (policy as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[] }> } } }).Properties.PolicyDocument.Statement,
    );
    return statements.map((statement) => [statement.Action].flat()).find((actions) => actions.includes('dynamodb:Query')) ?? [];
  };

  it('adds GetItem, for the managed accounts watched before, only where managed accounts are watched', () => {
    expect(tableActions({})).toEqual([...TABLE_ACTIONS]);
    expect(tableActions(SEVERAL_ACCOUNTS_CONFIG)).toEqual([...TABLE_ACTIONS]);
    expect(tableActions(MANAGED_CONFIG).sort()).toEqual([...MANAGED_TABLE_ACTIONS].sort());
  });
});
