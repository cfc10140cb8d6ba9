import { LambdaClient } from '@aws-sdk/client-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { redactText } from '../poller/core/redact.ts';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../poller/telemetry.ts';
import { createLambdaPollerTrigger } from './adapters/lambda-poller-trigger.ts';
import { createAccountVerifiers } from './adapters/telnyx-signature.ts';
import { parseWebhookConfig } from './config.ts';
import { answerWebhook, SIGNATURE_FAILURES, type WebhookAnswer, type WebhookPorts } from './core/answer-webhook.ts';
import { WEBHOOK_METRIC } from './telemetry.ts';

const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });

let ports: WebhookPorts | undefined;

const wirePorts = (): WebhookPorts => {
  const config = parseWebhookConfig(process.env);
  const trigger = createLambdaPollerTrigger({ client: new LambdaClient({}), functionName: config.pollerFunctionName });
  return { ...createAccountVerifiers(config.keys), triggerPoll: (event) => trigger.triggerPoll(event) };
};

function count(metric: string): void {
  const single = metrics.singleMetric();
  single.addMetric(metric, MetricUnit.Count, 1);
}

const accountField = (account: string | undefined) => (account === undefined ? {} : { account });

/** Logs what the answer allows: a reason, the account's name, an event type and a port-out id; never the body or the headers. */
export function recordAnswer(answer: WebhookAnswer, log: Pick<Logger, 'info' | 'warn' | 'error'>, countMetric: (metric: string) => void): void {
  if (answer.status === 202) {
    log.info('webhook verified; poll triggered', { ...accountField(answer.hint.account), eventType: answer.eventType, portoutId: answer.hint.portoutId });
  } else if (answer.status === 503) {
    countMetric(WEBHOOK_METRIC.triggerFailures);
    const { name, message } = answer.triggerFailed instanceof Error ? answer.triggerFailed : { name: 'Error', message: String(answer.triggerFailed) };
    log.error('could not trigger a poll; Telnyx will retry the webhook and the scheduled poll catches up', {
      ...accountField(answer.hint.account),
      portoutId: answer.hint.portoutId,
      error: { name, message: redactText(message) },
    });
  } else {
    if (SIGNATURE_FAILURES.includes(answer.rejected)) countMetric(WEBHOOK_METRIC.signatureFailures);
    // Telnyx's real payload no longer matching ours would otherwise end the webhook path in silence: no poll follows.
    if (answer.rejected === 'unreadable-portout-event') countMetric(WEBHOOK_METRIC.triggerFailures);
    log.warn('webhook refused', { reason: answer.rejected, status: answer.status, ...accountField(answer.account) });
  }
}

/** The Function URL's handler: the signature is the authentication, so the URL itself is public. */
export async function handler(event: LambdaFunctionURLEvent): Promise<APIGatewayProxyStructuredResultV2> {
  ports ??= wirePorts();
  // Function URLs cap a request at 6 MB, so decoding before the size check costs milliseconds at most.
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const account = event.queryStringParameters?.account;
  const answer = await answerWebhook(
    { method: event.requestContext.http.method, body, headers: event.headers ?? {}, ...(account === undefined ? {} : { account }) },
    ports,
  );
  recordAnswer(answer, logger, count);
  const reply = answer.status === 202 ? { ok: true } : { ok: false, reason: answer.status === 503 ? 'poll not triggered' : answer.rejected };
  return { statusCode: answer.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(reply) };
}
