// The package's entry point (`import { PortoutWatch } from 'portout-watch'`); the Control Tower checks are
// `portout-watch/validation`, so that only apps running them load cfn-guard and cdk-nag.
export { ConfigError, type PortoutWatchConfig, type PortoutWatchSettings } from './config.ts';
export { PortoutWatch, type PortoutWatchProps } from './portout-watch.ts';
export { PortoutWatchStack, type PortoutWatchStackProps } from './portout-watch-stack.ts';
