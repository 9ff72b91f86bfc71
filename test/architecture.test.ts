/**
 * The layering of `functions/`, held by the import graph: which folder may import which. A change
 * that breaks a rule fails here with the importer, the imported file and the rule, instead of
 * being found in review (or not at all: a Lambda bundle quietly grows by whatever it drags in).
 *
 * The rules are a table keyed by folder (STYLE.md, "The shape we aim for"). A folder that does not
 * exist yet matches nothing, so a rule may name a folder before its first file lands.
 *
 * Type-only imports count like any other: they are a dependency of the code, if not of the bundle.
 */
import * as path from 'node:path';
import {
  buildImportGraph,
  checkRule,
  findCycles,
  findFolderCycles,
  importSpecifiers,
  readSourceFiles,
  unresolvedImports,
  type ImportGraph,
  type Rule,
} from './fixtures/import-graph';

/**
 * Violations the code has today, which the reshape of `functions/` is removing. A violation not
 * listed fails its rule; a listed one that is no longer found fails too, so that the list only
 * shrinks: when you fix one, delete its line.
 */
const KNOWN_VIOLATIONS: readonly string[] = [];

// Groups of folders the rules share, relative to the repository. Files directly in `functions/`
// are named one by one: they are what the reshape moves into folders.
const PROTOCOLS = ['functions/lti/', 'functions/lti12/', 'functions/lti13/'];
/** Where the adapters are built and wired: `app/`, and `lambdas/` (each function's handler built on a runtime, for `handlers/` and the local server). */
const COMPOSITION_ROOT = ['functions/app/', 'functions/lambdas/'];
const HANDLERS = ['functions/handlers/'];
const ADMIN = ['functions/admin/'];
const HTTP = ['functions/http/'];

