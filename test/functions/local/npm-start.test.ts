/**
 * `npm start` (bin/local.ts) as a user runs it, in child processes: the banner, generated admin
 * keys kept in DATA_DIR, a clean stop on SIGTERM, data that survives a restart, and the printed curl
 * example working as printed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AdminClient } from '../../fixtures/admin-client';

const root = resolve(__dirname, '../../..');
const environment = { name: 'Kept', ltiEnabled: true, academyUrl: 'https://academy.example/sso' };

interface Running {
  readonly child: ChildProcess;
  readonly banner: string;
  readonly baseUrl: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

const running = new Set<ChildProcess>();

function field(banner: string, label: string): string {
  const value = new RegExp(`^  ${label} +(\\S+)$`, 'm').exec(banner)?.[1];
  if (!value) throw new Error(`no "${label}" in the banner:\n${banner}`);
  return value;
}

async function start(dataDir: string, env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(join(root, 'node_modules/.bin/tsx'), ['bin/local.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      AWS_REGION: 'eu-central-1',
      ADMIN_ACCESS_KEY_ID: '',
      ADMIN_SECRET_ACCESS_KEY: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let output = '';
  const banner = await new Promise<string>((resolveBanner, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 20 s:\n${output}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl+C to stop.')) {
        clearTimeout(timer);
        resolveBanner(output);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before the banner:\n${output}`));
    });
  });
  const region = /region ([a-z0-9-]+)\)/.exec(banner)?.[1] ?? '';
  return {
    child,
    banner,
    baseUrl: field(banner, 'Base URL'),
    accessKeyId: field(banner, 'Access key id'),
    secretAccessKey: banner.includes('(not shown)') ? '' : field(banner, 'Secret access key'),
    region,
  };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null) return resolveExit(child.exitCode);
    child.once('exit', (code) => resolveExit(code));
    child.kill('SIGTERM');
  });
}

function curlSupportsSigV4(): boolean {
  try {
    const version = /^curl (\d+)\.(\d+)/.exec(execFileSync('curl', ['--version'], { encoding: 'utf8' }));
    return version !== null && (Number(version[1]) > 7 || (Number(version[1]) === 7 && Number(version[2]) >= 75));
  } catch {
    return false;
  }
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lti-bridge-start-'));
});
// A failed test must not leave its server holding the data directory's lock.
afterEach(() => Promise.all([...running].map((child) => stop(child))));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

it('keeps data and generated admin keys across a restart, and stops cleanly on SIGTERM', async () => {
  const first = await start(dataDir);
  expect(first.baseUrl).toMatch(/^http:\/\/localhost:\d+$/);
  expect(first.banner).toContain(`JWKS URL           ${first.baseUrl}/.well-known/jwks.json`);
  expect(first.banner).toContain(`generated now and kept in ${join(dataDir, 'admin-credentials.json')}`);
  expect(first.region).toBe('eu-central-1');
  expect(first.banner).not.toContain('NodeVersionSupportWarning');
  expect((await stat(join(dataDir, 'admin-credentials.json'))).mode & 0o777).toBe(0o600);

  const admin = (run: Running) =>
    new AdminClient({
      baseUrl: run.baseUrl,
      region: run.region,
      credentials: { accessKeyId: run.accessKeyId, secretAccessKey: run.secretAccessKey },
    });
  const put = await admin(first).request('PUT', '/admin/environments/kept', environment);
  expect([200, 201]).toContain(put.status);
  expect(await stop(first.child)).toBe(0);

  const second = await start(dataDir);
  expect(second.accessKeyId).toBe(first.accessKeyId);
  expect(second.banner).toContain('generated earlier, kept in');
  const get = await admin(second).request('GET', '/admin/environments/kept');
  expect(get.status).toBe(200);
  expect(get.json).toMatchObject({ id: 'kept', ...environment });

  if (curlSupportsSigV4()) {
    // The curl example exactly as printed (continuation lines joined), run by a shell.
    const lines = second.banner.split('\n');
    const from = lines.findIndex((line) => line.trim().startsWith('curl --aws-sigv4'));
    const command = lines
      .slice(from, from + 3)
      .map((line) => line.trim().replace(/\\$/, ''))
      .join(' ');
    const status = execFileSync('sh', ['-c', `${command} -s -o /dev/null -w '%{http_code}'`], { encoding: 'utf8' });
    expect(['200', '201']).toContain(status);
    expect((await admin(second).request('GET', '/admin/environments/demo')).json).toMatchObject({ name: 'Demo' });
  }
  expect(await stop(second.child)).toBe(0);
}, 60_000);

it('uses the admin keys given in the environment and does not print the secret', async () => {
  const run = await start(dataDir, { ADMIN_ACCESS_KEY_ID: 'AKIAGIVENGIVENGIVEN0', ADMIN_SECRET_ACCESS_KEY: 'given-secret-value' });
  try {
    expect(run.accessKeyId).toBe('AKIAGIVENGIVENGIVEN0');
    expect(run.banner).not.toContain('given-secret-value');
    expect(run.banner).toContain('"$ADMIN_ACCESS_KEY_ID:$ADMIN_SECRET_ACCESS_KEY"');
    const client = new AdminClient({
      baseUrl: run.baseUrl,
      region: run.region,
      credentials: { accessKeyId: 'AKIAGIVENGIVENGIVEN0', secretAccessKey: 'given-secret-value' },
    });
    expect((await client.request('GET', '/admin/environments/kept')).status).toBe(200);
    const saved = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { accessKeyId: string };
    expect(saved.accessKeyId).not.toBe('AKIAGIVENGIVENGIVEN0');
  } finally {
    expect(await stop(run.child)).toBe(0);
  }
}, 30_000);
