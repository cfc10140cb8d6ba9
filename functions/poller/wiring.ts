import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ENV, watchesSeveralAccounts, type ApiKeySource, type PollerConfig } from './config.ts';
import { accountOutputSuffix, SET_KEY_COMMAND_OUTPUT, SET_MANAGER_KEY_COMMAND_OUTPUT, type AccountRef } from './core/accounts.ts';
import { createLimiter } from './core/concurrency.ts';
import type { Notifier, PortoutSource, StateStore } from './core/ports.ts';
import { createDynamoKnownManagedAccounts } from './adapters/dynamo-known-managed-accounts.ts';
import { createDynamoStateStore } from './adapters/dynamo-state-store.ts';
import { createManagedAccountsDirectory, type ManagedAccountsDirectory } from './adapters/telnyx-managed-accounts.ts';
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

/** A key secret as its errors name it, and the stack output whose command puts a key in it. */
export interface KeySecret {
  /** e.g. "the secret named by MANAGER_KEY_SECRET_ARN" */
  name: string;
  /** e.g. "SetTelnyxApiKeyCommandbrandXeu" */
  setCommandOutput: string;
  /** the shell variable that output's command reads the key from */
  variable: string;
}

const SINGLE_ACCOUNT_SECRET: KeySecret = {
  name: `the secret named by ${ENV.apiKeySecretArn}`,
  setCommandOutput: SET_KEY_COMMAND_OUTPUT,
  variable: 'TELNYX_API_KEY',
};

