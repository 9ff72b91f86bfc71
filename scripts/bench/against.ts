/**
 * `npm run bench -- --against REF`: a temporary checkout of another commit, so that the bundles of
 * a code reshape can be measured before and after in one run, on the same machine under the same
 * load. The checkout uses the working tree's node_modules, and its own route table and bundling
 * options, so each side is bundled the way its stack would bundle it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { realpathSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Bundling from '../../lib/bundling';
import type { FunctionSpec } from '../../functions/routes';

export interface AgainstTree {
  /** The ref as given on the command line, and the commit it names. */
  readonly ref: string;
  readonly commit: string;
  readonly dir: string;
  /** package-lock.json of REF differs from the working tree's: both sides run this node_modules. */
  readonly lockfileDiffers: boolean;
}

/** What the bench needs from a tree: its functions and how its stack bundles them. */
export interface TreeModules {
  readonly functions: Readonly<Record<string, Pick<FunctionSpec, 'entry'>>>;
  readonly bundlingOptions: typeof Bundling.bundlingOptions;
  readonly handlerEntry: typeof Bundling.handlerEntry;
  /** Older commits do not export it (their Lambdas ran with `--enable-source-maps`). */
  readonly lambdaNodeOptions?: string;
}

function git(cwd: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * Checks REF out, detached, into `<parentDir>/against-<short sha>` with the working tree's
 * node_modules linked in, and runs `use` on it. The worktree is removed afterwards whether `use`
 * succeeds or throws, so no checkout is left registered in the repository.
 */
export async function withAgainstTree<T>(
  rootDir: string,
  ref: string,
  parentDir: string,
  use: (tree: AgainstTree) => Promise<T>,
): Promise<T> {
  const resolved = spawnSync('git', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    cwd: rootDir,
    encoding: 'utf8',
  });
  if (resolved.status !== 0) throw new Error(`--against ${ref}: not a commit of this repository`);
  const commit = resolved.stdout.trim();
  const dir = join(parentDir, `against-${commit.slice(0, 10)}`);
  // --force: a run killed before its clean-up leaves the path registered (its folder is gone with
  // .bench), which would otherwise block adding it again.
  git(rootDir, ['worktree', 'add', '--force', '--detach', dir, commit]);
  try {
    const modules = join(dir, 'node_modules');
    symlinkSync(realpathSync(join(rootDir, 'node_modules')), modules, 'dir');
    try {
      const diff = spawnSync('git', ['diff', '--quiet', commit, '--', 'package-lock.json'], { cwd: rootDir });
      return await use({ ref, commit, dir, lockfileDiffers: diff.status !== 0 });
    } finally {
      // Unlinked first, so that removing the worktree can never reach into the shared node_modules.
      unlinkSync(modules);
    }
  } finally {
    git(rootDir, ['worktree', 'remove', '--force', dir]);
  }
}

/**
 * Loads a tree's `functions/routes.ts` and `lib/bundling.ts` from its own path (the bench runs
 * under tsx, which compiles them), so a reshape of either is bundled as that commit had it.
 */
export async function loadTree(dir: string): Promise<TreeModules> {
  const load = (path: string): Promise<Record<string, unknown>> => import(pathToFileURL(join(dir, path)).href);
  const [routes, bundling] = await Promise.all([load('functions/routes.ts'), load('lib/bundling.ts')]);
  return { functions: routes.functions, ...bundling } as TreeModules;
}