/** The rules. A violation reads `<importer> imports <imported>: <why>`. */
const RULES: readonly Rule[] = [
  {
    id: 1,
    title: 'no import cycles in functions/, between files or between folders',
    kind: 'no-cycles',
    files: ['functions/'],
    // The domain model is what every layer speaks (ports included): importing it does not make a
    // folder depend on the rest of academy/.
    units: ['functions/academy/model.ts'],
  },
  {
    id: 2,
    title: '@aws-sdk/ is imported only by adapters/ and local/',
    kind: 'forbid',
    files: ['functions/'],
    except: ['functions/adapters/', 'functions/local/'],
    bans: [{ targets: ['@aws-sdk/'], why: 'only adapters/ and local/ talk to AWS through @aws-sdk/' }],
  },
  {
    id: 3,
    title: 'protocols (lti/, lti12/, lti13/) import no adapters, local server, composition root, handlers or admin',
    kind: 'forbid',
    files: PROTOCOLS,
    bans: [
      { targets: ['functions/adapters/'], why: 'lti*/ is protocol code and never imports adapters/' },
      { targets: ['functions/local/'], why: 'lti*/ is protocol code and never imports local/' },
      { targets: COMPOSITION_ROOT, why: 'lti*/ is protocol code and never imports the composition root' },
      { targets: HANDLERS, why: 'lti*/ is protocol code and never imports handlers/' },
      { targets: ADMIN, why: 'lti*/ is protocol code and never imports admin/' },
    ],
  },
  {
    id: 4,
    title: 'academy/ (the domain) imports no protocol, HTTP, admin, adapter, local server, composition root or handler',
    kind: 'forbid',
    files: ['functions/academy/'],
    bans: [
      { targets: PROTOCOLS, why: 'academy/ is the domain and never imports a protocol (lti*/)' },
      { targets: HTTP, why: 'academy/ is the domain and never imports http/' },
      { targets: ADMIN, why: 'academy/ is the domain and never imports admin/' },
      { targets: ['functions/adapters/'], why: 'academy/ is the domain and never imports adapters/ (it uses ports)' },
      { targets: ['functions/local/'], why: 'academy/ is the domain and never imports local/' },
      { targets: COMPOSITION_ROOT, why: 'academy/ is the domain and never imports the composition root' },
      { targets: HANDLERS, why: 'academy/ is the domain and never imports handlers/' },
    ],
  },
  {
    id: 5,
    title: 'nothing imports handlers/',
    kind: 'forbid',
    files: ['functions/', 'lib/', 'bin/'],
    bans: [{ targets: HANDLERS, why: 'handlers/ are Lambda entries only and nothing imports them' }],
  },
  {
    id: 6,
    title: 'lib/ (the CDK) imports only routes.ts and tables.ts from functions/',
    kind: 'only',
    files: ['lib/'],
    within: ['functions/'],
    mayImport: ['functions/routes.ts', 'functions/tables.ts'],
    why: 'lib/ is the CDK infrastructure and imports from functions/ only routes.ts and tables.ts',
  },
  {
    id: 7,
    title: 'ports import only ports, academy/model.ts and errors.ts',
    kind: 'only',
    files: ['functions/ports/'],
    mayImport: ['functions/ports/', 'functions/academy/model.ts', 'functions/errors.ts'],
    why: 'ports are interfaces and import only ports, academy/model.ts and errors.ts',
  },
  {
    id: 8,
    title: 'adapters/ import no composition root, handlers, http/ (but outbound.ts), admin or protocol',
    kind: 'forbid',
    files: ['functions/adapters/'],
    bans: [
      { targets: COMPOSITION_ROOT, why: 'adapters/ are wired by the composition root and never import it' },
      { targets: HANDLERS, why: 'adapters/ never import handlers/' },
      { targets: HTTP, unless: ['functions/http/outbound.ts'], why: 'adapters/ import from http/ only outbound.ts' },
      { targets: ADMIN, why: 'adapters/ never import admin/' },
      { targets: PROTOCOLS, why: 'adapters/ never import a protocol (lti*/)' },
    ],
  },
  {
    id: 9,
    title: 'http/ (the API Gateway edge) imports no domain, protocol, admin, adapter, local server, composition root or handler',
    kind: 'forbid',
    files: HTTP,
    bans: [
      { targets: ['functions/academy/'], why: 'http/ is the edge and never imports the domain' },
      { targets: PROTOCOLS, why: 'http/ is the edge and never imports a protocol (lti*/)' },
      { targets: ADMIN, why: 'http/ is the edge and never imports admin/' },
      { targets: ['functions/adapters/', 'functions/local/'], why: 'http/ is the edge and never imports adapters/ or local/' },
      { targets: COMPOSITION_ROOT, why: 'http/ is the edge and never imports the composition root' },
      { targets: HANDLERS, why: 'http/ is the edge and never imports handlers/' },
    ],
  },
];

const ROOT = path.resolve(__dirname, '..');
const SOURCES = readSourceFiles(ROOT, ['functions', 'lib', 'bin']);
const GRAPH = buildImportGraph(SOURCES);
const KNOWN = new Set(KNOWN_VIOLATIONS);

/** The rule by number, for the tests of the checker. */
function rule(id: number): Rule {
  const found = RULES.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
}

describe('the import graph', () => {
  // A graph that misses files or imports would let every rule pass.
  it('has the files of functions/, lib/ and bin/ and the imports between them', () => {
    const files = Object.keys(GRAPH);
    expect(files.filter((file) => file.startsWith('functions/')).length).toBeGreaterThan(10);
    expect(files.filter((file) => file.startsWith('lib/')).length).toBeGreaterThan(0);
    const ownImports = files.flatMap((file) => (GRAPH[file] ?? []).filter((target) => target in GRAPH));
    expect(ownImports.length).toBeGreaterThan(files.length);
  });

  it('resolves every relative import to a source file', () => {
    expect(unresolvedImports(SOURCES)).toEqual([]);
  });
});

describe.each(RULES)('rule $id: $title', (current) => {
  it('holds, but for the known violations', () => {
    const violations = checkRule(GRAPH, current).filter((violation) => !KNOWN.has(violation));
    expect(violations).toEqual([]);
  });
});

