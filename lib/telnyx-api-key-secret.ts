import { ArnFormat, CfnOutput, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  accountOutputSuffix,
  DEFAULT_ACCOUNT_NAME,
  SET_KEY_COMMAND_OUTPUT,
  SET_MANAGER_KEY_COMMAND_OUTPUT,
} from '../functions/poller/core/accounts.ts';
import type { PortoutWatchConfig, TelnyxApiKeySecretSource } from './config.ts';

export interface TelnyxApiKeySecretProps {
  readonly source: TelnyxApiKeySecretSource;
  /** The stack's key: a secret this stack creates is encrypted with it (an existing secret keeps its own key). */
  readonly encryptionKey: IKey;
  /** Whose key, for a created secret's description, e.g. `account "brand-eu"`; unset, the deployment's one account. */
  readonly whose?: string;
}

/**
 * The Telnyx API key, as the bare key in the secret's SecretString. Either this stack creates the secret
 * (holding a random placeholder until someone puts the real key in; the auth-failure alarm fires until
 * then) or it names an existing one.
 */
export class TelnyxApiKeySecret extends Construct {
  /** What the poller's TELNYX_API_KEY_SECRET_ARN holds: the complete ARN, or the name of an existing secret. */
  readonly secretId: string;
  /** The ARN IAM matches: exact, or for a secret known by name, its name plus Secrets Manager's 6-character suffix. */
  readonly secretArnForPolicy: string;
  /** Set when this stack created the secret. */
  readonly createdSecret?: Secret;
  private readonly encryptionKey: IKey;

  constructor(scope: Construct, id: string, props: TelnyxApiKeySecretProps) {
    super(scope, id);
    const { source } = props;
    this.encryptionKey = props.encryptionKey;
    if (source.kind === 'create') {
      const secret = new Secret(this, 'Secret', {
        description: `Telnyx API key ${props.whose ? `of ${props.whose} ` : ''}for portout-watch: the SecretString is the bare key (no JSON).`,
        // Under the stack's key, whose use for the secret `grantRead` limits to calls made through Secrets Manager.
        encryptionKey: props.encryptionKey,
        // The key can be fetched again from the Telnyx portal; a credential should not outlive its stack.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Telnyx issues API keys in its portal and offers no API Secrets Manager could rotate them through; rotate by creating a new key there and putting it in this secret.',
      });
      this.createdSecret = secret;
      this.secretId = secret.secretArn;
      this.secretArnForPolicy = secret.secretArn;
    } else if (source.kind === 'existing-arn') {
      this.secretId = source.arn;
      this.secretArnForPolicy = source.arn;
    } else {
      this.secretId = source.name;
      this.secretArnForPolicy = Stack.of(this).formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${source.name}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    }
  }

