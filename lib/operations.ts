import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
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
import { WATCHES, type Watch } from '../functions/poller/core/watch-health.ts';
import { FLEET_FINISHED, METRIC, METRIC_NAMESPACE, POLL_FINISHED, SERVICE_NAME } from '../functions/poller/telemetry.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import type { PollerFunction } from './poller-function.ts';

export interface OperationsProps {
  readonly poller: PollerFunction;
  /**
   * The stack's one dead-letter queue: failed runs, undeliverable alerts and undeliverable alarm emails all wait
   * there, under one alarm. The alarm email's subscription files its undeliverable messages there too.
   */
  readonly deadLetterQueue: DeadLetterQueue;
  /** Customer-managed key for the ops topic; CloudWatch can't publish to a topic under the AWS-managed SNS key. */
  readonly key: Key;
  readonly alarmEmail?: string;
  /** Every alarm name starts with this and a dash; the ops topic accepts alarms with that prefix only. */
  readonly alarmNamePrefix: string;
  /** A CloudWatch dashboard costs $3 a month beyond an account's three free ones, so it is opt-in. */
  readonly dashboard: boolean;
  /**
   * Only when the deployment watches more than the lone `default` account: the configured accounts, each with an
   * alarm of its own, and whether managed accounts are discovered.
   */
  readonly accounts?: { readonly configured: readonly string[]; readonly managed: boolean };
}

/** Missed runs tolerated before the heartbeat alarm fires. */
export const HEARTBEAT_MISSED_INTERVALS = 3;
/** Runs in a row a part of the watch must be down before its alarm fires: one failed run is retried by the next. */
export const WATCH_DOWN_RUNS = 3;
const DEAD_LETTER_PERIOD = Duration.minutes(5);

/** What each watch-down alarm says: which alerts are not going out, and what to do. */
const WATCH_DOWN: Record<Watch, { constructId: string; title: string; description: string }> = {
  status: {
    constructId: 'StatusWatchDown',
    title: 'status watch down',
    description:
      'the listing of pending port-outs or the lookups of tracked ones missing from it failed, or the listing looked wrong (it lost most tracked port-outs, ignored the status filter, or held items that no longer fit the schema). New requests, status changes and vanished requests may go unalerted; nothing was concluded from the missing data. Read the WARN lines in the poller\'s log group (query "listing" or "lookups", and the listing warnings); check that the API key belongs to this Telnyx account and whether Telnyx changed the API.',
  },
  'fraud-gap': {
    constructId: 'FraudGapWatchDown',
    title: 'fraud-gap watch down',
    description:
      'the query for port-outs created already rejected (wrong-PIN attempts) failed, so possible-fraud alerts, the most urgent ones, are not going out. They are sent late if the query recovers within the look-back (poller.lookbackHours). Read the WARN lines with query "fraud-gap" in the poller\'s log group. If this Telnyx account really has no such query, set poller.watchRejected: false and deploy.',
  },
  comments: {
    constructId: 'CommentWatchDown',
    title: 'comment watch down',
    description:
      'the Telnyx events feed that carries comments failed (an error or a 404), so new-comment alerts are not going out, including Telnyx refusing a rejection. They are sent late if the feed recovers within the look-back (poller.lookbackHours). Read the WARN lines with query "comments" in the poller\'s log group. If this Telnyx account really lacks the feed, set poller.watchComments: false and deploy.',
  },
};

/** A Logs Insights query over the poller's log group for the WARN and ERROR lines matching `filter`. */
const logsQuery = (filter: string) => `fields @timestamp, account, message | filter level in ["WARN", "ERROR"] and ${filter} | sort @timestamp desc`;

/** With several accounts, which key was refused is in the logs; a managed account's own key is no person's to set. */
function severalAccountsAuthFailures(accounts: NonNullable<OperationsProps['accounts']>): string {
  const configured =
    accounts.configured.length > 0
      ? ` A configured account's key: its account-<name>-down alarm follows, and its "poll failed" line carries its account; put a valid key in that account's secret (the stack's SetTelnyxApiKeyCommand output for it).`
      : '';
  const managed = accounts.managed
    ? " Managed accounts' keys come from Telnyx through the manager key: when that is refused, managed-account-discovery follows; put the manager account's key in its secret (the SetManagerKeyCommand output). A managed account's own refused key counts in managed-accounts-down, not here."
    : '';
  return `portout-watch: Telnyx rejected an API key even after a fresh read.${configured}${managed} In Logs Insights on the poller's log group: ${logsQuery('message like /poll failed|discovery failed/')}.`;
}

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

/**
 * The ops topic and the alarms that publish to it, each reading as few metrics as will still catch every silent
 * failure (alarms are billed per metric they read); and, if asked for, a dashboard.
 */
