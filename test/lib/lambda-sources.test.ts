import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundlingProject, handlerEntry } from '../../lib/lambda-sources.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

// Installed in a consumer's node_modules, test/consumer covers the other case: the consumer's project.
describe('the Lambda sources, run from this repository', () => {
  it('finds the handlers beside package.json', () => {
    expect(handlerEntry('poller/handler.ts')).toBe(`${ROOT}/functions/poller/handler.ts`);
    expect(existsSync(handlerEntry('webhook/handler.ts'))).toBe(true);
  });

  it('bundles in this repository, with its lock file', () => {
    expect(bundlingProject()).toEqual({ projectRoot: ROOT, depsLockFilePath: `${ROOT}/package-lock.json` });
  });
});
