/**
 * Local stand-in for API Gateway's IAM authorization: verifies an AWS Signature Version 4
 * (`Authorization: AWS4-HMAC-SHA256 ...`, service `execute-api`) against one access key pair, so
 * that an unsigned or wrongly signed admin request gets 403 locally as it does on AWS.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
 *
 * The signature is recomputed with `@smithy/signature-v4`, the signer of the AWS SDK for
 * JavaScript, over what the client says it signed (its SignedHeaders, the exact path and query,
 * the body), and compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';

export interface SigV4Request {
  readonly method: string;
  /** The path as sent, still percent-encoded. */
  readonly rawPath: string;
  /** The query string as sent, without `?`. */
  readonly rawQueryString: string;
  /** Lower-cased names; a header sent several times has its values joined with commas. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface SigV4VerifierOptions {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The region requests must be scoped to, as the API's region is on AWS. */
  readonly region: string;
  readonly service?: string;
  /** How far `x-amz-date` may be from now; AWS allows 15 minutes. */
  readonly maxSkewMs?: number;
  readonly now?: () => Date;
}

/** The exception names API Gateway uses, in `x-amzn-errortype`. */
export type SigV4ErrorType =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException';

export type SigV4Verification =
  | { readonly ok: true; readonly accessKeyId: string }
  | { readonly ok: false; readonly errorType: SigV4ErrorType; readonly message: string };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const FIFTEEN_MINUTES = 15 * 60 * 1000;

class Rejection extends Error {
  constructor(
    readonly errorType: SigV4ErrorType,
    message: string,
  ) {
    super(message);
  }
}

const incomplete = (message: string) => new Rejection('IncompleteSignatureException', message);
const invalid = (message: string) => new Rejection('InvalidSignatureException', message);

interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseAuthorization(header: string): ParsedAuthorization {
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${ALGORITHM} `)) {
    throw incomplete(`the Authorization header must use the ${ALGORITHM} algorithm`);
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    const missing = [!credential && 'Credential', !signedHeaders && 'SignedHeaders', !signature && 'Signature'].filter(Boolean);
    throw incomplete(`the Authorization header lacks ${missing.join(', ')}`);
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((part) => part === '')) {
    throw incomplete('Credential must be <access key id>/<yyyymmdd>/<region>/<service>/aws4_request');
  }
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: signedHeaders.split(';').map((name) => name.trim().toLowerCase()),
    signature: signature.toLowerCase(),
  };
}

/** Parses `yyyymmddThhmmssZ`. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The query as the signer takes it: decoded names and values, repeated names as arrays. */
function signerQuery(rawQueryString: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of rawQueryString.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq >= 0 ? pair.slice(0, eq) : pair);
    const value = eq >= 0 ? decodeComponent(pair.slice(eq + 1)) : '';
    const existing = query[name];
    query[name] = existing === undefined ? value : [existing, value].flat();
  }
  return query;
}

function signatureOf(authorization: string | undefined): string {
  return /Signature=([0-9a-f]{64})/.exec(authorization ?? '')?.[1] ?? '';
}

/** Verifies SigV4 signatures made with one access key pair; see the file comment. */
export class SigV4Verifier {
  private readonly service: string;
  private readonly maxSkewMs: number;
  private readonly now: () => Date;
  private readonly signer: SignatureV4;

  constructor(private readonly options: SigV4VerifierOptions) {
    this.service = options.service ?? 'execute-api';
    this.maxSkewMs = options.maxSkewMs ?? FIFTEEN_MINUTES;
    this.now = options.now ?? (() => new Date());
    this.signer = new SignatureV4({
      service: this.service,
      region: options.region,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      sha256: Sha256,
      // The payload hash comes from the request (checked below), never added by the verifier.
      applyChecksum: false,
    });
  }

  async verify(request: SigV4Request): Promise<SigV4Verification> {
    try {
      await this.check(request);
      return { ok: true, accessKeyId: this.options.accessKeyId };
    } catch (error) {
      if (error instanceof Rejection) return { ok: false, errorType: error.errorType, message: error.message };
      throw error;
    }
  }

  private async check(request: SigV4Request): Promise<void> {
    const { headers } = request;
    const authorization = headers.authorization;
    if (!authorization) {
      throw new Rejection(
        'MissingAuthenticationTokenException',
        `missing Authorization header: sign the request with AWS Signature Version 4 (service ${this.service})`,
      );
    }
    const auth = parseAuthorization(authorization);

    if (auth.accessKeyId !== this.options.accessKeyId) {
      throw new Rejection('UnrecognizedClientException', `unknown access key id ${auth.accessKeyId}`);
    }
    if (auth.service !== this.service) throw invalid(`Credential should be scoped to service ${this.service}, not ${auth.service}`);
    if (auth.region !== this.options.region) {
      throw invalid(`Credential should be scoped to region ${this.options.region}, not ${auth.region}`);
    }
    if (auth.terminator !== 'aws4_request') throw invalid('Credential should end with aws4_request');

    const amzDate = headers['x-amz-date'];
    if (!amzDate) throw incomplete('missing X-Amz-Date header');
    const signingDate = parseAmzDate(amzDate);
    if (!signingDate) throw incomplete('X-Amz-Date must be yyyymmddThhmmssZ');
    if (amzDate.slice(0, 8) !== auth.date) throw invalid('the Credential date does not match X-Amz-Date');
    const skew = Math.abs(this.now().getTime() - signingDate.getTime());
    if (skew > this.maxSkewMs) {
      throw invalid(`signature expired: X-Amz-Date ${amzDate} is more than ${Math.round(this.maxSkewMs / 60000)} minutes from now`);
    }

    for (const required of ['host', 'x-amz-date']) {
      if (!auth.signedHeaders.includes(required)) throw incomplete(`SignedHeaders must include ${required}`);
    }
    const signedHeaderValues: Record<string, string> = {};
    for (const name of auth.signedHeaders) {
      const value = headers[name];
      if (value === undefined) throw invalid(`signed header ${name} is missing from the request`);
      signedHeaderValues[name] = value;
    }
    if (!/^[0-9a-f]{64}$/.test(auth.signature)) throw incomplete('Signature must be 64 hexadecimal digits');

    const bodyHash = createHash('sha256').update(request.body).digest('hex');
    const declaredHash = headers['x-amz-content-sha256'];
    if (declaredHash !== undefined && declaredHash.toLowerCase() !== bodyHash) {
      throw invalid('X-Amz-Content-Sha256 does not match the body');
    }

    const toSign: HttpRequest = {
      method: request.method,
      protocol: 'http:',
      hostname: signedHeaderValues.host ?? '',
      path: request.rawPath,
      query: signerQuery(request.rawQueryString),
      headers: signedHeaderValues,
      body: request.body,
    };
    const signed = await this.signer.sign(toSign, {
      signingDate,
      signableHeaders: new Set(auth.signedHeaders),
    });
    const expected = Buffer.from(signatureOf(signed.headers.authorization), 'utf8');
    const given = Buffer.from(auth.signature, 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw invalid(
        'the request signature does not match: check the secret access key, the region and service, and that the ' +
          'method, path, query, signed headers and body are sent exactly as signed',
      );
    }
  }
}
