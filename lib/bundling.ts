/**
 * How every Lambda is bundled. The stack passes these options to `NodejsFunction` (local esbuild,
 * never Docker) and `npm run bench` builds the same bundles with them, so the measured sizes and
 * initialisation times are those of what gets deployed.
 *
 * The AWS SDK is bundled (not left to the Lambda runtime's built-in copy): the versions are pinned
 * in package.json and tested, and a minified, tree-shaken bundle of only the clients a function
 * uses loads faster than resolving the runtime's full SDK from disk.
 */
export const bundlingOptions = {
  minify: true,
  sourceMap: true,
  /**
   * The map holds mappings and file names, not a copy of every source file: stack traces stay
   * readable under `--enable-source-maps`, and the asset and the map Node parses stay small.
   */
  sourcesContent: false,
  /** esbuild target: the Lambda runtime is Node.js 22. */
  target: 'node22',
  format: 'cjs',
  /** Nothing external: every dependency is in the bundle. */
  externalModules: [] as string[],
  /** Prefer ESM entry points so esbuild can tree-shake them. */
  mainFields: ['module', 'main'],
} as const;

/** The Lambda entry file of a function in the route table. */
export function handlerEntry(rootDir: string, entry: string): string {
  return `${rootDir}/functions/handlers/${entry}.ts`;
}

/**
 * `NODE_OPTIONS` of every Lambda: none. Under `--enable-source-maps` Node parses a bundle's source
 * map while it loads, which `npm run bench` measures at 10–25 ms of every cold start; the maps still
 * ship in each asset, so a minified stack trace from the logs can be decoded offline, and setting
 * `NODE_OPTIONS=--enable-source-maps` on one function turns them on while investigating.
 */
export const lambdaNodeOptions: string = '';
