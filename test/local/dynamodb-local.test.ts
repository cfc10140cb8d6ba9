import { afterEach, describe, expect, it, vi } from 'vitest';
import { JavaMissingError, startDynamoDbLocal } from '../../local/dynamodb-local.ts';

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
