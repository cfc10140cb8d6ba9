import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { FUNCTION_NAME_OUTPUT, runTestAlert } from '../../bin/test-alert.ts';
import { TEST_ALERT_REQUEST } from '../../functions/poller/core/test-alert.ts';

const cloudFormation = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
/** A Lambda response payload as the SDK hands it over: bytes that can also turn themselves into a string. */
const encode = (value: unknown) => {
  const text = JSON.stringify(value);
  return Object.assign(new TextEncoder().encode(text), { transformToString: () => text });
};

function cli() {
  const regions: Array<string | undefined> = [];
  let output = '';
  const clients = {
    cloudFormation: (region: string | undefined) => {
      regions.push(region);
      return new CloudFormationClient({ region: region ?? 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    },
    lambda: (region: string | undefined) => new LambdaClient({ region: region ?? 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    write: (text: string) => {
      output += text;
    },
  };
  return { clients, regions, output: () => output };
}

const deployed = (functionName: string | undefined) =>
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'PortoutWatch',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: functionName ? [{ OutputKey: FUNCTION_NAME_OUTPUT, OutputValue: functionName }] : [],
      },
    ],
  });

beforeEach(() => {
  cloudFormation.reset();
  lambda.reset();
});

describe('npm run test-alert', () => {
  it('finds the deployed poller from the stack outputs and invokes it with the test-alert payload', async () => {
    deployed('PortoutWatch-PollerFunction-abc');
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ outcome: 'test-alert-sent', alertId: 'test.r1', failed: [] }) });
    const run = cli();

    expect(await runTestAlert([], run.clients)).toBe(0);

    expect(cloudFormation).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'PortoutWatch' });
    const invoke = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(invoke?.FunctionName).toBe('PortoutWatch-PollerFunction-abc');
    expect(JSON.parse(new TextDecoder().decode(invoke?.Payload as Uint8Array))).toEqual(TEST_ALERT_REQUEST);
    expect(run.output()).toMatch(/^Test alert test\.r1 sent by PortoutWatch-PollerFunction-abc \(PortoutWatch\)\.\nCheck that it arrived everywhere/);
  });

  it('tests a stage’s stack, in the region its config names', async () => {
    deployed('fn');
    lambda.on(InvokeCommand).resolves({ Payload: encode({ outcome: 'test-alert-sent', alertId: 'test.r2', failed: [] }) });
    const run = cli();

    expect(await runTestAlert(['--stage', 'example', '--region', 'eu-west-1'], run.clients)).toBe(0);

    expect(cloudFormation).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'PortoutWatch-example' });
    expect(run.regions).toEqual(['us-east-1']);
  });

  it('says to deploy first when the stack has no poller output', async () => {
    deployed(undefined);
    const run = cli();

    expect(await runTestAlert(['--stage', 'example'], run.clients)).toBe(1);

    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
    expect(run.output()).toBe('PortoutWatch-example has no PollerFunctionName output: deploy it first (npx cdk deploy -c stages=example).\n');
  });

  it('fails, pointing at the logs, when the poller failed', async () => {
    deployed('fn');
    lambda.on(InvokeCommand).resolves({ FunctionError: 'Unhandled', Payload: encode({ errorMessage: 'invalid configuration: TOPIC_ARN is not set' }) });
    const run = cli();

    expect(await runTestAlert([], run.clients)).toBe(1);
    expect(run.output()).toContain('The poller fn failed (Unhandled): {"errorMessage":"invalid configuration: TOPIC_ARN is not set"}');
  });

  it('fails, with SNS’s reasons, when the alert was not accepted', async () => {
    deployed('fn');
    lambda.on(InvokeCommand).resolves({
      Payload: encode({ outcome: 'test-alert-failed', alertId: 'test.r3', failed: [{ alertId: 'test.r3', reason: 'chat topic: AuthorizationError' }] }),
    });
    const run = cli();

    expect(await runTestAlert([], run.clients)).toBe(1);
    expect(run.output()).toBe('SNS did not accept the test alert test.r3: chat topic: AuthorizationError\n');
  });

  it('names the stage file when a stage has no config', async () => {
    await expect(runTestAlert(['--stage', 'nosuchstage'], cli().clients)).rejects.toThrow(/stage nosuchstage: .*nosuchstage\.json does not exist/);
  });
});
