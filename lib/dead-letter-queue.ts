import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  /** What ends up here, for the alarm and the dashboard, e.g. "alert SMS to +14155550100". */
  readonly label: string;
}

/**
 * Where undeliverable alerts and failed runs wait for a person: encrypted, TLS-only, kept 14 days
 * (the SQS maximum), and alarmed on by `Operations`.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: Queue;
  readonly label: string;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.label = props.label;
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
      // Declares the queue a dead-letter queue (Control Tower's CT.SQS.PR.1). ALLOW_ALL is SQS's default, so nothing
      // changes; DENY_ALL would be stricter, but Control Tower then reads the queue as an ordinary one that needs a DLQ.
      // SNS subscriptions, Lambda and Scheduler deliver here directly; RedriveAllowPolicy governs only SQS source queues.
      redriveAllowPolicy: { redrivePermission: RedrivePermission.ALLOW_ALL },
    });
    const reason = `This queue is itself a dead-letter queue (${props.label}); a person reads it after the dead-letter alarm fires, so it needs no DLQ of its own.`;
    Validations.of(this.queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
    Validations.of(this.queue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason });
  }
}
