/**
 * `npm run test-alert [-- --stage prod] [--region us-east-1]`: after a deploy, asks the deployed poller to send one
 * test alert through every configured channel (email, SMS, Slack, Teams, machine subscribers), so you see each one
 * arrive before a real port-out tests it for you. Uses your AWS credentials; it only reads the stack's outputs and
 * invokes the function.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { TEST_ALERT_REQUEST, type TestAlertReport } from '../functions/poller/core/test-alert.ts';
import { ConfigError } from '../lib/config.ts';
import { resolveStages, STAGES_CONTEXT_KEY } from '../lib/stages.ts';

const ROOT = new URL('..', import.meta.url);
const USAGE = `Usage: npm run test-alert [-- options]

  --stage NAME     the stage deployed with -c stages=NAME (stack PortoutWatch-NAME); default: the stack PortoutWatch
  --region REGION  where it is deployed, if its config sets no region (default: your AWS configuration's)
  -h, --help       show this help
`;

/** The stack output that names the poller (lib/portout-watch-stack.ts). */
export const FUNCTION_NAME_OUTPUT = 'PollerFunctionName';

export interface TestAlertClients {
  cloudFormation: (region: string | undefined) => Pick<CloudFormationClient, 'send'>;
  lambda: (region: string | undefined) => Pick<LambdaClient, 'send'>;
  write: (text: string) => void;
}

/** The stack and region a stage deploys to, as `cdk deploy` resolves them from cdk.json and config/<stage>.json. */
function stackOf(stage: string | undefined): { stackName: string; region: string | undefined } {
  const context = (JSON.parse(readFileSync(new URL('cdk.json', ROOT), 'utf8')) as { context: Record<string, unknown> }).context;
  const [definition] = resolveStages(
    { tryGetContext: (key) => (key === STAGES_CONTEXT_KEY ? stage : context[key]) },
    fileURLToPath(new URL('config/', ROOT)),
  );
  if (!definition) throw new ConfigError('no stack to test');
  return { stackName: definition.stackId, region: definition.config.region };
}

export async function runTestAlert(argv: string[], clients: TestAlertClients): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { stage: { type: 'string' }, region: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    clients.write(USAGE);
    return 0;
  }
  const stack = stackOf(values.stage);
  const region = stack.region ?? values.region;

  const described = await clients.cloudFormation(region).send(new DescribeStacksCommand({ StackName: stack.stackName }));
  const functionName = described.Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === FUNCTION_NAME_OUTPUT)?.OutputValue;
  if (!functionName) {
    clients.write(`${stack.stackName} has no ${FUNCTION_NAME_OUTPUT} output: deploy it first (npx cdk deploy${values.stage ? ` -c stages=${values.stage}` : ''}).\n`);
    return 1;
  }

  const invoked = await clients.lambda(region).send(
    new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(TEST_ALERT_REQUEST)) }),
  );
  const payload = new TextDecoder().decode(invoked.Payload ?? new Uint8Array());
  if (invoked.FunctionError) {
    clients.write(`The poller ${functionName} failed (${invoked.FunctionError}): ${payload}\nSee its log group for details.\n`);
    return 1;
  }
  const report = JSON.parse(payload) as TestAlertReport;
  if (report.outcome !== 'test-alert-sent') {
    const reasons = report.failed.map((failure) => failure.reason).join('; ');
    clients.write(`SNS did not accept the test alert ${report.alertId}: ${reasons}\n`);
    return 1;
  }
  clients.write(
    `Test alert ${report.alertId} sent by ${functionName} (${stack.stackName}).\n` +
      'Check that it arrived everywhere: each email inbox (and its spam folder), each phone, each Slack or Teams channel,\n' +
      'and each machine subscriber (eventType "test"). A subscription whose filter policy leaves out eventType "test"\n' +
      'or filters on status or countryCodes does not receive it.\n',
  );
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runTestAlert(process.argv.slice(2), {
    cloudFormation: (region) => new CloudFormationClient(region ? { region } : {}),
    lambda: (region) => new LambdaClient(region ? { region } : {}),
    write: (text) => process.stdout.write(text),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
