import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, FunctionUrlAuthType, Runtime, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_ACCOUNT_NAME } from '../functions/poller/core/accounts.ts';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../functions/poller/telemetry.ts';
import { WEBHOOK_ENV } from '../functions/webhook/config.ts';
import { WEBHOOK_METRIC } from '../functions/webhook/telemetry.ts';
import type { FunctionSettings } from './config.ts';
import { bundlingProject, handlerEntry } from './lambda-sources.ts';
import { acknowledgeLogGroupFindings, CONTROL_TOWER, LAMBDA_BUNDLING, type PollerFunction } from './poller-function.ts';

export const WEBHOOK_ENTRY = handlerEntry('webhook/handler.ts');
/** ESM bundles that contain CommonJS dependencies need a `require`; Node's ESM scope has none (as for the poller). */
/** Receiver invocations at once: each takes milliseconds, and the doorbell coalesces whatever gets through. */
export const RECEIVER_CONCURRENCY = 5;

/** Signature failures in 5 minutes that make a burst: probing, or a key rotated in the portal and not here. */
export const SIGNATURE_FAILURE_BURST = 20;

/**
 * Whose webhooks the receiver verifies (keys validated by the config): a single-account deployment's one key, at the
 * bare URL; or every configured account, each at the URL naming it, with its key where one is configured.
 */
export type WebhookPublicKeys =
  | { kind: 'single'; publicKey: string }
  | { kind: 'several'; accounts: ReadonlyArray<{ name: string; publicKey?: string }> };

export interface WebhookReceiverProps {
  readonly poller: PollerFunction;
  readonly publicKeys: WebhookPublicKeys;
  /** Log level and retention follow the poller's. */
  readonly settings: Pick<FunctionSettings, 'logLevel' | 'logRetentionDays'>;
  readonly alarmTopic: ITopic;
  /** Every alarm name starts with this and a dash (the ops topic accepts only those). */
  readonly alarmNamePrefix: string;
}

/**
 * The public HTTPS endpoint Telnyx posts port-out webhooks to: a Lambda Function URL whose only power is to
 * invoke the poller asynchronously. The URL is public by design; the Ed25519 signature is the authentication.
 * Two alarms, on metrics the receiver emits only when something went wrong.
 */
export class WebhookReceiver extends Construct {
  readonly function: NodejsFunction;
  readonly url: FunctionUrl;
  readonly logGroup: LogGroup;
  readonly alarms: Alarm[];

  /**
   * The URL Telnyx posts this account's webhooks to: the Function URL naming the account, or the bare URL for the
   * single or `default` account (whose URL is what it always was).
   */
  urlOf(account: string): string {
    return account === DEFAULT_ACCOUNT_NAME ? this.url.url : `${this.url.url}?account=${account}`;
  }

