/**
 * `npm start`: lti-bridge's local mode (docs/product.md, "Local mode"). Every route of the route table
 * from one process, with the embedded store and the local signing key under DATA_DIR.
 *
 * Settings, from the environment:
 * - `PORT` (3000; 0 picks a free port) and `HOST` (127.0.0.1; 0.0.0.0 to listen on every interface)
 * - `PUBLIC_URL`: the base URL that generated URLs and LTI 1.2 signatures use (`http://localhost:$PORT`)
 * - `ADMIN_ACCESS_KEY_ID` and `ADMIN_SECRET_ACCESS_KEY`: the key pair admin requests are signed with;
 *   when not given, a pair is generated once, kept in DATA_DIR and printed
 * - `DATA_DIR` (`./.data`): the embedded store, the local signing and secrets keys and generated admin keys
 * - `AWS_REGION` (us-east-1): the region admin requests are signed for
 * - `JWT_CLOCK_TOLERANCE_SECONDS` (30): the clock skew allowed in a JWT's `exp` and `iat`
 * - `SIGNING_KEYS` (`primary`): the local signing keys by name, comma-separated, the first signing and
 *   every one published (docs/operations.md "Rotating the signing key")
 *
 * The server gets these as options: the handlers do not read this process's environment.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startLocalServer, type LocalServer } from '../functions/local/server';

interface AdminKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Where the pair came from: the environment, or the file (generated now or on an earlier start). */
  readonly source: 'environment' | 'file';
  readonly file?: string;
  readonly generated?: boolean;
}

const ADMIN_KEYS_FILE = 'admin-credentials.json';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new Error(`PORT must be a port number, not ${JSON.stringify(value)}`);
  return port;
}

/** An access key id shaped like AWS's (`AKIA` and 16 base32 characters) and a 40-character secret. */
function generateAdminKeys(): { accessKeyId: string; secretAccessKey: string } {
  const id = [...randomBytes(16)].map((byte) => BASE32[byte % 32]).join('');
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64') };
}

async function adminKeys(dataDir: string): Promise<AdminKeys> {
  const accessKeyId = process.env.ADMIN_ACCESS_KEY_ID?.trim();
  const secretAccessKey = process.env.ADMIN_SECRET_ACCESS_KEY?.trim();
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey, source: 'environment' };
  if (accessKeyId || secretAccessKey) {
    throw new Error('set both ADMIN_ACCESS_KEY_ID and ADMIN_SECRET_ACCESS_KEY, or neither (a pair is then generated)');
  }

  const file = join(dataDir, ADMIN_KEYS_FILE);
  const saved = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (saved !== undefined) {
    let parsed: Partial<Record<'accessKeyId' | 'secretAccessKey', unknown>> = {};
    try {
      parsed = (JSON.parse(saved) as typeof parsed | null) ?? {};
    } catch {
      // reported below
    }
    if (typeof parsed.accessKeyId !== 'string' || typeof parsed.secretAccessKey !== 'string') {
      throw new Error(`${file} does not hold {"accessKeyId", "secretAccessKey"}; fix or delete it`);
    }
    return { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey, source: 'file', file };
  }
  const keys = generateAdminKeys();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { ...keys, source: 'file', file, generated: true };
}

/** Quotes a value for a POSIX shell. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function banner(server: LocalServer, keys: AdminKeys, dataDir: string): string {
  const fromEnv = keys.source === 'environment';
  const user = fromEnv ? '"$ADMIN_ACCESS_KEY_ID:$ADMIN_SECRET_ACCESS_KEY"' : shellQuote(`${keys.accessKeyId}:${keys.secretAccessKey}`);
  const accessKey = fromEnv ? '"$ADMIN_ACCESS_KEY_ID"' : keys.accessKeyId;
  const secretKey = fromEnv ? '"$ADMIN_SECRET_ACCESS_KEY"' : shellQuote(keys.secretAccessKey);
  const body = shellQuote(JSON.stringify({ name: 'Demo', ltiEnabled: true, academyUrl: 'https://academy.example/sso' }));
  const url = `${server.baseUrl}/admin/environments/demo`;
  const keysNote = fromEnv
    ? '(from ADMIN_ACCESS_KEY_ID and ADMIN_SECRET_ACCESS_KEY)'
    : `(${keys.generated ? 'generated now and kept' : 'generated earlier, kept'} in ${keys.file}; ` +
      'set ADMIN_ACCESS_KEY_ID and ADMIN_SECRET_ACCESS_KEY to use your own)';

  return [
    '',
    'lti-bridge local mode is running',
    '',
    `  Base URL           ${server.publicUrl}`,
    ...(server.publicUrl !== server.baseUrl ? [`  Listening on       ${server.baseUrl}`] : []),
    `  JWKS URL           ${server.publicUrl}/.well-known/jwks.json`,
    `  Data directory     ${dataDir}`,
    '',
    `Admin API: ${server.publicUrl}/admin, signed with AWS Signature Version 4 (service execute-api, region ${server.region})`,
    `  Access key id      ${keys.accessKeyId}`,
    `  Secret access key  ${fromEnv ? '(not shown)' : keys.secretAccessKey}`,
    `  ${keysNote}`,
    '',
    '  Create an environment with curl (7.75 or later):',
    `    curl --aws-sigv4 'aws:amz:${server.region}:execute-api' --user ${user} \\`,
    `      -X PUT -H 'content-type: application/json' -d ${body} \\`,
    `      ${url}`,
    '',
    '  or with awscurl:',
    `    awscurl --service execute-api --region ${server.region} --access_key ${accessKey} --secret_key ${secretKey} \\`,
    `      -X PUT -H 'content-type: application/json' -d ${body} \\`,
    `      ${url}`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  // The SDK warns on Node 20 that its releases after early 2027 need Node 22 (Lambda runs 22); set
  // this variable to anything else to see the warning.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const port = parsePort(process.env.PORT?.trim() || '3000');
  const dataDir = resolve(process.env.DATA_DIR?.trim() || '.data');
  const region = process.env.AWS_REGION?.trim() || process.env.AWS_DEFAULT_REGION?.trim() || 'us-east-1';
  const keys = await adminKeys(dataDir);

  const server = await startLocalServer({
    port,
    host: process.env.HOST?.trim() || '127.0.0.1',
    ...(process.env.PUBLIC_URL?.trim() ? { publicUrl: process.env.PUBLIC_URL.trim() } : {}),
    dataDir,
    adminAccessKeyId: keys.accessKeyId,
    adminSecretAccessKey: keys.secretAccessKey,
    region,
    ...(process.env.JWT_CLOCK_TOLERANCE_SECONDS?.trim()
      ? { jwtClockToleranceSeconds: Number(process.env.JWT_CLOCK_TOLERANCE_SECONDS.trim()) }
      : {}),
    ...(process.env.SIGNING_KEYS?.trim() ? { signingKeys: process.env.SIGNING_KEYS.split(',').map((name) => name.trim()) } : {}),
  });
  process.stdout.write(banner(server, keys, dataDir));

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal}: stopping…\n`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const inUse = error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  const message = inUse
    ? `port ${process.env.PORT?.trim() || '3000'} is already in use; stop what uses it or set PORT`
    : error instanceof Error
      ? error.message
      : String(error);
  process.stderr.write(`lti-bridge local mode could not start: ${message}\n`);
  if (process.env.DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
