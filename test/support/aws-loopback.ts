import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One PublishBatch entry as SNS received it over the wire. */
export interface ReceivedEntry {
  topicArn: string;
  id: string;
  subject: string | undefined;
  /** The MessageStructure=json document: { default, email, sms }. */
  message: { default: string; email: string; sms: string };
  attributes: Record<string, string>;
}

export interface AwsLoopback {
  endpoint: string;
  published: ReceivedEntry[];
  secretReads: string[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A loopback stand-in for the two AWS services the bundled poller calls besides DynamoDB: SNS PublishBatch, in
 * SNS's query protocol (form-encoded request, XML answer), and Secrets Manager GetSecretValue (JSON 1.1). A real
 * SDK, even one bundled into the Lambda asset, talks to it through AWS_ENDPOINT_URL_SNS / _SECRETS_MANAGER.
 */
export async function startAwsLoopback(secrets: Record<string, string>): Promise<AwsLoopback> {
  const published: ReceivedEntry[] = [];
  const secretReads: string[] = [];
  let messageId = 0;
  const server = createServer((req, res) => {
    void body(req).then((text) => {
      const target = req.headers['x-amz-target'];
      if (target === 'secretsmanager.GetSecretValue') {
        const { SecretId } = JSON.parse(text) as { SecretId: string };
        secretReads.push(SecretId);
        const value = secrets[SecretId];
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        if (value === undefined) {
          res.statusCode = 400;
          res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'Secrets Manager can’t find the specified secret.' }));
          return;
        }
        res.end(JSON.stringify({ ARN: SecretId, Name: SecretId, SecretString: value, VersionId: 'v1', CreatedDate: 1_764_000_000 }));
        return;
      }
      const form = new URLSearchParams(text);
      if (form.get('Action') !== 'PublishBatch') {
        res.statusCode = 400;
        res.end(`<ErrorResponse><Error><Code>InvalidAction</Code><Message>${xmlEscape(form.get('Action') ?? '')}</Message></Error></ErrorResponse>`);
        return;
      }
      const prefix = (n: number) => `PublishBatchRequestEntries.member.${n}`;
      const successful: string[] = [];
      for (let n = 1; form.has(`${prefix(n)}.Id`); n++) {
        const attributes: Record<string, string> = {};
        for (let a = 1; form.has(`${prefix(n)}.MessageAttributes.entry.${a}.Name`); a++) {
          attributes[form.get(`${prefix(n)}.MessageAttributes.entry.${a}.Name`)!] =
            form.get(`${prefix(n)}.MessageAttributes.entry.${a}.Value.StringValue`) ?? '';
        }
        const id = form.get(`${prefix(n)}.Id`)!;
        published.push({
          topicArn: form.get('TopicArn') ?? '',
          id,
          subject: form.get(`${prefix(n)}.Subject`) ?? undefined,
          message: JSON.parse(form.get(`${prefix(n)}.Message`) ?? '{}'),
          attributes,
        });
        successful.push(`<member><Id>${xmlEscape(id)}</Id><MessageId>m-${++messageId}</MessageId></member>`);
      }
      res.setHeader('content-type', 'text/xml');
      res.end(
        `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult>` +
          `<Successful>${successful.join('')}</Successful><Failed/></PublishBatchResult>` +
          `<ResponseMetadata><RequestId>r-${messageId}</RequestId></ResponseMetadata></PublishBatchResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    published,
    secretReads,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