  constructor(scope: Construct, id: string, props: WebhookReceiverProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.settings.logRetentionDays, removalPolicy: RemovalPolicy.RETAIN });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'portout-watch webhook receiver: its own log group, and invoking the poller, nothing else',
    });
    this.logGroup.grantWrite(role);
    role.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.poller.function.functionArn] }));

    this.function = new NodejsFunction(this, 'Function', {
      description: 'portout-watch: verifies Telnyx port-out webhooks and triggers a poll',
      entry: WEBHOOK_ENTRY,
      handler: 'handler',
      ...bundlingProject(),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      // Telnyx retries an answer slower than about 2 s: memory buys the CPU that keeps a cold start well inside it.
      memorySize: 512,
      timeout: Duration.seconds(10),
      // The URL is public: a flood of unsigned requests must not take the account's concurrency from the poller.
      // Past this, Lambda answers 429 and Telnyx retries. Lambda keeps 10 unreserved, so the account needs a
      // concurrency quota of at least 10 + this (new accounts may start at 10: ask for more before enabling webhooks).
      reservedConcurrentExecutions: RECEIVER_CONCURRENCY,
      role,
      logGroup: this.logGroup,
      environment: {
        ...(props.publicKeys.kind === 'single'
          ? { [WEBHOOK_ENV.publicKey]: props.publicKeys.publicKey }
          : {
              // Every configured account, null where it has no key: a webhook to its URL is refused as such, not as unknown.
              [WEBHOOK_ENV.accounts]: JSON.stringify(
                Object.fromEntries(props.publicKeys.accounts.map(({ name, publicKey }) => [name, publicKey ?? null])),
              ),
            }),
        [WEBHOOK_ENV.pollerFunctionName]: props.poller.function.functionName,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.settings.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: LAMBDA_BUNDLING,
    });
    // CDK (2.220 and later) grants both lambda:InvokeFunctionUrl and lambda:InvokeFunction to everyone for a NONE URL.
    this.url = this.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    acknowledgeLogGroupFindings(this.logGroup, props.settings.logRetentionDays);
    const publicByDesign =
      "Telnyx's webhooks come from the internet with no AWS credentials, so the URL is public by design: the Ed25519 signature over the timestamp and body, checked with the public key of the account the URL names, is the authentication. Anything unsigned, wrongly signed, stale or oversized gets a 4xx before any work, a burst of those is alarmed, and a verified request can at most cause one extra poll (the doorbell bounds them).";
    Validations.of(this.function).acknowledge({ id: CONTROL_TOWER.lambdaPublicAccess, reason: publicByDesign });
    Validations.of(this.function).acknowledge({ id: CONTROL_TOWER.functionUrlAuth, reason: publicByDesign });
    Validations.of(this.function).acknowledge({
      id: CONTROL_TOWER.lambdaInVpc,
      reason:
        'The receiver verifies a signature and calls the Lambda Invoke API; in a VPC it would need a NAT gateway or an interface endpoint for Lambda (about $7 a month per Availability Zone and more) to reach it, for no added protection.',
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Telnyx calls the Function URL synchronously and retries any non-2xx answer itself; there is no asynchronous event to dead-letter.',
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason:
        'One verification and one Invoke per request, described by its log line; X-Ray would need an xray:Put* grant on Resource "*".',
    });

    const metric = (metricName: string) =>
      new Metric({ namespace: METRIC_NAMESPACE, metricName, dimensionsMap: { service: SERVICE_NAME }, statistic: 'Sum', period: Duration.minutes(5) });
    const alarm = (alarmId: string, name: string, description: string, watched: IMetric, threshold: number) => {
      const created = new Alarm(this, alarmId, {
        alarmName: `${props.alarmNamePrefix}-${name}`,
        alarmDescription: description,
        metric: watched,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // Emitted only when non-zero: no data is the good case.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      const action = new SnsAction(props.alarmTopic);
      created.addAlarmAction(action);
      created.addOkAction(action);
      return created;
    };
    this.alarms = [
      alarm(
        'SignatureFailures',
        'webhook-signature-failures',
        props.publicKeys.kind === 'single'
          ? `${SIGNATURE_FAILURE_BURST} or more webhook requests in 5 minutes were unsigned, wrongly signed or stale: someone is probing the URL, or the public key was rotated in the Telnyx portal and webhook.publicKey still holds the old one. Polling on the schedule is unaffected.`
          : `${SIGNATURE_FAILURE_BURST} or more webhook requests in 5 minutes were unsigned, wrongly signed or stale, or came to the URL of an account with no public key configured: someone is probing the URL, a public key was rotated in the Telnyx portal and webhook.publicKey (or the account's webhookPublicKey) still holds the old one, or an account posts webhooks without its webhookPublicKey set. The receiver's "webhook refused" lines name the reason and the account. Polling on the schedule is unaffected.`,
        metric(WEBHOOK_METRIC.signatureFailures),
        SIGNATURE_FAILURE_BURST,
      ),
      alarm(
        'PollNotTriggered',
        'webhook-poll-not-triggered',
        'A verified webhook did not trigger a poll: the poller could not be invoked (throttled, or its permission is gone; Telnyx retries), or Telnyx sent a port-out event in a shape the receiver cannot read (the webhook path is then dead until the receiver is updated). Alerts wait for the scheduled poll, up to one interval. The receiver log says which.',
        metric(WEBHOOK_METRIC.triggerFailures),
        1,
      ),
      // The two above come from code that ran; a receiver that throws (a broken bundle, a bad key in its environment)
      // says nothing itself, and Lambda's own Errors metric is free.
      alarm(
        'ReceiverErrors',
        'webhook-receiver-errors',
        'The webhook receiver threw: Telnyx got a 5xx and will retry, and until it is fixed alerts wait for the scheduled poll (up to one interval). Its log group says why.',
        this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        1,
      ),
    ];
  }
}
