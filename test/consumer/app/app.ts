// A platform team's CDK app with portout-watch added, imported by name as from an npm install.
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PortoutWatch } from 'portout-watch';
import { ControlTowerChecks } from 'portout-watch/validation';

const app = new App();
const stack = new Stack(app, 'PlatformBaseline', { env: { account: '123456789012', region: 'eu-west-1' } });
new PortoutWatch(stack, 'PortoutWatch', {
  schedule: 'rate(10 minutes)',
  table: { encryption: 'customer-managed' },
  alerts: { email: ['noc@example.com'], sms: ['+14155550100'] },
  operations: { alarmEmail: 'oncall@example.com' },
  webhook: { publicKey: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=' },
});
// The platform's own checks: any finding the construct does not acknowledge fails synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app), new ControlTowerChecks());

// For the test: what AwsSolutions finds in the tree, acknowledged findings aside.
const findings = new AwsSolutionsChecks().validateScope(app).violations.flatMap((violation) =>
  violation.violatingResources.map((resource) => `${violation.ruleName} @ ${resource.constructPath}`),
);
process.stdout.write(`AWS_SOLUTIONS_FINDINGS ${JSON.stringify(findings)}\n`);