export class Operations extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly heartbeat: Alarm;
  readonly watchDown: Record<Watch, Alarm>;
  readonly dashboard?: Dashboard;
  readonly deadLetterQueue: DeadLetterQueue;
  private readonly alarmNamePrefix: string;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
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

    this.deadLetterQueue = props.deadLetterQueue;
    if (props.alarmEmail) {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail, { deadLetterQueue: this.deadLetterQueue.queue }));
    }

    const minutes = interval.toMinutes();
    const heartbeatMetric = new MathExpression({
      expression: 'FILL(m, 0)',
      usingMetrics: { m: pollerMetric(METRIC.pollSucceeded, interval) },
      period: interval,
      label: 'Successful runs',
    });
    // A run that throws, is throttled or dropped by Lambda, or never starts sends no PollSucceeded: this one alarm
    // covers what the function-errors and async-events-dropped alarms used to, and the dead-letter alarm (failed
    // runs and dropped events land in the queue) says it at once.
    this.heartbeat = this.alarm('Heartbeat', heartbeatMetric, {
      name: 'heartbeat',
      description: `No fully successful portout-watch run in ${HEARTBEAT_MISSED_INTERVALS} intervals (${HEARTBEAT_MISSED_INTERVALS * minutes} minutes): alerts may be going unsent. The poller threw, was never invoked, left work for the next run, or a part of the watch was down (a watch-down alarm then names it). Read the poller's log group for "poll failed" and "poll finished" lines and check the dead-letter queue and the other alarms.`,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: 1,
      evaluationPeriods: HEARTBEAT_MISSED_INTERVALS,
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.alarm('TelnyxAuthFailures', pollerMetric(METRIC.telnyxAuthFailures, interval), {
      name: 'telnyx-auth-failures',
      description: props.accounts
        ? severalAccountsAuthFailures(props.accounts)
        : 'Telnyx rejected the API key even after a fresh read of the secret. Put a valid key in the secret (docs/deploying.md shows the command).',
    });
    // WatchDown is sent only in runs where the watch was down, so missing data is a healthy run.
    const watchDown = (watch: Watch) =>
      this.alarm(WATCH_DOWN[watch].constructId, pollerMetric(METRIC.watchDown, interval, { watch }), {
        name: WATCH_DOWN[watch].title.replace(/ /g, '-'),
        description: `portout-watch ${WATCH_DOWN[watch].title}: in ${WATCH_DOWN_RUNS} runs of ${WATCH_DOWN_RUNS + 1} intervals ${WATCH_DOWN[watch].description}`,
        // 3 failing runs within 4 intervals: a run that ends just past an interval's edge leaves one interval empty,
        // which must not restart the count.
        evaluationPeriods: WATCH_DOWN_RUNS + 1,
        datapointsToAlarm: WATCH_DOWN_RUNS,
      });
    this.watchDown = { status: watchDown('status'), 'fraud-gap': watchDown('fraud-gap'), comments: watchDown('comments') };
    if (props.accounts) this.accountAlarms(props.accounts, interval);
    // On arrivals, not on messages waiting: one queue serves every failure, and a backlog nobody purged (the failed
    // runs before the API key was set, say) would otherwise hold the alarm in ALARM and hide every later arrival.
    this.alarm(
      'DeadLetters',
      this.deadLetterQueue.queue.metricNumberOfMessagesSent({ period: DEAD_LETTER_PERIOD, statistic: 'Sum' }),
      {
        name: 'dead-letters',
        description: `A message arrived in the dead-letter queue (${this.deadLetterQueue.label}) in the last 5 minutes: a run failed or was dropped, or an alert or alarm email could not be delivered. Each new arrival raises this alarm again. Read them in the SQS console (a failed run carries its error; an undelivered message its SNS envelope and error), fix the cause (an unconfirmed or opted-out recipient, the SMS spend limit), then purge.`,
      },
    );

    if (props.dashboard) this.dashboard = this.buildDashboard(props.poller, props.accounts);
  }

  /**
   * Per configured account, and for the managed accounts as a whole, 3 failing runs within 4 intervals, as the
   * watch-down alarms (a managed account has no alarm of its own: there may be hundreds, and they come and go).
   */
  private accountAlarms(accounts: NonNullable<OperationsProps['accounts']>, interval: Duration): void {
    const runs = { evaluationPeriods: WATCH_DOWN_RUNS + 1, datapointsToAlarm: WATCH_DOWN_RUNS };
    const within = `in ${WATCH_DOWN_RUNS} runs of ${WATCH_DOWN_RUNS + 1} intervals`;
    for (const name of accounts.configured) {
      this.alarm(`AccountDown-${name}`, pollerMetric(METRIC.accountDown, interval, { account: name }), {
        name: `account-${name}-down`,
        description: `portout-watch: Telnyx account "${name}" down: ${within} its poll was not healthy (Telnyx refused its API key, a query failed, or its listing looked wrong), so its alerts may be going unsent; the other accounts are still watched. Its log lines carry account: "${name}"; in Logs Insights on the poller's log group: ${logsQuery(`account = "${name}"`)}. A refused key: put a valid key in the account's secret (the stack's SetTelnyxApiKeyCommand output for it).`,
        ...runs,
      });
    }
    if (!accounts.managed) return;
    this.alarm('ManagedAccountsDown', pollerMetric(METRIC.managedAccountsDown, interval), {
      name: 'managed-accounts-down',
      description: `portout-watch: managed accounts down: ${within} the poll of at least one managed Telnyx account was not healthy, so its alerts may be going unsent; the other accounts are still watched. The poller names them in a WARN line each run; in Logs Insights on the poller's log group: ${logsQuery('(account like /^managed-/ or message like /managed/)')}.`,
      ...runs,
    });
    this.alarm('ManagedAccountDiscovery', pollerMetric(METRIC.managedDiscoveryFailed, interval), {
      name: 'managed-account-discovery',
      description: `portout-watch: managed-account discovery failing: ${within} listing the manager account's managed accounts failed or its key was refused, so new managed accounts are not picked up (those already known are still watched). In Logs Insights on the poller's log group: ${logsQuery('message like /managed/')}. A refused key: put the manager account's key in its secret (the stack's SetManagerKeyCommand output).`,
      ...runs,
    });
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
      /** Of the evaluation periods, how many must breach; all of them unless set. */
      datapointsToAlarm?: number;
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
      datapointsToAlarm: options.datapointsToAlarm ?? options.evaluationPeriods ?? 1,
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }

  /** Only free AWS metrics, the poller's usually-absent counts, and log queries over each run's summary line. */
  private buildDashboard(pollerFunction: PollerFunction, accounts: OperationsProps['accounts']): Dashboard {
    const { interval, function: fn, logGroup } = pollerFunction;
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: this.alarmNamePrefix, defaultInterval: Duration.days(1) });
    const poller = (name: string, label: string): IMetric => pollerMetric(name, interval).with({ label });
    const bin = `${interval.toMinutes()}m`;
    dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Runs',
        left: [poller(METRIC.pollSucceeded, 'Succeeded'), poller(METRIC.pollFailed, 'Not healthy'), poller(METRIC.leaseBusy, 'Lease busy')],
        width: 12,
      }),
      new GraphWidget({
        title: 'Watches down',
        left: WATCHES.map((watch) => pollerMetric(METRIC.watchDown, interval, { watch }).with({ label: WATCH_DOWN[watch].title })),
        right: [poller(METRIC.listingAnomaly, 'Listing anomaly'), poller(METRIC.invalidPortouts, 'Unreadable port-outs')],
        width: 12,
      }),
    );
    if (accounts) {
      dashboard.addWidgets(
        new GraphWidget({
          title: 'Accounts down',
          left: accounts.configured.map((account) => pollerMetric(METRIC.accountDown, interval, { account }).with({ label: account })),
          right: accounts.managed
            ? [
                poller(METRIC.managedAccountsDown, 'Managed accounts down'),
                poller(METRIC.managedAccountsDisabled, 'Managed accounts disabled'),
                poller(METRIC.managedDiscoveryFailed, 'Discovery failed'),
              ]
            : [],
          width: 24,
        }),
      );
    }
    // Port-outs watched and Telnyx requests are in every run's summary line; reading them there costs no metric. A
    // fleet run also writes one `poll finished` line per account (with `account`): its totals are in the fleet line.
    dashboard.addWidgets(
      new LogQueryWidget({
        title: 'Port-outs watched and Telnyx requests per run',
        logGroupNames: [logGroup.logGroupName],
        queryLines: [
          `filter (message like /^${POLL_FINISHED}/ and not ispresent(account)) or message like /^${FLEET_FINISHED}/`,
          `stats max(watched) as watched, max(telnyxRequests) as requests by bin(${bin})`,
        ],
        view: LogQueryVisualizationType.LINE,
        width: 12,
      }),
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
        right: [poller(METRIC.telnyxAuthFailures, 'Auth failures')],
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
        title: 'Dead-letter queue: messages waiting',
        left: [
          this.deadLetterQueue.queue.metricApproximateNumberOfMessagesVisible({
            period: DEAD_LETTER_PERIOD,
            statistic: 'Maximum',
            label: this.deadLetterQueue.label,
          }),
        ],
        width: 24,
      }),
    );
    return dashboard;
  }
}
