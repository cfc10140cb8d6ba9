import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parseConfig, type PortoutWatchSettings } from './config.ts';
import { PortoutWatch } from './portout-watch.ts';

export interface PortoutWatchStackProps extends Omit<StackProps, 'env'> {
  /** Every setting, `account` and `region` included: they become the stack's env. */
  readonly settings: PortoutWatchSettings;
}

/**
 * Id of the stack's one PortoutWatch. CDK leaves a construct named `Default` out of logical ids, so every
 * resource keeps the logical id it had when the stack built them itself: no deployed table, key or secret
 * is replaced.
 */
const WATCH_ID = 'Default';

/** Our app's stack: one account's PortoutWatch and nothing else. */
export class PortoutWatchStack extends Stack {
  readonly watch: PortoutWatch;

  constructor(scope: Construct, id: string, { settings, ...stackProps }: PortoutWatchStackProps) {
    const { account, region, ...watchSettings } = settings;
    // Checks account and region before they become the env; the construct checks the rest.
    const env = parseConfig({ account, region }, `the settings of stack ${id}`);
    super(scope, id, {
      description: 'portout-watch: alerts by email and SMS when a Telnyx port-out request appears or changes',
      // Unset, the stack is environment-agnostic and deploys wherever the CLI's credentials point.
      env: { account: env.account, region: env.region },
      ...stackProps,
    });
    this.watch = new PortoutWatch(this, WATCH_ID, watchSettings);
  }
}
