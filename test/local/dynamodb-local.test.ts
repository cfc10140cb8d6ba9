import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbLocalStartError, JavaMissingError, startDynamoDbLocal } from '../../local/dynamodb-local.ts';

describe('startDynamoDbLocal', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('says what to install when Java is missing, instead of a spawn error', async () => {
    vi.stubEnv('PATH', '/nonexistent');
    const start = startDynamoDbLocal();
    await expect(start).rejects.toBeInstanceOf(JavaMissingError);
    await expect(start).rejects.toThrow(/needs Java 17 or newer.*apt-get install openjdk-17-jre-headless.*brew install openjdk@17/);
  });
});

describe('startDynamoDbLocal with a state folder', () => {
  // The persistent mode itself (a relative folder, start, poll, stop, start again) is tested through npm start.
  it("shows DynamoDB Local's own error when it can't start", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynamodb-local-'));
    const notAFolder = join(dir, 'a-file');
    writeFileSync(notAFolder, '');
    try {
      const start = startDynamoDbLocal({ dbPath: notAFolder });
      await expect(start).rejects.toBeInstanceOf(DynamoDbLocalStartError);
      await expect(start).rejects.toThrow(/exited while starting[\s\S]*It said:\nInvalid directory for database creation/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