describe('KNOWN_VIOLATIONS', () => {
  it('lists only violations that are still there (delete the ones fixed)', () => {
    const found = new Set(RULES.flatMap((current) => checkRule(GRAPH, current)));
    expect(KNOWN_VIOLATIONS.filter((violation) => !found.has(violation))).toEqual([]);
  });

  it('lists each violation once', () => {
    expect(KNOWN_VIOLATIONS.filter((violation, i) => KNOWN_VIOLATIONS.indexOf(violation) !== i)).toEqual([]);
  });
});

// The checker itself, on graphs small enough to see the answer: a check that cannot fail proves
// nothing.
describe('the checker', () => {
  it('finds every kind of import, and none in comments or strings', () => {
    const text = [
      "import a from './a';",
      "import type { B } from './b';",
      "export * from './c';",
      "export type { D } from './d';",
      "import './e';",
      "import f = require('./f');",
      "type G = import('./g').G;",
      'async function later() {',
      "  return [await import('./h'), require('./i')];",
      '}',
      "// import x from './comment';",
      'const text = "import y from \'./string\'";',
    ].join('\n');
    expect(importSpecifiers('functions/x.ts', text)).toEqual(['./a', './b', './c', './d', './e', './f', './g', './h', './i']);
  });

  it('resolves x to x.ts or x/index.ts and leaves packages as they are', () => {
    const graph = buildImportGraph({
      'functions/a.ts':
        "import { b } from './b';\nimport type { C } from './c';\nimport { d } from './d.js';\nimport { KMS } from '@aws-sdk/client-kms';",
      'functions/b.ts': "export * from '../functions/c';",
      'functions/c/index.ts': "import '../a';",
      'functions/d.ts': '',
    });
    expect(graph).toEqual({
      'functions/a.ts': ['@aws-sdk/client-kms', 'functions/b.ts', 'functions/c/index.ts', 'functions/d.ts'],
      'functions/b.ts': ['functions/c/index.ts'],
      'functions/c/index.ts': ['functions/a.ts'],
      'functions/d.ts': [],
    });
    expect(unresolvedImports({ 'functions/a.ts': "import './missing';" })).toEqual([
      'functions/a.ts imports ./missing, which is no source file',
    ]);
  });

  it('finds a cycle, written from its alphabetically first file', () => {
    const graph: ImportGraph = { 'functions/b.ts': ['functions/a.ts'], 'functions/a.ts': ['functions/b.ts'] };
    expect(findCycles(graph)).toEqual(['import cycle: functions/a.ts -> functions/b.ts -> functions/a.ts']);
    expect(checkRule(graph, rule(1))).toEqual(['import cycle: functions/a.ts -> functions/b.ts -> functions/a.ts']);
  });

  it('finds longer cycles and self imports, and none in a graph without', () => {
    const graph: ImportGraph = {
      'functions/c.ts': ['functions/b.ts', 'functions/d.ts'],
      'functions/b.ts': ['functions/a.ts'],
      'functions/a.ts': ['functions/c.ts', 'node:path'],
      'functions/d.ts': [],
      'functions/self.ts': ['functions/self.ts'],
    };
    expect(findCycles(graph)).toEqual([
      'import cycle: functions/a.ts -> functions/c.ts -> functions/b.ts -> functions/a.ts',
      'import cycle: functions/self.ts -> functions/self.ts',
    ]);
    expect(findCycles({ 'functions/a.ts': ['functions/b.ts'], 'functions/b.ts': [] })).toEqual([]);
  });

  it('finds folders that import each other, but not through academy/model.ts', () => {
    const graph: ImportGraph = {
      'functions/academy/launch.ts': ['functions/academy/model.ts', 'functions/lti12/launch.ts'],
      'functions/academy/model.ts': [],
      'functions/lti12/launch.ts': ['functions/academy/launch.ts'],
      'functions/lti13/launch.ts': ['functions/academy/model.ts'],
      'functions/ports.ts': ['functions/academy/model.ts'],
    };
    const cycle =
      'folder cycle: functions/academy/ <-> functions/lti12/ (functions/academy/launch.ts imports functions/lti12/launch.ts; functions/lti12/launch.ts imports functions/academy/launch.ts)';
    expect(findFolderCycles(graph, ['functions/'], ['functions/academy/model.ts'])).toEqual([cycle]);
    expect(checkRule(graph, rule(1))).toEqual([
      cycle,
      'import cycle: functions/academy/launch.ts -> functions/lti12/launch.ts -> functions/academy/launch.ts',
    ]);
    expect(findFolderCycles({ ...graph, 'functions/academy/model.ts': ['functions/lti13/launch.ts'] }, ['functions/'])).toContain(
      'folder cycle: functions/academy/ <-> functions/lti13/ (functions/academy/model.ts imports functions/lti13/launch.ts; functions/lti13/launch.ts imports functions/academy/model.ts)',
    );
  });

  it('reports a forbidden import with both files and the why', () => {
    const graph: ImportGraph = {
      'functions/academy/deliverer.ts': ['functions/academy/model.ts', 'functions/app/runtime.ts'],
      'functions/academy/model.ts': [],
      'functions/app/runtime.ts': ['functions/academy/deliverer.ts'],
    };
    expect(checkRule(graph, rule(4))).toEqual([
      'functions/academy/deliverer.ts imports functions/app/runtime.ts: academy/ is the domain and never imports the composition root',
    ]);
  });

  it('applies rules to folders that do not exist yet, and their subfolders', () => {
    const graph: ImportGraph = {
      'functions/lti13/core/launch.ts': ['functions/app/wiring.ts', 'functions/lti13/ags/scores.ts'],
      'functions/lti13/ags/scores.ts': [],
      'functions/app/wiring.ts': ['functions/lti13/core/launch.ts'],
    };
    expect(checkRule(graph, rule(3))).toEqual([
      'functions/lti13/core/launch.ts imports functions/app/wiring.ts: lti*/ is protocol code and never imports the composition root',
    ]);
  });

  it('allows what a rule excepts and forbids the rest', () => {
    const graph: ImportGraph = {
      'functions/adapters/sqs.ts': ['@aws-sdk/client-sqs', 'functions/http/outbound.ts', 'functions/http/request.ts'],
      'functions/local/server.ts': ['@aws-sdk/client-kms'],
      'functions/academy/passback.ts': ['@aws-sdk/client-sqs', 'zod'],
      'lib/stack.ts': ['aws-cdk-lib', 'functions/routes.ts', 'functions/runtime.ts', 'functions/handlers/admin.ts'],
      'functions/ports/queue.ts': ['functions/academy/model.ts', 'functions/errors.ts', 'functions/ports/clock.ts', 'zod'],
    };
    expect(checkRule(graph, rule(2))).toEqual([
      'functions/academy/passback.ts imports @aws-sdk/client-sqs: only adapters/ and local/ talk to AWS through @aws-sdk/',
    ]);
    expect(checkRule(graph, rule(8))).toEqual([
      'functions/adapters/sqs.ts imports functions/http/request.ts: adapters/ import from http/ only outbound.ts',
    ]);
    expect(checkRule(graph, rule(5))).toEqual([
      'lib/stack.ts imports functions/handlers/admin.ts: handlers/ are Lambda entries only and nothing imports them',
    ]);
    expect(checkRule(graph, rule(6))).toEqual([
      'lib/stack.ts imports functions/handlers/admin.ts: lib/ is the CDK infrastructure and imports from functions/ only routes.ts and tables.ts',
      'lib/stack.ts imports functions/runtime.ts: lib/ is the CDK infrastructure and imports from functions/ only routes.ts and tables.ts',
    ]);
    expect(checkRule(graph, rule(7))).toEqual([
      'functions/ports/queue.ts imports zod: ports are interfaces and import only ports, academy/model.ts and errors.ts',
    ]);
  });
});
