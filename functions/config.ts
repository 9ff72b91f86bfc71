/**
 * Runtime configuration: the environment a function is given, parsed once, typed and frozen. Deep
 * code receives a `Config`. Parsing takes the environment as a record: a Lambda's is `process.env`
 * (read in `./app/config.ts` only), the local server's is the one it builds for its functions.
 */
import { tableEnvVar } from './tables';

export interface Config {
  /** Base URL that LMSs see: generated URLs and LTI 1.2 signature base strings start with it. */
  readonly publicUrl: string;
  readonly region: string;
  readonly tables: { readonly data: string; readonly ephemeral: string };
  /** KMS key ids (or ARNs/aliases); the first signs, all are published in the JWKS (rotation overlap). */
  readonly signingKeyIds: readonly string[];
  /**
   * The symmetric KMS key (id, ARN or alias) that seals LTI 1.2 secrets at rest (`SECRETS_KEY_ID`);
   * given only to the functions that seal or open them.
   */
  readonly secretsKeyId?: string;
  /** Set in local mode only: DynamoDB-compatible endpoint (embedded dynalite). */
  readonly dynamoEndpoint?: string;
  /** Set in local mode only: KMS-compatible endpoint (the local signing service). */
  readonly kmsEndpoint?: string;
  /** SQS queue for passback deliveries (AWS); absent in local mode, where an in-process queue runs. */
  readonly passbackQueueUrl?: string;
  /**
   * Local mode accepts `http://` and loopback URLs for outbound calls; the AWS deployment requires
   * `https://` and refuses loopback, private and link-local addresses.
   */
  readonly localMode: boolean;
  /**
   * Clock skew allowed when checking a JWT's `exp` and `iat` (Security 1.0 §5.1.3 steps 7-8: "some
   * small leeway, usually no more than a few minutes"); `JWT_CLOCK_TOLERANCE_SECONDS`, 30 by default.
   */
  readonly jwtClockToleranceSeconds: number;
  /**
   * The function's AWS credentials as Lambda provides them (`AWS_ACCESS_KEY_ID`, …), for the one
   * call made without the AWS SDK (the JWKS function's `GetPublicKey`). Never logged.
   */
  readonly awsCredentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`environment variable ${name} is required`);
  return value;
}

function seconds(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new ConfigError(`${name} must be a whole number of seconds from 0 to ${max}`);
  return value;
}

/** Parses the configuration; throws a `ConfigError` naming the first missing variable. */
export function parseConfig(env: Env): Config {
  const publicUrl = required(env, 'PUBLIC_URL').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+(\/.*)?$/.test(publicUrl)) throw new ConfigError('PUBLIC_URL must be an absolute http(s) URL');
  return Object.freeze({
    publicUrl,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    tables: Object.freeze({ data: required(env, tableEnvVar.data), ephemeral: required(env, tableEnvVar.ephemeral) }),
    signingKeyIds: Object.freeze(
      (env.SIGNING_KEY_IDS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    secretsKeyId: env.SECRETS_KEY_ID?.trim() || undefined,
    dynamoEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    kmsEndpoint: env.KMS_ENDPOINT || undefined,
    passbackQueueUrl: env.PASSBACK_QUEUE_URL || undefined,
    localMode: env.LTI_BRIDGE_LOCAL === '1',
    jwtClockToleranceSeconds: seconds(env, 'JWT_CLOCK_TOLERANCE_SECONDS', 30, 300),
    awsCredentials:
      env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? Object.freeze({
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          })
        : undefined,
  });
}
