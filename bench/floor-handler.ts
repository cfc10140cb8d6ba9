/**
 * The cold-start floor: a handler that only imports and builds the AWS SDK clients the poller uses (DynamoDB with
 * the document client, SNS, and Secrets Manager, which Powertools' getSecret builds), bundled like the poller.
 * The poller's cold start is compared with this: what is above it is Telnyx's SDK, Powertools, valibot and ours.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

let clients: { dynamo: DynamoDBDocumentClient; sns: SNSClient; secrets: SecretsManagerClient } | undefined;

export async function handler(_event: unknown, context: { getRemainingTimeInMillis(): number }): Promise<number> {
  clients ??= { dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})), sns: new SNSClient({}), secrets: new SecretsManagerClient({}) };
  return context.getRemainingTimeInMillis();
}
