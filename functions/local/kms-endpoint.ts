/**
 * A local stand-in for the part of AWS KMS that lti-bridge uses, speaking the KMS JSON protocol
 * (awsJson1_1), so that local mode runs the same adapters and `KMSClient` as AWS, only with
 * `endpoint` set. KMS has no local emulator package (see DEPENDENCIES.md). It holds two keys, each
 * generated on first start and kept in the data directory (mode 0600), so they survive restarts:
 *
 * - the signing key (`GetPublicKey`, and `Sign` with `RSASSA_PKCS1_V1_5_SHA_256`): RSA 2048 in
 *   `<dataDir>/signing-key.pem`, so its `kid` is stable;
 * - the secrets key (`Encrypt`, `Decrypt`, `SYMMETRIC_DEFAULT`): 256 random bits in
 *   `<dataDir>/secrets-key`, so sealed secrets stay readable. As in KMS, a ciphertext opens only with
 *   the encryption context it was sealed with (AES-256-GCM with the context as additional data);
 *   its format is this endpoint's own, not KMS's.
 *
 * It does not check SigV4: it listens on loopback only, and requires the KMS content type and
 * `x-amz-target` header, which a web page cannot send without a CORS preflight that this endpoint
 * never grants. It never logs keys or request bodies.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  privateEncrypt,
  randomBytes,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/** The id of the local signing key; its ARN form is accepted too. */
export const LOCAL_KMS_KEY_ID = 'local-signing-key';
const LOCAL_KMS_KEY_ARN = `arn:aws:kms:local:000000000000:key/${LOCAL_KMS_KEY_ID}`;
/** The id of the local secrets key; its ARN form is accepted too. */
export const LOCAL_SECRETS_KEY_ID = 'local-secrets-key';
const LOCAL_SECRETS_KEY_ARN = `arn:aws:kms:local:000000000000:key/${LOCAL_SECRETS_KEY_ID}`;

export const SIGNING_KEY_FILE = 'signing-key.pem';
export const SECRETS_KEY_FILE = 'secrets-key';

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
/** KMS's own limit on the plaintext of `Encrypt`. */
const MAX_PLAINTEXT_BYTES = 4096;
const SYMMETRIC_DEFAULT = 'SYMMETRIC_DEFAULT';
/** Local ciphertexts: this tag, a 96-bit IV, the 128-bit GCM tag, then the encrypted bytes. */
const CIPHERTEXT_TAG = Buffer.from('lbs1');
const IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const AES_KEY_BYTES = 32;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export interface LocalKmsOptions {
  /** Directory that holds the key file; created if missing. */
  readonly dataDir: string;
  /** A loopback address; `127.0.0.1` by default. */
  readonly host?: string;
  /** `0` (the default) picks a free port. */
  readonly port?: number;
  /**
   * The signing keys, by name, the first signing (docs/operations.md "Rotating the signing key"):
   * `primary` is `signing-key.pem`, another name `signing-key-{name}.pem`, each created on first start.
   * @default ['primary']
   */
  readonly signingKeys?: readonly string[];
}

