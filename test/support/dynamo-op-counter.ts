import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** DynamoDB operations that change the table. */
export const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export interface DynamoOpCounter {
  /** Point a client (or AWS_ENDPOINT_URL_DYNAMODB) here. */
  endpoint: string;
  /** Every operation that went through, in order, e.g. 'Query', 'PutItem'. */
  operations: string[];
  /** The write operations among `operations` from index `from` on. */
  writesSince(from: number): string[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of DynamoDB Local that names each operation it forwards (from X-Amz-Target). It
 * sees what a before/after scan can't: a lease item written and deleted within one run.
 */
export async function startDynamoOpCounter(target: string): Promise<DynamoOpCounter> {
  const upstream = new URL(target);
  const operations: string[] = [];
  const server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '?').split('.').pop() ?? '?';
    operations.push(operation);
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    operations,
    writesSince: (from) => operations.slice(from).filter((operation) => WRITE_OPERATIONS.has(operation)),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
