import { statSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import { LAMBDA_BUNDLING, POLLER_ENTRY } from '../lib/poller-function.ts';

export const TMP_DIR = fileURLToPath(new URL('./.tmp/', import.meta.url));

/**
 * The esbuild command NodejsFunction (aws-cdk-lib 2.276, `Bundling.createBundlingCommand`) derives from the `bundling`
 * props in lib/poller-function.ts: `--bundle --target=node24 --platform=node --format=esm --outfile=index.mjs --minify
 * --sourcemap --sources-content=false --banner:js=… --main-fields=module,main`, and no `--external` because
 * `bundleAwsSDK: true`. They are read from LAMBDA_BUNDLING where esbuild's names differ from CDK's.
 */
const STACK_BUNDLING = {
  entryPoints: [POLLER_ENTRY],
  bundle: true,
  target: LAMBDA_BUNDLING.target,
  platform: 'node',
  format: 'esm',
  minify: LAMBDA_BUNDLING.minify,
  sourcemap: LAMBDA_BUNDLING.sourceMap,
  sourcesContent: LAMBDA_BUNDLING.sourcesContent,
  banner: { js: LAMBDA_BUNDLING.banner ?? '' },
  mainFields: [...(LAMBDA_BUNDLING.mainFields ?? [])],
  logLevel: 'warning',
} satisfies BuildOptions;

const FLOOR_ENTRY = fileURLToPath(new URL('./floor-handler.ts', import.meta.url));

/**
 * `as-deployed`: exactly the stack's bundle (AWS SDK inside).
 * `sdk-external`: what NodejsFunction builds with `bundleAwsSDK: false` here (cdk.json sets
 * `sdkV3ExcludeSmithyPackages`, so `@smithy/*` is left out too) and the runtime's SDK is used instead.
 * `sdk-floor`: floor-handler.ts, which only imports and builds the AWS SDK clients, bundled as the stack bundles.
 */
export const BUNDLE_VARIANTS = {
  'as-deployed': { entry: POLLER_ENTRY, external: [] },
  'sdk-external': { entry: POLLER_ENTRY, external: ['@aws-sdk/*', '@smithy/*'] },
  'sdk-floor': { entry: FLOOR_ENTRY, external: [] },
} as const satisfies Record<string, { entry: string; external: readonly string[] }>;
export type BundleVariant = keyof typeof BUNDLE_VARIANTS;

export interface BuiltBundle {
  variant: BundleVariant;
  path: string;
  external: readonly string[];
  bytes: number;
  gzipBytes: number;
  sourceMapBytes: number;
  /** Bytes of output per package, largest first (metafile), for the ones over 5 KB. */
  largestInputs: Array<{ name: string; bytes: number }>;
}

function packageOf(input: string): string {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'portout-watch';
}

export async function buildPollerBundle(variant: BundleVariant): Promise<BuiltBundle> {
  const outfile = `${TMP_DIR}${variant}/index.mjs`;
  const { entry, external } = BUNDLE_VARIANTS[variant];
  const result = await build({ ...STACK_BUNDLING, entryPoints: [entry], external: [...external], outfile, metafile: true });
  const output = Object.values(result.metafile.outputs).find((out) => out.entryPoint !== undefined);
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  return {
    variant,
    path: outfile,
    external,
    bytes: statSync(outfile).size,
    gzipBytes: gzipSync(readFileSync(outfile)).length,
    sourceMapBytes: statSync(`${outfile}.map`).size,
    largestInputs: [...byPackage]
      .filter(([, bytes]) => bytes >= 5_000)
      .sort((a, b) => b[1] - a[1])
      .map(([name, bytes]) => ({ name, bytes })),
  };
}

/**
 * The measured-run child, bundled like the handler (SDK inside) so it starts and runs as the Lambda bundle does,
 * without tsx in the process.
 */
export async function buildPollChild(child: 'poll-child' | 'fleet-child' = 'poll-child'): Promise<string> {
  const outfile = `${TMP_DIR}${child}.mjs`;
  await build({
    ...STACK_BUNDLING,
    entryPoints: [fileURLToPath(new URL(`./${child}.ts`, import.meta.url))],
    minify: false,
    sourcemap: false,
    outfile,
  });
  return outfile;
}
