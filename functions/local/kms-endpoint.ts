/**
 * A local stand-in for the part of AWS KMS that lti-bridge uses (`GetPublicKey`, and `Sign` with
 * `RSASSA_PKCS1_V1_5_SHA_256`), speaking the KMS JSON protocol (awsJson1_1), so that local mode runs
 * the same `KmsSigner` and `KMSClient` as AWS, only with `endpoint` set. KMS has no local emulator
 * package (see DEPENDENCIES.md).
 *
 * It holds one RSA 2048 key, generated on first start and kept in `<dataDir>/signing-key.pem`
 * (mode 0600), so its `kid` survives restarts. It does not check SigV4: it listens on loopback only,
 * and requires the KMS content type and `x-amz-target` header, which a web page cannot send without
 * a CORS preflight that this endpoint never grants. It never logs keys or request bodies.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  privateEncrypt,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The id of the local key; its ARN form is accepted too. */
export const LOCAL_KMS_KEY_ID = 'local-signing-key';
const LOCAL_KMS_KEY_ARN = `arn:aws:kms:local:000000000000:key/${LOCAL_KMS_KEY_ID}`;

export const SIGNING_KEY_FILE = 'signing-key.pem';

const RS256 = 'RSASSA_PKCS1_V1_5_SHA_256';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** KMS's own limit on a RAW message. */
const MAX_RAW_MESSAGE_BYTES = 4096;
/** Comfortably above the largest valid request (a 4096-byte message, base64-encoded, plus names). */
const MAX_REQUEST_BYTES = 64 * 1024;
/**
 * DER of the DigestInfo prefix for SHA-256 (RFC 8017 §9.2, note 1): a PKCS#1 v1.5 signature of a
 * digest is the private-key operation on `prefix || digest` with block type 1 padding.
 */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const SHA256_BYTES = 32;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export interface LocalKmsOptions {
  /** Directory that holds the key file; created if missing. */
  readonly dataDir: string;
  /** A loopback address; `127.0.0.1` by default. */
  readonly host?: string;
  /** `0` (the default) picks a free port. */
  readonly port?: number;
}

export interface LocalKms {
  /** Base URL for `new KMSClient({ endpoint })`. */
  readonly endpoint: string;
  /** The key id to configure as the signing key. */
  readonly keyId: string;
  close(): Promise<void>;
}

/** An error in the shape the AWS SDK turns into a typed exception (`{__type, message}`). */
class KmsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * Starts the local KMS endpoint. Resolves once it listens; `close()` stops it and drops open
 * (keep-alive) connections.
 */
export async function startLocalKms(options: LocalKmsOptions): Promise<LocalKms> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new Error(`the local KMS endpoint has no authentication and listens on loopback only, not on ${host}`);
  }
  const key = await loadOrCreateKey(options.dataDir);
  const publicKeyDer = key.publicKey.export({ format: 'der', type: 'spki' });

  const server = createServer((request, response) => {
    serve(request, key.privateKey, publicKeyDer).then(
      (body) => reply(response, 200, body),
      (error: unknown) => {
        const apiError = error instanceof KmsApiError ? error : new KmsApiError('KMSInternalException', 'internal error', 500);
        reply(response, apiError.status, { __type: apiError.type, message: apiError.message }, apiError.type);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    endpoint: `http://${urlHost}:${port}`,
    keyId: LOCAL_KMS_KEY_ID,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/**
 * Reads the key file, or creates it. The new key is written to a private temporary file and then
 * hard-linked into place, which fails if the file exists: two processes starting at once end up
 * with one key, and a crash never leaves a half-written key file.
 */
async function loadOrCreateKey(dataDir: string): Promise<KeyPair> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SIGNING_KEY_FILE);
  let pem = await readIfExists(file);
  if (pem === undefined) {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    try {
      await link(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(temporary);
    }
    pem = await readFile(file, 'utf8');
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'rsa' || privateKey.asymmetricKeyDetails?.modulusLength !== 2048) {
    throw new Error(`${file} does not hold an RSA 2048 private key`);
  }
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function serve(request: IncomingMessage, privateKey: KeyObject, publicKeyDer: Buffer): Promise<object> {
  if (request.method !== 'POST' || (request.url ?? '/') !== '/') {
    request.resume();
    throw new KmsApiError('UnknownOperationException', 'only POST / is served');
  }
  const contentType = request.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith(CONTENT_TYPE)) {
    request.resume();
    throw new KmsApiError('SerializationException', `the content type must be ${CONTENT_TYPE}`);
  }
  const target = request.headers['x-amz-target'];
  const body = parseBody(await readBody(request));
  switch (target) {
    case 'TrentService.GetPublicKey':
      keyIdOf(body);
      return {
        KeyId: LOCAL_KMS_KEY_ARN,
        PublicKey: publicKeyDer.toString('base64'),
        KeySpec: 'RSA_2048',
        CustomerMasterKeySpec: 'RSA_2048',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: [RS256],
      };
    case 'TrentService.Sign':
      keyIdOf(body);
      return {
        KeyId: LOCAL_KMS_KEY_ARN,
        Signature: signRequest(body, privateKey).toString('base64'),
        SigningAlgorithm: RS256,
      };
    default:
      throw new KmsApiError('UnknownOperationException', `unsupported operation ${String(target)}`);
  }
}

function signRequest(body: Record<string, unknown>, privateKey: KeyObject): Buffer {
  if (body.SigningAlgorithm !== RS256) {
    throw new KmsApiError('ValidationException', `SigningAlgorithm must be ${RS256}`);
  }
  const message = base64Blob(body.Message, 'Message');
  const messageType = body.MessageType ?? 'RAW';
  if (messageType === 'RAW') {
    if (message.length === 0 || message.length > MAX_RAW_MESSAGE_BYTES) {
      throw new KmsApiError('ValidationException', `a RAW Message must be 1 to ${MAX_RAW_MESSAGE_BYTES} bytes`);
    }
    return sign('sha256', message, privateKey);
  }
  if (messageType === 'DIGEST') {
    if (message.length !== SHA256_BYTES) {
      throw new KmsApiError('ValidationException', `a DIGEST Message for ${RS256} must be ${SHA256_BYTES} bytes`);
    }
    // crypto.sign() always hashes its input; the digest is already made, so pad and sign it as is.
    return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO_PREFIX, message]));
  }
  throw new KmsApiError('ValidationException', 'MessageType must be RAW or DIGEST');
}

function keyIdOf(body: Record<string, unknown>): string {
  const keyId = body.KeyId;
  if (typeof keyId !== 'string' || keyId === '') throw new KmsApiError('ValidationException', 'KeyId is required');
  if (keyId !== LOCAL_KMS_KEY_ID && keyId !== LOCAL_KMS_KEY_ARN) {
    throw new KmsApiError('NotFoundException', `Key '${keyId}' does not exist`);
  }
  return keyId;
}

function base64Blob(value: unknown, name: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new KmsApiError('SerializationException', `${name} must be a base64 blob`);
  }
  return Buffer.from(value, 'base64');
}

function parseBody(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text === '' ? '{}' : text);
  } catch {
    throw new KmsApiError('SerializationException', 'the body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new KmsApiError('SerializationException', 'the body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        reject(new KmsApiError('ValidationException', `the request body exceeds ${MAX_REQUEST_BYTES} bytes`, 413));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: object, errorType?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    // An oversized body is not read to its end: drop the connection rather than keep draining it.
    ...(status === 413 ? { connection: 'close' } : {}),
  });
  response.end(text);
}
