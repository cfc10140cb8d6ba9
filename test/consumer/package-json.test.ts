import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { peerDependencies: Record<string, string> };

it('lets a consumer take later releases of a 0.0.x peer: a caret there admits that one version only, and npm refuses the rest (ERESOLVE)', () => {
  const pinned = Object.entries(pkg.peerDependencies).filter(([, range]) => /^\^0\.0\./.test(range.trim()));
  expect(pinned).toEqual([]);
  expect(pkg.peerDependencies['@cdklabs/cdk-validator-cfnguard']).toBe('>=0.0.62 <0.1.0');
});