  /**
   * Lets the grantee read these keys and nothing else: no DescribeSecret, no other secret. For the secrets this
   * stack created, it may decrypt with the stack's key only through Secrets Manager and only for those secrets, so
   * the grant can't be used to decrypt anything else under that key. One statement for each (not one per secret),
   * so fifty accounts' grants stay far inside IAM's policy size.
   */
  static grantRead(grantee: IGrantable, secrets: readonly TelnyxApiKeySecret[]): void {
    const [first] = secrets;
    if (!first) return;
    const one = <T>(values: T[]): T | T[] => (values.length === 1 ? (values[0] as T) : values);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secrets.map((secret) => secret.secretArnForPolicy) }),
    );
    const created = secrets.flatMap((secret) => (secret.createdSecret ? [secret.createdSecret.secretArn] : []));
    if (created.length > 0) {
      const stack = Stack.of(first);
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          // Every secret this stack creates is under the stack's one key.
          resources: [first.encryptionKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}`,
              'kms:EncryptionContext:SecretARN': one(created),
            },
          },
        }),
      );
    }
  }
}

/** Whose Telnyx keys the poller reads: one account as always, or several by name, and a manager's to discover more. */
export type TelnyxKeys =
  | { kind: 'single'; apiKey: TelnyxApiKeySecret }
  | { kind: 'several'; accounts: ReadonlyArray<{ name: string; apiKey: TelnyxApiKeySecret }>; managerKey?: TelnyxApiKeySecret };

/** Every secret of `keys`, the manager's last. */
export function secretsOf(keys: TelnyxKeys): TelnyxApiKeySecret[] {
  if (keys.kind === 'single') return [keys.apiKey];
  return [...keys.accounts.map((account) => account.apiKey), ...(keys.managerKey ? [keys.managerKey] : [])];
}

/**
 * One secret per configured account, and the manager's. The `default` account's secret keeps the single-account
 * construct id, so the secret of an upgraded deployment, and the key stored in it, stay where they are.
 */
export function createTelnyxKeys(
  scope: Construct,
  config: Pick<PortoutWatchConfig, 'telnyxApiKeySecret' | 'telnyxAccounts' | 'managedAccounts'>,
  encryptionKey: IKey,
): TelnyxKeys {
  if (!config.telnyxAccounts) {
    return { kind: 'single', apiKey: new TelnyxApiKeySecret(scope, 'TelnyxApiKey', { source: config.telnyxApiKeySecret, encryptionKey }) };
  }
  const accounts = config.telnyxAccounts.map(({ name, apiKeySecret }) => ({
    name,
    apiKey: new TelnyxApiKeySecret(scope, name === DEFAULT_ACCOUNT_NAME ? 'TelnyxApiKey' : `TelnyxApiKey-${name}`, {
      source: apiKeySecret,
      encryptionKey,
      ...(name === DEFAULT_ACCOUNT_NAME ? {} : { whose: `account "${name}"` }),
    }),
  }));
  const managed = config.managedAccounts;
  const managerKey =
    managed &&
    new TelnyxApiKeySecret(scope, 'TelnyxManagerKey', {
      source: managed.managerKeySecret,
      encryptionKey,
      whose: 'the manager account (it lists the managed accounts and reads their keys)',
    });
  return { kind: 'several', accounts, ...(managerKey ? { managerKey } : {}) };
}

/**
 * Per secret, its id and the command that puts a key in it. The single (or default) account's outputs keep their
 * logical ids; another account's carry its name, with `-` written `X` (names are lowercase, so no two share an id).
 */
export function addTelnyxKeyOutputs(scope: Construct, keys: TelnyxKeys): void {
  const region = Stack.of(scope).region;
  const output = (ids: { secretId: string; command: string }, secret: TelnyxApiKeySecret, whose: string | undefined, variable: string) => {
    new CfnOutput(scope, ids.secretId, {
      description: whose ? `The secret the poller reads ${whose}'s Telnyx API key from` : 'The secret the poller reads the Telnyx API key from',
      value: secret.secretId,
    });
    new CfnOutput(scope, ids.command, {
      description: `Run after \`read -rs ${variable}\` to put ${whose ? `${whose}'s key` : 'the key'} in the secret`,
      // Piped from a shell builtin: the key never appears in a process list, as an argument would.
      value: `printf %s "$${variable}" | aws secretsmanager put-secret-value --region ${region} --secret-id ${secret.secretId} --secret-string file:///dev/stdin`,
    });
  };
  const accountIds = (name: string) => {
    const suffix = accountOutputSuffix(name);
    return { secretId: `TelnyxApiKeySecretId${suffix}`, command: `${SET_KEY_COMMAND_OUTPUT}${suffix}` };
  };
  if (keys.kind === 'single') {
    output(accountIds(DEFAULT_ACCOUNT_NAME), keys.apiKey, undefined, 'TELNYX_API_KEY');
    return;
  }
  for (const { name, apiKey } of keys.accounts) output(accountIds(name), apiKey, `account "${name}"`, 'TELNYX_API_KEY');
  if (keys.managerKey) {
    output({ secretId: 'ManagerKeySecretId', command: SET_MANAGER_KEY_COMMAND_OUTPUT }, keys.managerKey, 'the manager account', 'TELNYX_MANAGER_API_KEY');
  }
}
