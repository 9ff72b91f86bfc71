/**
 * `npx lti-bridge`: the admin API from a terminal or a script (README "Admin CLI"). Each command is one
 * request of `./commands.ts`, signed with SigV4 (service `execute-api`): with the AWS credential chain
 * (profile, SSO, environment) against a deployment, or with the local key pair against `npm start`.
 * People get tables, scripts `--json`; errors name the field or the permission at fault, and the exit
 * code is 1 for an answer of 400 and above, 2 for a mistake in the command line.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { commands, findCommand, pathNames, pathOptions, type Command } from './commands';
import { adminCredentials, type Target } from './credentials';
import { sendSigned, type Answer } from './client';

const globalOptions = {
  url: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  local: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  body: { type: 'string' },
  set: { type: 'string', multiple: true },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
  email: { type: 'string' },
  lms: { type: 'string' },
  env: { type: 'string' },
  id: { type: 'string' },
  key: { type: 'string' },
  user: { type: 'string' },
} as const;

const connectionHelp = `Connection:
  --url URL         the deployment's base URL (its PublicUrl output); LTI_BRIDGE_URL; http://localhost:3000
  --local           sign with the local key pair of npm start (ADMIN_ACCESS_KEY_ID and ADMIN_SECRET_ACCESS_KEY,
                    else DATA_DIR/admin-credentials.json); the default for a localhost URL
  --profile NAME    an AWS profile (SSO included); else the AWS credential chain (environment, SSO, instance role)
  --region REGION   the region requests are signed for; else AWS_REGION, the URL's, or us-east-1
Output:
  --json            the answer as JSON, for scripts; a table otherwise`;

export class UsageError extends Error {}

/** What the CLI writes; tests give their own. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly isTty: boolean;
  readonly stdin?: () => string;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: globalOptions, allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`${(error as Error).message}\nRun lti-bridge --help for the commands.`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [resource, action, ...extra] = positionals;
  if (!resource) {
    io.out(overview());
    return values.help ? 0 : 2;
  }
  const command = findCommand(resource, action);
  if (!command) {
    const actions = commands.filter((candidate) => candidate.resource === resource);
    if (actions.length > 0 && (!action || values.help)) {
      io.out(resourceHelp(resource, actions));
      return values.help ? 0 : 2;
    }
    io.err(`unknown command: ${positionals.join(' ')}\nRun lti-bridge --help for the commands.`);
    return 2;
  }
  if (values.help) {
    io.out(commandHelp(command));
    return 0;
  }
  try {
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const request = buildRequest(command, values, io);
    const target = await adminCredentials({ url: values.url, region: values.region, profile: values.profile, local: values.local }, io.env);
    return await run(command, request, target, values, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\nRun lti-bridge ${command.resource} ${command.action} --help for its options.`);
      return 2;
    }
    io.err(`error: ${(error as Error).message}`);
    return 1;
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof globalOptions }>>['values'];

interface Request {
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body?: unknown;
}

function buildRequest(command: Command, values: Values, io: Io): Request {
  const path = command.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = (values as Record<string, unknown>)[pathOptions[name]!.option];
    if (typeof value !== 'string' || value === '')
      throw new UsageError(`--${pathOptions[name]!.option} is required: ${pathOptions[name]!.description}`);
    return encodeURIComponent(value);
  });
  const query: Record<string, string> = {};
  for (const name of command.query ?? []) {
    const value = (values as Record<string, unknown>)[name];
    if (typeof value !== 'string') throw new UsageError(`--${name} is required`);
    query[name] = value;
  }
  if (command.list) {
    if (values.limit !== undefined) query.limit = values.limit;
    if (values.cursor !== undefined) query.cursor = values.cursor;
  }
  const body = bodyOf(values, io);
  if (command.body === 'required' && body === undefined)
    throw new UsageError('a body is required: --body JSON, --body @file.json, --body - (stdin), or --set field=value');
  if (!command.body && body !== undefined) throw new UsageError(`${command.resource} ${command.action} takes no body`);
  return { path, query, ...(body !== undefined ? { body } : {}) };
}

/** `--body` (JSON, `@file`, `-` for stdin) and `--set name=value` (a dotted name nests; a value that is JSON is taken as such). */
function bodyOf(values: Values, io: Io): unknown {
  let body: unknown;
  if (values.body !== undefined) {
    const text =
      values.body === '-' ? (io.stdin?.() ?? '') : values.body.startsWith('@') ? readFileSync(values.body.slice(1), 'utf8') : values.body;
    try {
      body = JSON.parse(text);
    } catch {
      throw new UsageError('--body is not valid JSON');
    }
  }
  for (const assignment of values.set ?? []) {
    const at = assignment.indexOf('=');
    if (at < 1) throw new UsageError(`--set ${assignment}: give name=value`);
    const names = assignment.slice(0, at).split('.');
    let value: unknown = assignment.slice(at + 1);
    try {
      value = JSON.parse(value as string);
    } catch {
      // a plain string
    }
    body ??= {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UsageError('--set needs the body to be an object');
    let into = body as Record<string, unknown>;
    for (const name of names.slice(0, -1)) {
      if (typeof into[name] !== 'object' || into[name] === null) into[name] = {};
      into = into[name] as Record<string, unknown>;
    }
    into[names[names.length - 1]!] = value;
  }
  return body;
}

async function run(command: Command, request: Request, target: Target, values: Values, io: Io): Promise<number> {
  const stop = command.long || values.all ? spinner(io, `${command.resource} ${command.action}`) : () => {};
  const items: unknown[] = [];
  let answer: Answer;
  let query = request.query;
  let pages = 0;
  try {
    for (;;) {
      answer = await sendSigned(target, command.method, request.path, query, request.body);
      pages += 1;
      if (answer.status >= 400) break;
      if (!command.list || !values.all) break;
      items.push(...(((answer.json as Record<string, unknown>)[command.list] as unknown[]) ?? []));
      const next = (answer.json as { next?: string }).next;
      if (!next) break;
      query = { ...query, cursor: next };
      if (io.isTty) io.err(`\r${pages} pages, ${items.length} ${command.list}…`);
    }
  } finally {
    stop();
  }
  if (answer.status >= 400) {
    io.err(describeError(answer, target, command));
    return 1;
  }
  const result = command.list && values.all ? { [command.list]: items } : answer.json;
  if (values.json || command.columns === undefined) {
    io.out(result === undefined ? '' : JSON.stringify(result, null, 2));
  } else if (result === undefined) {
    io.out(`done (${answer.status})`);
  } else {
    const rows = command.list
      ? ((result as Record<string, unknown>)[command.list] as Record<string, unknown>[])
      : [result as Record<string, unknown>];
    io.out(table(rows, command.columns));
    const next = (result as { next?: string }).next;
    if (command.list && next) io.out(`more: --cursor ${next} (or --all)`);
  }
  return 0;
}

/** An error as the API says it, with what to do about it. */
function describeError(answer: Answer, target: Target, command: Command): string {
  const body = (answer.json ?? {}) as { error?: string; message?: string; field?: string; Message?: string };
  const message = body.message ?? body.Message ?? answer.text.slice(0, 300);
  const lines = [`error: ${answer.status}${body.error ? ` ${body.error}` : ''}: ${message}`];
  if (body.field) lines.push(`the field at fault: ${body.field}`);
  if (answer.status === 403 && (!body.error || body.error === 'forbidden')) {
    lines.push(
      target.local
        ? 'the signature was refused: sign with the key pair npm start printed (ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY or DATA_DIR)'
        : `your AWS identity may not call this route: it needs execute-api:Invoke on ${command.method} ${command.path} of the lti-bridge API (and the right --region)`,
    );
  }
  return lines.join('\n');
}

export function table(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)';
  const cell = (value: unknown) =>
    value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((row) => row[index]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

/** On a terminal, the elapsed seconds on stderr while a long request runs; nothing otherwise. */
function spinner(io: Io, what: string): () => void {
  if (!io.isTty) return () => {};
  const started = Date.now();
  const timer = setInterval(() => io.err(`\r${what}: ${Math.round((Date.now() - started) / 1000)} s`), 500);
  return () => {
    clearInterval(timer);
    io.err('\r\x1b[K');
  };
}

function overview(): string {
  const resources = [...new Set(commands.map((command) => command.resource))];
  return [
    'lti-bridge: the admin API of an lti-bridge deployment, or of npm start.',
    '',
    'Usage: lti-bridge <resource> <action> [options]',
    '',
    'Commands:',
    ...resources.map(
      (resource) =>
        `  ${resource.padEnd(13)} ${commands
          .filter((c) => c.resource === resource)
          .map((c) => c.action)
          .join(', ')}`,
    ),
    '',
    "lti-bridge <resource> <action> --help shows a command's options.",
    '',
    connectionHelp,
  ].join('\n');
}

function resourceHelp(resource: string, actions: readonly Command[]): string {
  return [`Usage: lti-bridge ${resource} <action> [options]`, '', ...actions.map((c) => `  ${c.action.padEnd(18)} ${c.description}`)].join(
    '\n',
  );
}

function commandHelp(command: Command): string {
  const lines = [
    `Usage: lti-bridge ${command.resource} ${command.action} [options]`,
    '',
    `${command.description}.`,
    `Request: ${command.method} ${command.path}`,
    '',
    'Options:',
  ];
  for (const name of pathNames(command.path))
    lines.push(`  --${pathOptions[name]!.option} VALUE`.padEnd(22) + `${pathOptions[name]!.description} (required)`);
  for (const name of command.query ?? []) lines.push(`  --${name} VALUE`.padEnd(22) + '(required)');
  if (command.list) {
    lines.push('  --limit N'.padEnd(22) + 'items per page (1-200, default 50)');
    lines.push('  --cursor NEXT'.padEnd(22) + "start after the previous page's next");
    lines.push('  --all'.padEnd(22) + 'every page');
  }
  if (command.body) {
    lines.push('  --body JSON'.padEnd(22) + 'the request body; @file.json reads a file, - reads stdin');
    lines.push('  --set name=value'.padEnd(22) + 'a field of the body (repeatable; a.b nests; JSON values as such)');
  }
  lines.push('', connectionHelp);
  return lines.join('\n');
}
