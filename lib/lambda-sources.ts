import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The first directory at or above `start` holding one of `names`, and which it holds; undefined at the root. */
function findUp(start: string, names: readonly string[]): { dir: string; name: string } | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const name = names.find((candidate) => existsSync(join(dir, candidate)));
    if (name) return { dir, name };
    if (dirname(dir) === dir) return undefined;
  }
}

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * This package's root, where functions/ sits beside package.json: one level above lib/ when run from source,
 * two above dist/lib/ when built and installed.
 */
const PACKAGE_ROOT = findUp(HERE, ['package.json'])?.dir ?? HERE;

/** A Lambda handler's TypeScript source, which the package ships so that NodejsFunction can bundle it at synth. */
export const handlerEntry = (pathUnderFunctions: string): string => join(PACKAGE_ROOT, 'functions', pathUnderFunctions);

/** The lock files NodejsFunction knows, in the order it prefers them. */
const LOCK_FILES = ['pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb', 'package-lock.json'] as const;

/**
 * Where NodejsFunction runs esbuild: the project whose lock file is nearest above this package. From source that is
 * this repository. Installed, it is the consumer's app (a package in node_modules has no lock file of its own), whose
 * node_modules hold esbuild and the handlers' dependencies, and whose lock file says which package manager runs it.
 */
export function bundlingProject(): { projectRoot: string; depsLockFilePath: string } {
  const found = findUp(PACKAGE_ROOT, LOCK_FILES);
  if (!found) {
    throw new Error(
      `portout-watch bundles its Lambda functions from your app's project, but no lock file (${LOCK_FILES.join(', ')}) is at or above ${PACKAGE_ROOT}: install your app's dependencies with your package manager, which writes one`,
    );
  }
  return { projectRoot: found.dir, depsLockFilePath: join(found.dir, found.name) };
}
