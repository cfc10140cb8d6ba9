import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ConfigError } from '../lib/config.ts';
import { PortoutWatchStack } from '../lib/portout-watch-stack.ts';
import { resolveStages } from '../lib/stages.ts';

const CONFIG_DIR = fileURLToPath(new URL('../config/', import.meta.url));

const app = new App();
try {
  for (const { stackId, config } of resolveStages(app.node, CONFIG_DIR)) {
    new PortoutWatchStack(app, stackId, { config });
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
// Any unacknowledged finding fails `cdk synth` and `cdk deploy`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
