/**
 * Bundles the Lambda entries for `npm run bench` with esbuild's JS API and exactly the options the
 * stack gives `NodejsFunction` (lib/bundling.ts), so the measured bundles are the deployed ones.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { bundlingOptions } from '../../lib/bundling';

/** The handler every bundle is compared with: what any Lambda costs before our code runs. */
export const BASELINE_SOURCE = "export const handler = async () => ({ statusCode: 200, body: 'ok' });\n";

export interface BundleInput {
  readonly name: string;
  /** Absolute path of the entry file, or the source text of an in-memory entry (the baseline). */
  readonly entry: { readonly file: string } | { readonly source: string };
}

export interface BundleOutput {
  readonly name: string;
  /** Absolute path of the bundle's `.js`. */
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** Gzip level 9 of the `.js`: close to what the deployment zip adds for it. */
  readonly gzipBytes: number;
  /** Bytes each input contributes to the `.js`, largest first. */
  readonly inputs: readonly { readonly path: string; readonly bytes: number }[];
}

/**
 * esbuild options equivalent to the `NodejsFunction` bundling the stack configures; `options` are
 * another commit's under `--against`, so each side is bundled as its own stack would.
 */
export function esbuildOptions(rootDir: string, options: typeof bundlingOptions = bundlingOptions): BuildOptions {
  return {
    absWorkingDir: rootDir,
    bundle: true,
    platform: 'node',
    target: options.target,
    format: options.format,
    minify: options.minify,
    sourcemap: options.sourceMap,
    sourcesContent: options.sourcesContent,
    external: [...options.externalModules],
    mainFields: [...options.mainFields],
  };
}

/** Bundles one entry into `<outDir>/<name>/index.js` (the file name `NodejsFunction` uses). */
export async function bundle(rootDir: string, outDir: string, input: BundleInput, options?: typeof bundlingOptions): Promise<BundleOutput> {
  const file = join(outDir, input.name, 'index.js');
  const entry: BuildOptions =
    'file' in input.entry
      ? { entryPoints: [input.entry.file] }
      : { stdin: { contents: input.entry.source, loader: 'ts', resolveDir: rootDir, sourcefile: `${input.name}.ts` } };
  const result = await build({ ...esbuildOptions(rootDir, options), ...entry, outfile: file, metafile: true, logLevel: 'silent' });
  const code = readFileSync(file);
  return {
    name: input.name,
    file,
    bytes: code.length,
    mapBytes: statSync(`${file}.map`).size,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    inputs: inputsBySize(result.metafile, rootDir, file),
  };
}

function inputsBySize(metafile: Metafile, rootDir: string, file: string): BundleOutput['inputs'] {
  const output = Object.entries(metafile.outputs).find(([path]) => join(rootDir, path) === file)?.[1];
  if (output === undefined) throw new Error(`esbuild's metafile does not list the output ${file}`);
  return Object.entries(output.inputs)
    .map(([path, { bytesInOutput }]) => ({ path: fromNodeModules(path), bytes: bytesInOutput }))
    .filter((input) => input.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}

/** `../../x/node_modules/zod/…` (a linked node_modules) as `node_modules/zod/…`. */
function fromNodeModules(inputPath: string): string {
  const at = inputPath.lastIndexOf('node_modules/');
  return at === -1 ? inputPath : inputPath.slice(at);
}

/**
 * The package an input belongs to (`@aws-sdk/client-kms`, `jose`), or its folder for our own
 * code (`functions/lti12`): what a reader needs to see to decide what to cut from a bundle.
 */
export function packageOf(inputPath: string): string {
  const marker = 'node_modules/';
  const at = inputPath.lastIndexOf(marker);
  if (at === -1) {
    const parts = inputPath.split('/');
    return parts.length > 2 ? parts.slice(0, 2).join('/') : (parts[0] ?? inputPath);
  }
  const parts = inputPath.slice(at + marker.length).split('/');
  return parts[0]?.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? inputPath);
}

/** Bytes in the bundle per package, largest first. */
export function packagesBySize(inputs: BundleOutput['inputs']): { readonly name: string; readonly bytes: number }[] {
  const totals = new Map<string, number>();
  for (const input of inputs) totals.set(packageOf(input.path), (totals.get(packageOf(input.path)) ?? 0) + input.bytes);
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}
