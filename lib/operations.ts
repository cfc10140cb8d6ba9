import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EVENT_TYPES } from '../functions/poller/core/alert-types.ts';
import { METRIC, METRIC_NAMESPACE, SERVICE_NAME } from '../functions/poller/telemetry.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import type { PollerFunction } from './poller-function.ts';

export interface OperationsProps {
  readonly poller: PollerFunction;
  /** Every dead-letter queue in the stack; each gets an alarm. */
  readonly deadLetterQueues: readonly DeadLetterQueue[];
  /** Customer-managed key for the ops topic; CloudWatch can't publish to a topic under the AWS-managed SNS key. */
  readonly key: Key;
  readonly alarmEmail?: string;
  /** Every alarm name starts with this and a dash; the ops topic accepts alarms with that prefix only. */
  readonly alarmNamePrefix: string;
}

/** Missed runs tolerated before the heartbeat alarm fires. */
export const HEARTBEAT_MISSED_INTERVALS = 3;
const DEAD_LETTER_PERIOD = Duration.minutes(5);

/** The poller's own metrics carry the `service` dimension Powertools adds to every metric. */
export function pollerMetric(metricName: string, period: Duration, extraDimensions: Record<string, string> = {}): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, ...extraDimensions },
    statistic: 'Sum',
    period,
  });
}

