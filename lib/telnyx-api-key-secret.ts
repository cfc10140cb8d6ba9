import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { TelnyxApiKeySecretSource } from './config.ts';

export interface TelnyxApiKeySecretProps {
  readonly source: TelnyxApiKeySecretSource;
  /** The stack's key: a secret this stack creates is encrypted with it (an existing secret keeps its own key). */
  readonly encryptionKey: IKey;
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
        description: 'Telnyx API key for portout-watch: the SecretString is the bare key (no JSON).',
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
   * Lets the grantee read the key and nothing else: no DescribeSecret, no other secret. For a secret this stack
   * created, it may decrypt with the stack's key only through Secrets Manager and only for this secret, so the
   * grant can't be used to decrypt anything else under that key.
   */
  grantRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secretArnForPolicy] }),
    );
    if (this.createdSecret) {
      const stack = Stack.of(this);
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [this.encryptionKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}`,
              'kms:EncryptionContext:SecretARN': this.createdSecret.secretArn,
            },
          },
        }),
      );
    }
  }
}
