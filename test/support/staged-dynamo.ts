import { Readable } from 'node:stream';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { LOCAL_AWS } from '../../local/dynamodb-local.ts';

/** A throttling answer exactly as DynamoDB sends it, for the SDK to parse and retry. */
const THROTTLE_TYPES = {
  ProvisionedThroughputExceededException: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  ThrottlingException: 'com.amazon.coral.availability#ThrottlingException',
} as const;
export type ThrottleCode = keyof typeof THROTTLE_TYPES;

type Rule =
  | { kind: 'throttle'; operation: string; remaining: number; code: ThrottleCode }
  /** Any other error answer, e.g. a ValidationException. */
  | { kind: 'error'; operation: string; remaining: number; type: string; message: string }
  /** The request reaches DynamoDB and is applied; the connection dies before the answer. */
  | { kind: 'answer-lost'; operation: string; remaining: number; afterApplied?: () => Promise<void> };

/**
 * Faults between one DynamoDB client and DynamoDB Local, at the HTTP layer below the SDK's retries: the SDK sees
 * real throttling answers and real connection errors, and decides itself what to retry.
 */
export class DynamoFaults {
  /** Every HTTP attempt, by operation name (Query, PutItem, TransactWriteItems, ...), retries included. */
  readonly attempts: string[] = [];
  private rules: Rule[] = [];
  private hooks: Array<{ operation: string; run: () => Promise<void> | void; once: boolean }> = [];

  throttle(operation: string, times: number, code: ThrottleCode = 'ProvisionedThroughputExceededException'): void {
    this.rules.push({ kind: 'throttle', operation, remaining: times, code });
  }

  fail(operation: string, error: { type: string; message: string }, times = 1): void {
    this.rules.push({ kind: 'error', operation, remaining: times, ...error });
  }

  loseAnswer(operation: string, times = 1, afterApplied?: () => Promise<void>): void {
    this.rules.push({ kind: 'answer-lost', operation, remaining: times, afterApplied });
  }

  /** Runs before the next request for `operation` goes out, e.g. to stop the endpoint. */
  before(operation: string, run: () => Promise<void> | void, { once = true } = {}): void {
    this.hooks.push({ operation, run, once });
  }

  clear(): void {
    this.rules = [];
    this.hooks = [];
  }

  count(operation: string): number {
    return this.attempts.filter((name) => name === operation).length;
  }

  /** @internal the staged request handler asks what to do with each request */
  async intercept(operation: string): Promise<Rule | undefined> {
    this.attempts.push(operation);
    for (const hook of [...this.hooks]) {
      if (hook.operation !== operation) continue;
      if (hook.once) this.hooks.splice(this.hooks.indexOf(hook), 1);
      await hook.run();
    }
    const rule = this.rules.find((candidate) => candidate.operation === operation && candidate.remaining > 0);
    if (rule) rule.remaining -= 1;
    return rule;
  }
}

type HttpHandler = { handle(request: unknown, options?: unknown): Promise<{ response: unknown }> } & Record<string, unknown>;
type RetryToken = { getRetryCount(): number; getRetryDelay(): number; getRetryCost?(): number | undefined };
type RetryInfo = { errorType: string };

/**
 * The SDK's retry decisions without its waits (up to a second per throttled attempt), so a fault suite that
 * throttles on purpose stays fast. Which errors are throttling or transient is still the SDK's call.
 */
function retryWithoutWaiting(maxAttempts: number) {
  const token = (count: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => 0, getRetryCost: () => 0 });
  return {
    mode: 'standard',
    acquireInitialRetryToken: async () => token(0),
    async refreshRetryTokenForRetry(previous: RetryToken, info: RetryInfo) {
      const retryable = info.errorType === 'THROTTLING' || info.errorType === 'TRANSIENT';
      if (retryable && previous.getRetryCount() + 1 < maxAttempts) return token(previous.getRetryCount() + 1);
      throw new Error('No retry token available');
    },
    recordSuccess: () => undefined,
  };
}

/**
 * A DynamoDB client for DynamoDB Local whose every request passes `gate` (the crash switch) and `faults`.
 * Its retry count is the SDK's default.
 */
export async function createStagedDynamoClient(
  endpoint: string,
  faults: DynamoFaults,
  gate: (step: string) => void,
): Promise<DynamoDBClient> {
  const probe = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  const inner = probe.config.requestHandler as unknown as HttpHandler;
  const maxAttempts = await (probe.config as unknown as { maxAttempts(): Promise<number> }).maxAttempts();
  const handler: HttpHandler = {
    metadata: inner.metadata,
    destroy: () => (inner.destroy as () => void)(),
    updateHttpClientConfig: (...args: unknown[]) => (inner.updateHttpClientConfig as (...a: unknown[]) => void)(...args),
    httpHandlerConfigs: () => (inner.httpHandlerConfigs as () => unknown)(),
    async handle(request, options) {
      const target = String((request as { headers: Record<string, string> }).headers['x-amz-target'] ?? '');
      const operation = target.split('.').pop() ?? target;
      gate(`DynamoDB ${operation}`);
      const rule = await faults.intercept(operation);
      if (rule?.kind === 'throttle' || rule?.kind === 'error') {
        const body = JSON.stringify(
          rule.kind === 'throttle'
            ? { __type: THROTTLE_TYPES[rule.code], message: 'The level of configured provisioned throughput for the table was exceeded.' }
            : { __type: `com.amazon.coral.validate#${rule.type}`, message: rule.message },
        );
        return {
          response: {
            statusCode: 400,
            headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `staged-${faults.attempts.length}` },
            body: Readable.from([Buffer.from(body)]),
          },
        };
      }
      const answer = await inner.handle(request, options);
      if (rule?.kind === 'answer-lost') {
        (answer.response as { body?: { destroy?(): void } }).body?.destroy?.();
        await rule.afterApplied?.();
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      return answer;
    },
  };
  return new DynamoDBClient({
    ...LOCAL_AWS,
    endpoint,
    requestHandler: handler as unknown as DynamoDBClientConfig['requestHandler'],
    retryStrategy: retryWithoutWaiting(maxAttempts) as unknown as DynamoDBClientConfig['retryStrategy'],
  });
}