/** The ops topic, the alarms that publish to it, and a dashboard of both the poller's and AWS's metrics. */
export class Operations extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly heartbeat: Alarm;
  readonly dashboard: Dashboard;
  readonly deadLetterQueues: DeadLetterQueue[];
  private readonly alarmNamePrefix: string;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const fn = props.poller.function;
    const interval = props.poller.interval;
    const prefix = props.alarmNamePrefix;
    this.alarmNamePrefix = prefix;

    // No aws:SourceAccount/aws:SourceArn here: AWS documents this grant without them (SNS "Key management",
    // compatibility with AWS services) and does not say CloudWatch sends them on its KMS calls. A condition the
    // request lacks would silently stop every alarm email. The topic policy below scopes Publish to this stack's alarms.
    props.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToTheOpsTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'Topic', { masterKey: props.key, enforceSSL: true });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowThisStacksAlarms',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${prefix}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );

    this.deadLetterQueues = [...props.deadLetterQueues];
    if (props.alarmEmail) {
      const dlq = new DeadLetterQueue(this, 'AlarmEmailDeadLetters', { label: `alarm email to ${props.alarmEmail}` });
      this.deadLetterQueues.push(dlq);
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail, { deadLetterQueue: dlq.queue }));
    }

    const minutes = interval.toMinutes();
    const heartbeatMetric = new MathExpression({
      expression: 'FILL(m, 0)',
      usingMetrics: { m: pollerMetric(METRIC.pollSucceeded, interval) },
      period: interval,
      label: 'Successful runs',
    });
    this.heartbeat = this.alarm('Heartbeat', heartbeatMetric, {
      name: 'heartbeat',
      description: `No successful portout-watch run in ${HEARTBEAT_MISSED_INTERVALS} intervals (${HEARTBEAT_MISSED_INTERVALS * minutes} minutes): alerts may be going unsent. Read the poller's log group for "poll failed" and check the failed-runs queue.`,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: 1,
      evaluationPeriods: HEARTBEAT_MISSED_INTERVALS,
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.alarm('FunctionErrors', fn.metricErrors({ period: interval, statistic: 'Sum' }), {
      name: 'function-errors',
      description: "The portout-watch poller threw: that run sent nothing. Its log group says why; the failed-runs queue holds the record.",
    });
    this.alarm('AsyncEventsDropped', fn.metric('AsyncEventsDropped', { period: interval, statistic: 'Sum' }), {
      name: 'async-events-dropped',
      description: 'Lambda dropped scheduled invocations of the portout-watch poller (throttled or expired): those runs never happened.',
    });
    this.alarm('TelnyxAuthFailures', pollerMetric(METRIC.telnyxAuthFailures, interval), {
      name: 'telnyx-auth-failures',
      description: 'Telnyx rejected the API key even after a fresh read of the secret. Put a valid key in the secret (docs/deploying.md shows the command).',
    });
    this.alarm('ListingAnomaly', pollerMetric(METRIC.listingAnomaly, interval), {
      name: 'listing-anomaly',
      description:
        'For 3 runs in a row the Telnyx listing looked wrong: it lost most tracked port-outs, ignored the status filter, or held items that no longer fit the schema. The poller drew no conclusions from it; its log group says which. Check the API key belongs to this account and whether Telnyx changed the API.',
      evaluationPeriods: 3,
    });
        for (const dlq of this.deadLetterQueues) {
      const slug = dlq.label.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '');
      this.alarm(
        `DeadLetters${dlq.node.id}`,
        dlq.queue.metricApproximateNumberOfMessagesVisible({ period: DEAD_LETTER_PERIOD, statistic: 'Maximum' }),
        {
          name: `dead-letters-${slug}`,
          description: `Messages are waiting in the dead-letter queue for ${dlq.label}: something was not delivered. Read them in the SQS console, fix the cause, then purge or redrive.`,
        },
      );
    }

    this.dashboard = this.buildDashboard(props.poller);
  }

  private alarm(
    id: string,
    metric: IMetric,
    options: {
      name: string;
      description: string;
      comparisonOperator?: ComparisonOperator;
      threshold?: number;
      evaluationPeriods?: number;
      treatMissingData?: TreatMissingData;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `${this.alarmNamePrefix}-${options.name}`,
      alarmDescription: options.description,
      metric,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: options.threshold ?? 1,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      datapointsToAlarm: options.evaluationPeriods ?? 1,
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }

  private buildDashboard(pollerFunction: PollerFunction): Dashboard {
    const { interval, function: fn } = pollerFunction;
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: this.alarmNamePrefix, defaultInterval: Duration.days(1) });
    const poller = (name: string, label: string, statistic = 'Sum'): IMetric =>
      pollerMetric(name, interval).with({ label, statistic });
    dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Runs',
        left: [poller(METRIC.pollSucceeded, 'Succeeded'), poller(METRIC.pollFailed, 'Failed'), poller(METRIC.leaseBusy, 'Lease busy')],
        width: 12,
      }),
      new GraphWidget({
        title: 'Port-outs watched',
        left: [poller(METRIC.portoutsWatched, 'Pending or rejected-pending', 'Maximum')],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Events by type',
        left: EVENT_TYPES.map((eventType) => pollerMetric(METRIC.events, interval, { eventType }).with({ label: eventType })),
        stacked: true,
        width: 12,
      }),
      new GraphWidget({
        title: 'Alerts',
        left: [
          poller(METRIC.alertsPublished, 'Published'),
          poller(METRIC.alertsFailed, 'Not accepted by SNS'),
          poller(METRIC.alertsPossiblyDuplicated, 'Possibly duplicated'),
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Telnyx errors by kind',
        left: [
          new MathExpression({
            expression: `SEARCH('{${METRIC_NAMESPACE},kind,service} MetricName="${METRIC.telnyxErrors}" service="${SERVICE_NAME}"', 'Sum', ${interval.toSeconds()})`,
            usingMetrics: {},
            label: '',
            period: interval,
          }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Telnyx requests',
        left: [poller(METRIC.telnyxRequests, 'Requests')],
        right: [poller(METRIC.telnyxErrors, 'Errors'), poller(METRIC.telnyxAuthFailures, 'Auth failures')],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Poller function',
        left: [
          fn.metricInvocations({ period: interval, label: 'Invocations' }),
          fn.metricErrors({ period: interval, label: 'Errors' }),
          fn.metricThrottles({ period: interval, label: 'Throttles' }),
          fn.metric('AsyncEventsDropped', { period: interval, statistic: 'Sum', label: 'Async events dropped' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Poller duration (ms)',
        left: [
          fn.metricDuration({ period: interval, statistic: 'Maximum', label: 'Maximum' }),
          fn.metricDuration({ period: interval, statistic: 'p50', label: 'Median' }),
        ],
        leftAnnotations: [{ value: fn.timeout?.toMilliseconds() ?? 0, label: 'Timeout' }],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Dead-letter queues: messages waiting',
        left: this.deadLetterQueues.map((dlq) =>
          dlq.queue.metricApproximateNumberOfMessagesVisible({ period: DEAD_LETTER_PERIOD, statistic: 'Maximum', label: dlq.label }),
        ),
        width: 24,
      }),
    );
    return dashboard;
  }
}
