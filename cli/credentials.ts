/**
 * Whom the CLI talks to and as whom: the deployment's URL and region, and credentials from the AWS
 * credential chain (`@aws-sdk/credential-provider-node`: environment, profile, SSO, instance role), or
 * the local key pair of `npm start` for a local URL (or `--local`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Target {
  readonly baseUrl: string;
  readonly region: string;
  readonly local: boolean;
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const localHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

export async function adminCredentials(
  options: { url?: string; region?: string; profile?: string; local?: boolean },
  env: NodeJS.ProcessEnv,
): Promise<Target> {
  const baseUrl = (options.url ?? env.LTI_BRIDGE_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`--url ${baseUrl} is not a URL: give the deployment's PublicUrl output`);
  }
  const local = options.local ?? localHosts.has(url.hostname);
  const fromHost = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? fromHost ?? 'us-east-1';
  if (local) return { baseUrl, region, local, credentials: localKeyPair(env) };
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  try {
    const credentials = await defaultProvider(options.profile ? { profile: options.profile } : {})();
    return { baseUrl, region, local, credentials };
  } catch (error) {
    throw new Error(
      `no AWS credentials${options.profile ? ` for profile ${options.profile}` : ''}: ${(error as Error).message}. ` +
        'Sign in (aws sso login), give --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
    );
  }
}

/** The key pair `npm start` verifies: from the environment, else the file it keeps in DATA_DIR. */
function localKeyPair(env: NodeJS.ProcessEnv): Target['credentials'] {
  if (env.ADMIN_ACCESS_KEY_ID && env.ADMIN_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.ADMIN_ACCESS_KEY_ID, secretAccessKey: env.ADMIN_SECRET_ACCESS_KEY };
  }
  const file = join(env.DATA_DIR ?? '.data', 'admin-credentials.json');
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { accessKeyId?: string; secretAccessKey?: string };
    if (stored.accessKeyId && stored.secretAccessKey) return { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey };
  } catch {
    // reported below
  }
  throw new Error(
    `no local key pair: set ADMIN_ACCESS_KEY_ID and ADMIN_SECRET_ACCESS_KEY as npm start printed them, or DATA_DIR to its directory (${file} not found)`,
  );
}
