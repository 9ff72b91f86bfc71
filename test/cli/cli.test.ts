/**
 * The admin CLI (`npx lti-bridge`, cli/) against the real local server: every request signed with
 * the local key pair, tables for people and JSON for scripts, errors that name the field or the
 * signature at fault, paging with --all, and --help on every command. One run goes through the
 * package's bin as a user types it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commands } from '../../cli/commands';
import { main } from '../../cli/main';
import { startTestServer, type TestServer } from '../fixtures/local-server';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'lti-bridge-cli-'));
  const base = { ltiEnabled: true, academyUrl: 'https://academy.example/sso' };
  expect((await server.admin.request('PUT', '/admin/environments/cli-errors', { name: 'Errors', ...base })).status).toBe(201);
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in process with the server's key pair in the environment. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const { accessKeyId, secretAccessKey } = server.admin.options.credentials;
  const code = await main(['--url', server.baseUrl, '--region', server.admin.options.region, ...argv], {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: { ADMIN_ACCESS_KEY_ID: accessKeyId, ADMIN_SECRET_ACCESS_KEY: secretAccessKey },
    isTty: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

it('creates and reads records over the admin API: a table for people, JSON for scripts', async () => {
  const put = await cli(
    'environments',
    'put',
    '--env',
    'cli',
    '--set',
    'name=CLI Academy',
    '--set',
    'ltiEnabled=true',
    '--set',
    'academyUrl=https://academy.example/sso',
  );
  expect(put).toMatchObject({ code: 0, err: '' });
  expect(put.out.split('\n')[0]).toMatch(/^id\s+name\s+ltiEnabled\s+academyUrl$/);
  expect(put.out).toContain('CLI Academy');

  const body = join(dir, 'activity.json');
  await writeFile(body, JSON.stringify({ type: 'e-learning', title: 'Fire safety', availableForLti: true }));
  const created = await cli('activities', 'create', '--env', 'cli', '--body', `@${body}`, '--json');
  expect(created.code).toBe(0);
  const activity = JSON.parse(created.out);
  expect(activity).toMatchObject({ title: 'Fire safety', availableForLti: true });

  const credential = await cli(
    'activities',
    'issue-credential',
    '--env',
    'cli',
    '--id',
    activity.id,
    '--set',
    'name=Moodle of A',
    '--json',
  );
  expect(JSON.parse(credential.out)).toMatchObject({ name: 'Moodle of A', key: expect.any(String) });
  const read = await server.admin.request('GET', `/admin/environments/cli/activities/${activity.id}`);
  expect(read.json.ltiAccess.lti12.credentials).toHaveLength(1);
});

it('pages lists, and follows every page with --all', async () => {
  for (let i = 0; i < 5; i++)
    expect(
      (
        await cli(
          'users',
          'put',
          '--env',
          'cli',
          '--id',
          `cli-${i}`,
          '--set',
          `email=cli-${i}@school.edu`,
          '--set',
          'givenName=A',
          '--set',
          'familyName=B',
        )
      ).code,
    ).toBe(0);
  const first = await cli('users', 'list', '--env', 'cli', '--limit', '2');
  expect(first.out).toContain('cli-0');
  expect(first.out).not.toContain('cli-2');
  expect(first.out).toContain('more: --cursor cli-1');
  const all = await cli('users', 'list', '--env', 'cli', '--limit', '2', '--all', '--json');
  expect(JSON.parse(all.out).users.map((user: { id: string }) => user.id)).toEqual(['cli-0', 'cli-1', 'cli-2', 'cli-3', 'cli-4']);
  const found = await cli('users', 'find', '--env', 'cli', '--email', 'CLI-3@school.edu', '--json');
  expect(JSON.parse(found.out).id).toBe('cli-3');
});

it('names the field at fault, and a refused signature, with exit code 1', async () => {
  const invalid = await cli('activities', 'create', '--env', 'cli-errors', '--set', 'type=e-learning');
  expect(invalid.code).toBe(1);
  expect(invalid.err).toContain('400 invalid_request');
  expect(invalid.err).toContain('the field at fault: title');

  const out: string[] = [];
  const code = await main(['--url', server.baseUrl, 'environments', 'get', '--env', 'cli-errors'], {
    out: (text) => out.push(text),
    err: (text) => out.push(text),
    env: { ADMIN_ACCESS_KEY_ID: 'AKIAWRONG', ADMIN_SECRET_ACCESS_KEY: 'wrong' },
    isTty: false,
  });
  expect(code).toBe(1);
  expect(out.join('\n')).toMatch(/403[\s\S]*sign with the key pair npm start printed/);
});

it('answers a mistake in the command line with exit code 2 and what to run', async () => {
  expect(await cli('activities', 'get', '--id', 'x')).toMatchObject({ code: 2, err: expect.stringContaining('--env is required') });
  expect(await cli('activities', 'explode')).toMatchObject({ code: 2, err: expect.stringContaining('unknown command') });
  expect(await cli('activities', 'list', '--env', 'cli', '--body', '{}')).toMatchObject({
    code: 2,
    err: expect.stringContaining('takes no body'),
  });
  expect(await cli('users', 'put', '--env', 'cli', '--id', 'x', '--body', '{not json')).toMatchObject({
    code: 2,
    err: expect.stringContaining('not valid JSON'),
  });
});

it('has --help on every command, naming its request and options', async () => {
  for (const command of commands) {
    const help = await cli(command.resource, command.action, '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain(`${command.method} ${command.path}`);
    for (const name of command.path.match(/\{(\w+)\}/g) ?? []) expect(help.out).toContain(`--${name.slice(1, -1)}`);
  }
});

it('runs as npx lti-bridge, signing with DATA_DIR/admin-credentials.json', async () => {
  const { accessKeyId, secretAccessKey } = server.admin.options.credentials;
  await writeFile(join(dir, 'admin-credentials.json'), JSON.stringify({ accessKeyId, secretAccessKey }));
  const { stdout } = await promisify(execFile)(
    'node',
    [
      'bin/lti-bridge.cjs',
      'environments',
      'get',
      '--env',
      'cli',
      '--json',
      '--url',
      server.baseUrl,
      '--region',
      server.admin.options.region,
    ],
    { env: { ...process.env, DATA_DIR: dir, ADMIN_ACCESS_KEY_ID: '', ADMIN_SECRET_ACCESS_KEY: '' } },
  );
  expect(JSON.parse(stdout)).toMatchObject({ id: 'cli', name: 'CLI Academy' });
});