/** Reads the bare API key from the secret; an empty or JSON value is a setup mistake worth naming. */
export async function readApiKeyFromSecret(secretId: string, maxAgeSeconds: number, refresh: boolean, secret = SINGLE_ACCOUNT_SECRET): Promise<string> {
  const value = await getSecret(secretId, { maxAge: maxAgeSeconds, forceFetch: refresh });
  const key = typeof value === 'string' ? value.trim() : '';
  if (!key) {
    // Piped from a shell variable, as the output's command does: a key given as an argument shows in the process list.
    const { name, setCommandOutput, variable } = secret;
    throw new MissingApiKeyError(
      `${name} holds no API key yet: put it in with the command of the stack's ${setCommandOutput} output, or ` +
        `read -rs ${variable}, then printf %s "$${variable}" | aws secretsmanager put-secret-value --secret-id <its ARN> --secret-string file:///dev/stdin`,
    );
  }
  if (key.startsWith('{')) {
    throw new MissingApiKeyError(`${secret.name} holds JSON; it must hold the bare Telnyx API key as its SecretString`);
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

/** An account the poller can poll: who it is, and how its key is read. */
export interface KeyedAccount {
  ref: AccountRef;
  /** Discovered through the manager account rather than configured. */
  managed: boolean;
  /** `refresh` asks for a fresh read after a 401 (the key may have been rotated). */
  getApiKey(refresh: boolean): Promise<string>;
}

export interface FleetAdapters {
  notifier: Notifier;
  /** The accounts named in config, in config order. */
  configured: KeyedAccount[];
  /** Lists the manager's managed accounts; null unless a manager key is configured. */
  directory: ManagedAccountsDirectory | null;
  /** This account's source and store, built on its first run and kept, by name, for the container's life. */
  accountAdapters(account: KeyedAccount): { source: PortoutSource; store: StateStore };
  /** The store of an account polled before in this container (the webhook path re-reads what a poll recorded). */
  storeOf(name: string): StateStore | undefined;
  /**
   * Managed accounts found to be a configured account (the same key), by managed name: remembered for the
   * container's life, so a configured key that can't be read for a while doesn't let the twin be polled as well.
   */
  twins: Map<string, string>;
}

/** Builds what every account shares (clients, the notifier, the Telnyx request limit); called once per container. */
export function wireFleet(config: PollerConfig, overrides: WiringOverrides = {}): FleetAdapters {
  const { clock, sleep } = overrides;
  const several = watchesSeveralAccounts(config);
  const dynamo =
    overrides.dynamoClient ??
    new DynamoDBClient(overrides.dynamoEndpoint ? { endpoint: overrides.dynamoEndpoint } : {});
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  // Every Telnyx request of the run, retries and discovery included, takes a slot: the fleet's total stays bounded.
  const limit = createLimiter(config.telnyxConcurrency);
  const keyReader = (source: ApiKeySource, secret: KeySecret) => (refresh: boolean) =>
    source.kind === 'env' ? Promise.resolve(source.apiKey) : readApiKeyFromSecret(source.secretId, config.secretCacheSeconds, refresh, secret);

  const configured = config.accounts.map(
    ({ name, apiKey }): KeyedAccount => ({
      ref: { name, label: name },
      managed: false,
      getApiKey: keyReader(
        apiKey,
        several
          ? {
              name: `the secret of account "${name}" in ${ENV.telnyxAccounts}`,
              setCommandOutput: `${SET_KEY_COMMAND_OUTPUT}${accountOutputSuffix(name)}`,
              variable: 'TELNYX_API_KEY',
            }
          : SINGLE_ACCOUNT_SECRET,
      ),
    }),
  );
  const built = new Map<string, { source: PortoutSource; store: StateStore }>();
  // A managed account's key getter comes from each run's discovery; its source, built once, asks the latest one.
  const keyGetters = new Map<string, KeyedAccount['getApiKey']>();
  return {
    configured,
    directory: config.manager
      ? createManagedAccountsDirectory({
          baseURL: config.telnyxBaseUrl,
          timeoutMs: config.telnyxTimeoutMs,
          getManagerKey: keyReader(config.manager, {
            name: `the secret named by ${ENV.managerKeySecretArn}`,
            setCommandOutput: SET_MANAGER_KEY_COMMAND_OUTPUT,
            variable: 'TELNYX_MANAGER_API_KEY',
          }),
          fetch: overrides.telnyxFetch,
          limit,
          memory: createDynamoKnownManagedAccounts({ client: documents, tableName: config.tableName }),
          clock,
          sleep,
        })
      : null,
    notifier:
      overrides.notifier ??
      createSnsNotifier({
        client: overrides.snsClient ?? new SNSClient({}),
        topicArn: config.topicArn,
        chatTopics: config.chatTopics,
        clock,
        sleep,
      }),
    accountAdapters(account) {
      const { name } = account.ref;
      keyGetters.set(name, account.getApiKey);
      let adapters = built.get(name);
      if (!adapters) {
        adapters = {
          source: createTelnyxSource({
            baseURL: config.telnyxBaseUrl,
            timeoutMs: config.telnyxTimeoutMs,
            concurrency: config.listConcurrency,
            clock,
            sleep,
            fetch: overrides.telnyxFetch,
            limit,
            getApiKey: (refresh) => keyGetters.get(name)!(refresh),
            ...(several
              ? {
                  keyFix: account.managed
                    ? `managed account ${name}'s key was re-retrieved from Telnyx and still refused: check the account in the Telnyx portal`
                    : `put a valid key in the secret of account "${name}" in ${ENV.telnyxAccounts} (locally, its "apiKey")`,
                }
              : {}),
          }),
          store: createDynamoStateStore({
            client: documents,
            tableName: config.tableName,
            account: name,
            closedRetentionDays: config.closedRetentionDays,
            sleep,
          }),
        };
        built.set(name, adapters);
      }
      return adapters;
    },
    storeOf: (name) => built.get(name)?.store,
    twins: new Map(),
  };
}

/** The adapters of a deployment that watches the lone `default` account, as it always has. */
export function wireAdapters(config: PollerConfig, overrides: WiringOverrides = {}): PollerAdapters {
  if (watchesSeveralAccounts(config)) {
    throw new Error('wireAdapters wires one account; a deployment watching several is wired by wireFleet');
  }
  return soleAccountAdapters(wireFleet(config, overrides));
}

/** The one configured account's adapters, of a fleet wired for a single-account deployment. */
export function soleAccountAdapters(fleet: FleetAdapters): PollerAdapters {
  const [account] = fleet.configured;
  if (!account) throw new Error('no configured account to wire');
  return { ...fleet.accountAdapters(account), notifier: fleet.notifier };
}