export interface LocalKms {
  /** Base URL for `new KMSClient({ endpoint })`. */
  readonly endpoint: string;
  /** The key id to configure as the signing key (the first of `signingKeyIds`). */
  readonly keyId: string;
  /** Every signing key's id, in the order of `signingKeys`: what SIGNING_KEY_IDS lists. */
  readonly signingKeyIds: readonly string[];
  /** The key id to configure as the secrets key (`SECRETS_KEY_ID`). */
  readonly secretsKeyId: string;
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
  const names = options.signingKeys ?? ['primary'];
  const signing = new Map<string, SigningKeyPair>();
  for (const name of names) {
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(name)) throw new Error(`signing key name ${name} must be 1-32 lower-case letters, digits or "-"`);
    const key = await loadOrCreateKey(options.dataDir, name === 'primary' ? SIGNING_KEY_FILE : `signing-key-${name}.pem`);
    signing.set(signingKeyId(name), { privateKey: key.privateKey, publicKeyDer: key.publicKey.export({ format: 'der', type: 'spki' }) });
  }
  const keys: Keys = { signing, secretsKey: await loadOrCreateSecretsKey(options.dataDir) };

  const server = createServer((request, response) => {
    serve(request, keys).then(
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
    keyId: signingKeyId(names[0]!),
    signingKeyIds: names.map(signingKeyId),
    secretsKeyId: LOCAL_SECRETS_KEY_ID,
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

/** The id of a named signing key: `primary` is the historic `local-signing-key`. */
function signingKeyId(name: string): string {
  return name === 'primary' ? LOCAL_KMS_KEY_ID : `${LOCAL_KMS_KEY_ID}-${name}`;
}

interface SigningKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKeyDer: Buffer;
}

/** What the endpoint serves with. */
interface Keys {
  /** By key id. */
  readonly signing: ReadonlyMap<string, SigningKeyPair>;
  /** AES-256: the secrets key. */
  readonly secretsKey: Buffer;
}

async function loadOrCreateKey(dataDir: string, fileName: string): Promise<KeyPair> {
  const file = join(dataDir, fileName);
  const pem = await loadOrCreateFile(file, async () => {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    return privateKey.export({ format: 'pem', type: 'pkcs8' });
  });
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'rsa' || privateKey.asymmetricKeyDetails?.modulusLength !== 2048) {
    throw new Error(`${file} does not hold an RSA 2048 private key`);
  }
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

async function loadOrCreateSecretsKey(dataDir: string): Promise<Buffer> {
  const file = join(dataDir, SECRETS_KEY_FILE);
  const key = await loadOrCreateFile(file, async () => randomBytes(AES_KEY_BYTES));
  if (key.length !== AES_KEY_BYTES) throw new Error(`${file} does not hold a 256-bit key`);
  return key;
}

/**
 * Reads a key file, or creates it. The new key is written to a private temporary file and then
 * hard-linked into place, which fails if the file exists: two processes starting at once end up
 * with one key, and a crash never leaves a half-written key file.
 */
async function loadOrCreateFile(file: string, create: () => Promise<string | Buffer>): Promise<Buffer> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const existing = await readIfExists(file);
  if (existing !== undefined) return existing;
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, await create(), { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
  return readFile(file);
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function serve(request: IncomingMessage, keys: Keys): Promise<object> {
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
    case 'TrentService.GetPublicKey': {
      const [keyId, key] = signingKeyOf(body, keys);
      return {
        KeyId: arnOf(keyId),
        PublicKey: key.publicKeyDer.toString('base64'),
        KeySpec: 'RSA_2048',
        CustomerMasterKeySpec: 'RSA_2048',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: [RS256],
      };
    }
    case 'TrentService.Sign': {
      const [keyId, key] = signingKeyOf(body, keys);
      return {
        KeyId: arnOf(keyId),
        Signature: signRequest(body, key.privateKey).toString('base64'),
        SigningAlgorithm: RS256,
      };
    }
    case 'TrentService.Encrypt':
      secretsKeyOf(body, true);
      return {
        KeyId: LOCAL_SECRETS_KEY_ARN,
        CiphertextBlob: encryptRequest(body, keys.secretsKey).toString('base64'),
        EncryptionAlgorithm: SYMMETRIC_DEFAULT,
      };
    case 'TrentService.Decrypt':
      secretsKeyOf(body, false);
      return {
        KeyId: LOCAL_SECRETS_KEY_ARN,
        Plaintext: decryptRequest(body, keys.secretsKey).toString('base64'),
        EncryptionAlgorithm: SYMMETRIC_DEFAULT,
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

/** `Encrypt` (and `Decrypt`, without a context): AES-256-GCM with the encryption context as additional data. */
function encryptRequest(body: Record<string, unknown>, key: Buffer): Buffer {
  checkAlgorithm(body);
  const plaintext = base64Blob(body.Plaintext, 'Plaintext');
  if (plaintext.length === 0 || plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new KmsApiError('ValidationException', `Plaintext must be 1 to ${MAX_PLAINTEXT_BYTES} bytes`);
  }
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(contextBytes(body.EncryptionContext));
  const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([CIPHERTEXT_TAG, iv, cipher.getAuthTag(), encrypted]);
}

/** `Decrypt`: as KMS, `InvalidCiphertextException` for a ciphertext that is not this key's under this context. */
function decryptRequest(body: Record<string, unknown>, key: Buffer): Buffer {
  checkAlgorithm(body);
  const blob = base64Blob(body.CiphertextBlob, 'CiphertextBlob');
  const ivAt = CIPHERTEXT_TAG.length;
  const tagAt = ivAt + IV_BYTES;
  const dataAt = tagAt + GCM_TAG_BYTES;
  const context = contextBytes(body.EncryptionContext);
  if (blob.length <= dataAt || !blob.subarray(0, ivAt).equals(CIPHERTEXT_TAG)) {
    throw new KmsApiError('InvalidCiphertextException', 'the ciphertext is not one of this key');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(ivAt, tagAt)).setAAD(context);
    decipher.setAuthTag(blob.subarray(tagAt, dataAt));
    return Buffer.concat([decipher.update(blob.subarray(dataAt)), decipher.final()]);
  } catch {
    throw new KmsApiError('InvalidCiphertextException', 'the ciphertext does not decrypt with this key and encryption context');
  }
}

function checkAlgorithm(body: Record<string, unknown>): void {
  if (body.EncryptionAlgorithm !== undefined && body.EncryptionAlgorithm !== SYMMETRIC_DEFAULT) {
    throw new KmsApiError('ValidationException', `EncryptionAlgorithm must be ${SYMMETRIC_DEFAULT} for a symmetric key`);
  }
}

/** The encryption context as bytes that do not depend on the order of its pairs (KMS ignores it too). */
function contextBytes(value: unknown): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KmsApiError('SerializationException', 'EncryptionContext must be an object of strings');
  }
  const pairs = Object.entries(value);
  if (!pairs.every(([, v]) => typeof v === 'string')) {
    throw new KmsApiError('SerializationException', 'EncryptionContext must be an object of strings');
  }
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}

function signingKeyOf(body: Record<string, unknown>, keys: Keys): [string, SigningKeyPair] {
  if (keyIdOf(body, keys) === 'secrets') throw new KmsApiError('InvalidKeyUsageException', 'the secrets key is for ENCRYPT_DECRYPT');
  const id = String(body.KeyId).replace(/^arn:aws:kms:local:000000000000:key\//, '');
  const key = keys.signing.get(id);
  if (!key) throw new KmsApiError('NotFoundException', `Key '${id}' does not exist`);
  return [id, key];
}

function arnOf(keyId: string): string {
  return `arn:aws:kms:local:000000000000:key/${keyId}`;
}

/** `Encrypt` names the key; `Decrypt` may leave it out, as KMS finds a symmetric key in the ciphertext. */
function secretsKeyOf(body: Record<string, unknown>, required: boolean): void {
  if (!required && body.KeyId === undefined) return;
  if (keyIdOf(body) === 'signing') throw new KmsApiError('InvalidKeyUsageException', 'the signing key is for SIGN_VERIFY');
}

function keyIdOf(body: Record<string, unknown>, keys?: Keys): 'signing' | 'secrets' {
  const keyId = body.KeyId;
  if (typeof keyId !== 'string' || keyId === '') throw new KmsApiError('ValidationException', 'KeyId is required');
  const bare = keyId.replace(/^arn:aws:kms:local:000000000000:key\//, '');
  if (keys?.signing.has(bare) || keyId === LOCAL_KMS_KEY_ID || keyId === LOCAL_KMS_KEY_ARN) return 'signing';
  if (keyId === LOCAL_SECRETS_KEY_ID || keyId === LOCAL_SECRETS_KEY_ARN) return 'secrets';
  throw new KmsApiError('NotFoundException', `Key '${keyId}' does not exist`);
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
