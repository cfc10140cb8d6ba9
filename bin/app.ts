import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { ConfigError } from '../lib/config.ts';
import { PortoutWatchStack } from '../lib/portout-watch-stack.ts';
import { resolveStages } from '../lib/stages.ts';
import { validationPlugins } from '../lib/validation-plugins.ts';

const CONFIG_DIR = fileURLToPath(new URL('../config/', import.meta.url));

const app = new App();
try {
  for (const { stackId, settings } of resolveStages(app.node, CONFIG_DIR)) {
    new PortoutWatchStack(app, stackId, { settings });
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
// cdk-nag and Control Tower's proactive controls: any unacknowledged finding fails `cdk synth` and `cdk deploy`.
Validations.of(app).addPlugins(...validationPlugins(app));
