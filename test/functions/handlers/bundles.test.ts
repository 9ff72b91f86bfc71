/**
 * What each Lambda bundles, built as the stack builds it (esbuild with `lib/bundling.ts`'s options,
 * through `scripts/bench/build.ts`): no local-mode code in any function, and AWS SDK clients only in
 * the functions that use them (the KMS client where a function signs, seals or opens LTI 1.2
 * secrets, SQS where it queues), so that no cold start pays for a client it never calls. `npm run bench` measures the sizes and times.
 */
import { build } from 'esbuild';
import { handlerEntry } from '../../../lib/bundling';
import { functions, type FunctionName } from '../../../functions/routes';
import { esbuildOptions } from '../../../scripts/bench/build';

const ROOT = `${__dirname}/../../..`;

/**
 * The input files of a function's bundle that put code in it (tree-shaking may leave a module with
 * nothing), relative to the repository (packages as `node_modules/<name>/…`).
 */
async function bundledInputs(fn: FunctionName): Promise<string[]> {
  const result = await build({
    ...esbuildOptions(ROOT),
    entryPoints: [handlerEntry(ROOT, functions[fn].entry)],
    outfile: `bundle-${fn}.js`,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const contributing = Object.values(result.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
  return contributing.map((path) => {
    const at = path.lastIndexOf('node_modules/');
    return at === -1 ? path : path.slice(at);
  });
}

const names = Object.keys(functions) as FunctionName[];
let inputs: Record<FunctionName, string[]>;

beforeAll(async () => {
  inputs = Object.fromEntries(await Promise.all(names.map(async (fn) => [fn, await bundledInputs(fn)] as const))) as typeof inputs;
}, 60_000);

const uses = (fn: FunctionName, prefix: string) => inputs[fn].some((path) => path.startsWith(prefix));
const bundling = (prefix: string) => names.filter((fn) => uses(fn, prefix)).sort();

it('bundles the function code it is built from', () => {
  expect(uses('admin', 'functions/admin/')).toBe(true);
  expect(uses('passbackWorker', 'functions/academy/passback/')).toBe(true);
});

it('the admin API is two functions, each with only its own routes (so that each initialises within budget)', () => {
  // admin: the academy (environments, activities, users, progress, launches); adminLti13: LTI 1.3 connections.
  expect(uses('admin', 'functions/lti13/dynamic-registration/')).toBe(false);
  expect(uses('admin', 'functions/admin/tools.ts')).toBe(false);
  expect(uses('adminLti13', 'functions/lti13/dynamic-registration/tool-setup-sheets.ts')).toBe(true);
  expect(uses('adminLti13', 'functions/academy/passback/')).toBe(false);
  expect(uses('adminLti13', 'functions/admin/progress.ts')).toBe(false);
});

it('no function bundles local-mode code (functions/local/)', () => {
  expect(bundling('functions/local/')).toEqual([]);
});

it('only the functions that sign or open secrets bundle the KMS client, and only the worker the SQS client', () => {
  // Signing: lti13Authorize, lti13DeepLinking, passbackWorker, rosterSync; opening LTI 1.2 secrets: the LTI 1.2 tool
  // and outcomes, the LTI 1.3 tool (the lti1p1 claim), the platform launch and the passback worker. The admin API
  // seals secrets and queues first attempts with one signed request each (app/admin-aws.ts), without either client.
  expect(bundling('node_modules/@aws-sdk/client-kms/')).toEqual([
    'lti12Outcomes',
    'lti12Tool',
    'lti13Authorize',
    'lti13DeepLinking',
    'lti13Tool',
    'passbackWorker',
    'platformLaunch',
    'rosterSync',
  ]);
  expect(bundling('functions/adapters/kms-signer.ts')).toEqual(['lti13Authorize', 'lti13DeepLinking', 'passbackWorker', 'rosterSync']);
  expect(bundling('node_modules/@aws-sdk/client-sqs/')).toEqual(['passbackWorker']);
  expect(bundling('functions/adapters/kms-json-sealer.ts')).toEqual(['admin']);
  expect(bundling('functions/adapters/sqs-json-queue.ts')).toEqual(['admin', 'passbackWorker']);
});

it('the LTI 1.3 launch opens the Deep Linking picker without its signing: no KMS signer, no response code', () => {
  expect(uses('lti13Tool', 'functions/lti13/deep-linking/tool-request.ts')).toBe(true);
  expect(uses('lti13Tool', 'functions/lti13/deep-linking/tool-response.ts')).toBe(false);
  expect(uses('lti13Tool', 'functions/adapters/kms-signer.ts')).toBe(false);
});

it('only the admin API bundles zod (it validates admin bodies): no launch, passback or service pays for it', () => {
  expect(bundling('node_modules/zod/')).toEqual(['admin', 'adminLti13']);
  // zod/mini: its schemas carry only the checks they use; zod's classic API (about 80 KB more) is in no bundle.
  expect(bundling('node_modules/zod/v4/classic/')).toEqual([]);
});

it('the JWKS function bundles no store and no AWS SDK client', () => {
  expect(inputs.jwks.filter((path) => path.startsWith('node_modules/@aws-sdk/') || path.startsWith('functions/adapters/dynamo'))).toEqual(
    [],
  );
});

it('each function bundles its own error renderer only: POX (and its XML builder) only where Basic Outcomes is spoken', () => {
  // The outcomes service answers POX; the worker delivers LTI 1.2 passbacks, which are POX requests. The admin
  // API opens passbacks but never sends one: it bundles where they go (app/delivery-targets.ts), not the deliverers.
  const speakPox = ['lti12Outcomes', 'passbackWorker'];
  expect(bundling('functions/http/renderers/pox.ts')).toEqual(speakPox);
  expect(bundling('node_modules/fast-xml-parser/')).toEqual(speakPox);
  expect(bundling('functions/http/renderers/oauth-json.ts')).toEqual(['lti13Token']);
  expect(bundling('functions/http/renderers/registration-json.ts')).toEqual(['lti13PlatformRegistration']);
});
