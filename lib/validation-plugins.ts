import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { App, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

/**
 * AWS Control Tower's proactive controls, run offline by cfn-guard on the synthesized template. Every bundled
 * rule is on; a finding the stack accepts is acknowledged on its resource with the reason, as for cdk-nag.
 *
 * cfn-guard's findings carry no severity. Once any finding is acknowledged, CDK (2.276) re-judges the report by
 * severity alone, so without one every other finding would pass `cdk synth` unnoticed: each is marked an error here.
 */
export class ControlTowerChecks implements IPolicyValidationPlugin {
  private readonly guard = new CfnGuardValidator();
  readonly name = this.guard.name;
  readonly version = this.guard.version;
  readonly ruleIds = this.guard.ruleIds;

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.guard.validate(context);
    return { ...report, violations: report.violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })) };
  }
}

/** What `cdk synth` checks the app against; any unacknowledged finding fails synth and deploy. */
export function validationPlugins(app: App): IPolicyValidationPlugin[] {
  return [new AwsSolutionsChecks(app), new ServerlessChecks(app), new ControlTowerChecks()];
}
