/**
 * One AWS API call in the `awsJson1_0` / `awsJson1_1` protocols (KMS, SQS) as a single SigV4-signed
 * HTTPS POST (`@smithy/signature-v4`), without the service's SDK client: `POST /` with
 * `X-Amz-Target: {Service}.{Operation}` and a JSON body; an error answers `{__type, message}`.
 *
 * For functions that make one kind of call and must start fast: each SDK client brings its command
 * serialisers, endpoint rules and retry stack (measured: about 5 ms of initialisation each for the
 * KMS and SQS clients, docs/benchmarks.md). The JWKS function reads public keys this way, and the
 * admin API seals LTI 1.2 secrets and queues first passback attempts this way. Functions that make
 * many calls keep the SDK clients.
 *
 * Like the SDK's standard retry mode, a throttled, 5xx or failed-to-connect call is tried again, here
 * once, after a short jittered pause.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsJsonServiceOptions {
  /** The SigV4 signing name: `kms`, `sqs`. */
  readonly service: string;
  /** The target prefix: `TrentService` (KMS), `AmazonSQS`. */
  readonly targetPrefix: string;
  /** `1.1` for KMS, `1.0` for SQS. */
  readonly jsonVersion: '1.0' | '1.1';
  readonly region: string;
  /** The service endpoint, e.g. `https://kms.eu-west-1.amazonaws.com` (local mode: the local endpoint). */
  readonly endpoint: string;
  readonly credentials: AwsCredentials;
  readonly timeoutMs?: number;
}

/** An AWS error answer (`__type` without its namespace), or a call that never got one. */
export class AwsJsonError extends Error {
  override name = 'AwsJsonError';

  constructor(
    readonly operation: string,
    readonly type: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

const retryableTypes = new Set(['ThrottlingException', 'RequestThrottled', 'KMSInternalException', 'ServiceUnavailable', 'InternalError']);

export class AwsJsonService {
  private readonly url: URL;
  private readonly sigv4: SignatureV4;

  constructor(private readonly options: AwsJsonServiceOptions) {
    this.url = new URL(options.endpoint);
    this.sigv4 = new SignatureV4({ service: options.service, region: options.region, credentials: options.credentials, sha256: Sha256 });
  }

  /** `operation` (e.g. `Encrypt`) with `input`; answers the parsed JSON, or throws an {@link AwsJsonError}. */
  async call<T>(operation: string, input: Record<string, unknown>): Promise<T> {
    try {
      return await this.once<T>(operation, input);
    } catch (error) {
      if (!retryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      return this.once<T>(operation, input);
    }
  }

  private async once<T>(operation: string, input: Record<string, unknown>): Promise<T> {
    const body = JSON.stringify(input);
    const signed = await this.sigv4.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: this.url.pathname,
      query: {},
      headers: {
        host: this.url.host,
        'content-type': `application/x-amz-json-${this.options.jsonVersion}`,
        'x-amz-target': `${this.options.targetPrefix}.${operation}`,
      },
      body,
    });
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: signed.headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000),
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new AwsJsonError(operation, 'NetworkError', undefined, `${this.options.service} ${operation} got no answer: ${detail}`);
    }
    const answer = (await response.json().catch(() => ({}))) as { __type?: string; message?: string; Message?: string };
    if (!response.ok) {
      const type = (answer.__type ?? 'UnknownError').split('#').pop() ?? 'UnknownError';
      const message = answer.message ?? answer.Message ?? '';
      throw new AwsJsonError(
        operation,
        type,
        response.status,
        `${this.options.service} ${operation} failed: ${type} (HTTP ${response.status}) ${message}`.trim(),
      );
    }
    return answer as T;
  }
}

/** KMS (`awsJson1_1`, target `TrentService`) in `region`, or at `endpoint` (local mode: the local KMS endpoint). */
export function kmsJsonService(options: {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials: AwsCredentials;
  readonly timeoutMs?: number;
}): AwsJsonService {
  return new AwsJsonService({
    service: 'kms',
    targetPrefix: 'TrentService',
    jsonVersion: '1.1',
    region: options.region,
    endpoint: options.endpoint ?? `https://kms.${options.region}.amazonaws.com/`,
    credentials: options.credentials,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}

function retryable(error: unknown): boolean {
  if (!(error instanceof AwsJsonError)) return false;
  return error.type === 'NetworkError' || (error.status !== undefined && error.status >= 500) || retryableTypes.has(error.type);
}
