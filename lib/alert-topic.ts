import { createHash } from 'node:crypto';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Subscription, SubscriptionFilter, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PEOPLE_AUDIENCE, type AlertFilterPolicy, type EmailSubscriptionSettings, type SmsSubscriptionSettings } from './config.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';

export interface AlertTopicProps {
  /** SNS puts it in front of every SMS; keep it short or empty. */
  readonly displayName: string;
  readonly email: readonly EmailSubscriptionSettings[];
  readonly sms: readonly SmsSubscriptionSettings[];
  /**
   * Where SNS files an email or SMS it gave up on: the stack's shared dead-letter queue. Without one, SNS drops
   * it after its retries. One queue serves every subscription, so one alarm watches them all.
   */
  readonly deadLetterQueue: DeadLetterQueue;
}

/**
 * The SNS filter policy for an email or SMS subscription, on the message attributes the poller sets
 * (ALERT_ATTRIBUTES): the configured matches, and always the messages meant for people.
 */
export function toSubscriptionFilters(policy: AlertFilterPolicy = {}): Record<string, SubscriptionFilter> {
  const filters: Record<string, SubscriptionFilter> = {};
  for (const [attribute, match] of Object.entries(policy)) {
    filters[attribute] = Array.isArray(match)
      ? SubscriptionFilter.stringFilter({ allowlist: match })
      : SubscriptionFilter.stringFilter({ denylist: match.anythingBut });
  }
  filters[PEOPLE_AUDIENCE.name] = SubscriptionFilter.stringFilter({ allowlist: [PEOPLE_AUDIENCE.value] });
  return filters;
}

/**
 * Construct ids come from the endpoint, not its position, so reordering the config doesn't replace
 * subscriptions (which would send every recipient a new confirmation). A hash keeps addresses out of ids.
 */
function endpointId(endpoint: string): string {
  return createHash('sha256').update(endpoint.toLowerCase()).digest('hex').slice(0, 8);
}

/**
 * The customer-facing topic. Standard, not FIFO, because FIFO topics can't deliver to email or SMS.
 * Machine subscribers (SQS, HTTPS, Lambda) can be added outside this stack, filtering on `audience: machines`.
 * Encrypted with the AWS-managed SNS key, which any publisher in the account may use without a KMS
 * grant, and TLS-only. Every subscription files what it can't deliver in the shared dead-letter queue.
 */
export class AlertTopic extends Construct {
  readonly topic: Topic;
  private readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.deadLetterQueue = props.deadLetterQueue;
    this.topic = new Topic(this, 'Topic', {
      displayName: props.displayName || undefined,
      masterKey: Alias.fromAliasName(this, 'AwsManagedSnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    for (const { address, filterPolicy } of props.email) {
      this.subscribe('Email', SubscriptionProtocol.EMAIL, address, filterPolicy);
    }
    for (const { phoneNumber, filterPolicy } of props.sms) {
      this.subscribe('Sms', SubscriptionProtocol.SMS, phoneNumber, filterPolicy);
    }
  }

  // Subscription, not SmsSubscription: in aws-cdk-lib 2.276 SmsSubscription drops its deadLetterQueue.
  private subscribe(kind: 'Email' | 'Sms', protocol: SubscriptionProtocol, endpoint: string, filterPolicy: AlertFilterPolicy | undefined): void {
    new Subscription(this, `${kind}${endpointId(endpoint)}`, {
      topic: this.topic,
      protocol,
      endpoint,
      deadLetterQueue: this.deadLetterQueue.queue,
      filterPolicy: toSubscriptionFilters(filterPolicy),
    });
  }
}
