import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { PollerConfig } from './config.ts';
import type { Notifier, PortoutSource, StateStore } from './core/ports.ts';
import { createDynamoStateStore } from './adapters/dynamo-state-store.ts';
import { createSnsNotifier } from './adapters/sns-notifier.ts';
import { createTelnyxSource } from './adapters/telnyx-source.ts';

export interface PollerAdapters {
  source: PortoutSource;
  store: StateStore;
  notifier: Notifier;
}

export class MissingApiKeyError extends Error {
  override name = 'MissingApiKeyError';
}

/** Reads the bare API key from the secret; an empty or JSON value is a setup mistake worth naming. */
export async function readApiKeyFromSecret(secretId: string, maxAgeSeconds: number, refresh: boolean): Promise<string> {
  const value = await getSecret(secretId, { maxAge: maxAgeSeconds, forceFetch: refresh });
  const key = typeof value === 'string' ? value.trim() : '';
  if (!key) {
    throw new MissingApiKeyError(
      `the secret named by TELNYX_API_KEY_SECRET_ARN holds no API key yet: run aws secretsmanager put-secret-value --secret-id <its ARN> --secret-string <your Telnyx API key>`,
    );
  }
  if (key.startsWith('{')) {
    throw new MissingApiKeyError(
      'the secret named by TELNYX_API_KEY_SECRET_ARN holds JSON; it must hold the bare Telnyx API key as its SecretString',
    );
  }
  return key;
}

export interface WiringOverrides {
  dynamoEndpoint?: string;
  notifier?: Notifier;
  dynamoClient?: DynamoDBClient;
  snsClient?: SNSClient;
  /** Time as the adapters see it (deadlines, Retry-After dates); the fault suite runs a virtual clock. */
  clock?: () => number;
  /** How the adapters wait between retries; the fault suite records the waits instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** The fetch the Telnyx SDK uses. */
  telnyxFetch?: typeof fetch;
}

/** Builds the three adapters from config; called once per container. */
export function wireAdapters(config: PollerConfig, overrides: WiringOverrides = {}): PollerAdapters {
  const apiKey = config.apiKey;
  const { clock, sleep } = overrides;
  const dynamo =
    overrides.dynamoClient ??
    new DynamoDBClient(overrides.dynamoEndpoint ? { endpoint: overrides.dynamoEndpoint } : {});
  return {
    source: createTelnyxSource({
      baseURL: config.telnyxBaseUrl,
      timeoutMs: config.telnyxTimeoutMs,
      concurrency: config.listConcurrency,
      clock,
      sleep,
      fetch: overrides.telnyxFetch,
      getApiKey: (refresh) =>
        apiKey.kind === 'env'
          ? Promise.resolve(apiKey.apiKey)
          : readApiKeyFromSecret(apiKey.secretId, config.secretCacheSeconds, refresh),
    }),
    store: createDynamoStateStore({
      client: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
      tableName: config.tableName,
      closedRetentionDays: config.closedRetentionDays,
      sleep,
    }),
    notifier:
      overrides.notifier ??
      createSnsNotifier({
        client: overrides.snsClient ?? new SNSClient({}),
        topicArn: config.topicArn,
        chatTopics: config.chatTopics,
        clock,
        sleep,
      }),
  };
}
