import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LAMBDA_NODE_ENV, lambdaNode } from '../../tools/node24/lambda-node.ts';

describe('lambdaNode', () => {
  const saved = process.env[LAMBDA_NODE_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[LAMBDA_NODE_ENV];
    else process.env[LAMBDA_NODE_ENV] = saved;
  });

  it('finds Node 24, which npm ci installs on this platform', () => {
    delete process.env[LAMBDA_NODE_ENV];
    expect(lambdaNode().version).toMatch(/^v24\.\d+\.\d+$/);
  });

  it('refuses a binary that is not Node 24, so a test cannot quietly run on another version', () => {
    const node20 = join(mkdtempSync(join(tmpdir(), 'lambda-node-')), 'node');
    writeFileSync(node20, '#!/bin/sh\necho v20.20.2\n');
    chmodSync(node20, 0o755);
    process.env[LAMBDA_NODE_ENV] = node20;
    expect(() => lambdaNode()).toThrow(`${node20} is Node v20.20.2, not Node 24`);
  });

  it('says how to get Node 24 when the named binary is missing', () => {
    process.env[LAMBDA_NODE_ENV] = '/nonexistent/node';
    expect(() => lambdaNode()).toThrow(/missing at \/nonexistent\/node\. npm ci installs it on Linux x64 and arm64.*set PORTOUT_WATCH_NODE24/);
  });
});
