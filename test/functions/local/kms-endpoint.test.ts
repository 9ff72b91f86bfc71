import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DecryptCommand,
  EncryptCommand,
  GetPublicKeyCommand,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  KMSClient,
  NotFoundException,
  SignCommand,
} from '@aws-sdk/client-kms';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { KmsSigner } from '../../../functions/adapters/kms-signer';
import { SECRETS_KEY_FILE, startLocalKms, SIGNING_KEY_FILE, type LocalKms } from '../../../functions/local/kms-endpoint';

let dataDir: string;
let kms: LocalKms;
let client: KMSClient;

const clientFor = (endpoint: string) =>
  new KMSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lti-bridge-kms-'));
  kms = await startLocalKms({ dataDir });
  client = clientFor(kms.endpoint);
});

afterAll(async () => {
  client.destroy();
  await kms.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('local KMS endpoint', () => {
  it('listens on loopback, on a free port', () => {
    expect(kms.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(kms.keyId).toBe('local-signing-key');
  });

  it('runs KmsSigner through the real KMS client: the JWT verifies against the published key', async () => {
    const signer = new KmsSigner(client, [kms.keyId]);
    const jwt = await signer.signJwt({ iss: 'http://localhost:3000', sub: 'u1' });

    const [jwk] = await signer.publicKeys();
    const { payload, protectedHeader } = await jwtVerify(jwt, await importJWK({ ...jwk! }, 'RS256'), {
      algorithms: ['RS256'],
    });
    expect(payload).toEqual({ iss: 'http://localhost:3000', sub: 'u1' });
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: jwk!.kid });
  });

  it('keeps the key in <dataDir>/signing-key.pem, readable by its owner only', async () => {
    const { mode } = await stat(join(dataDir, SIGNING_KEY_FILE));
    expect(mode & 0o777).toBe(0o600);
  });

  it('reuses the key after a restart on the same directory, so the kid is stable', async () => {
    const before = (await new KmsSigner(client, [kms.keyId]).publicKeys())[0]!.kid;

    const restarted = await startLocalKms({ dataDir });
    const restartedClient = clientFor(restarted.endpoint);
    try {
      const signer = new KmsSigner(restartedClient, [restarted.keyId]);
      expect((await signer.publicKeys())[0]!.kid).toBe(before);
      const jwt = await signer.signJwt({ sub: 'u1' });
      expect(decodeProtectedHeader(jwt).kid).toBe(before);
    } finally {
      restartedClient.destroy();
      await restarted.close();
    }
  });

  it('creates one key when two endpoints first start on the same empty directory at once', async () => {
    const emptyDir = await mkdtemp(join(tmpdir(), 'lti-bridge-kms-'));
    const started = await Promise.all([startLocalKms({ dataDir: emptyDir }), startLocalKms({ dataDir: emptyDir })]);
    const clients = started.map((local) => clientFor(local.endpoint));
    try {
      const kids = await Promise.all(clients.map(async (c) => (await new KmsSigner(c, [kms.keyId]).publicKeys())[0]!.kid));
      expect(kids[0]).toBe(kids[1]);
    } finally {
      clients.forEach((c) => c.destroy());
      await Promise.all(started.map((local) => local.close()));
      await rm(emptyDir, { recursive: true, force: true });
    }
  });

  it('answers GetPublicKey as KMS does for an RSA 2048 signing key', async () => {
    const answer = await client.send(new GetPublicKeyCommand({ KeyId: kms.keyId }));
    expect(answer).toMatchObject({
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256'],
    });
    const publicKey = createPublicKey({ key: Buffer.from(answer.PublicKey!), format: 'der', type: 'spki' });
    expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('signs RAW messages, and a DIGEST of the same message gives the same PKCS#1 v1.5 signature', async () => {
    const { PublicKey } = await client.send(new GetPublicKeyCommand({ KeyId: kms.keyId }));
    const publicKey = createPublicKey({ key: Buffer.from(PublicKey!), format: 'der', type: 'spki' });
    const message = Buffer.from('header.payload');

    const raw = await client.send(
      new SignCommand({ KeyId: kms.keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }),
    );
    expect(verify('sha256', message, publicKey, Buffer.from(raw.Signature!))).toBe(true);

    const digest = await client.send(
      new SignCommand({
        KeyId: kms.keyId,
        Message: createHash('sha256').update(message).digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
      }),
    );
    expect(Buffer.from(digest.Signature!)).toEqual(Buffer.from(raw.Signature!));
    expect(digest.SigningAlgorithm).toBe('RSASSA_PKCS1_V1_5_SHA_256');
  });

  it('answers NotFoundException for an unknown key id', async () => {
    const error = await client.send(new GetPublicKeyCommand({ KeyId: 'alias/other' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as Error).message).toBe("Key 'alias/other' does not exist");

    await expect(new KmsSigner(client, ['other-key']).signJwt({ sub: 'u1' })).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      client.send(
        new SignCommand({
          KeyId: 'other-key',
          Message: Buffer.alloc(32),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('refuses a digest of the wrong size and an unsupported algorithm', async () => {
    const sign = (input: Partial<ConstructorParameters<typeof SignCommand>[0]>) =>
      client
        .send(
          new SignCommand({
            KeyId: kms.keyId,
            Message: Buffer.alloc(32),
            MessageType: 'DIGEST',
            SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
            ...input,
          }),
        )
        .catch((e: unknown) => e);

    // ValidationException is common to every AWS service: the SDK has no class for it, only the name.
    expect(await sign({ Message: Buffer.alloc(20) })).toMatchObject({
      name: 'ValidationException',
      message: 'a DIGEST Message for RSASSA_PKCS1_V1_5_SHA_256 must be 32 bytes',
    });
    expect(await sign({ SigningAlgorithm: 'RSASSA_PSS_SHA_256' })).toMatchObject({
      name: 'ValidationException',
      message: 'SigningAlgorithm must be RSASSA_PKCS1_V1_5_SHA_256',
    });
  });

  it('answers KMS-style errors to requests outside the API subset, and bounds the body', async () => {
    const post = (headers: Record<string, string>, body: string) => fetch(kms.endpoint, { method: 'POST', headers, body });
    const kmsHeaders = { 'content-type': 'application/x-amz-json-1.1' };

    const unknown = await post({ ...kmsHeaders, 'x-amz-target': 'TrentService.GenerateDataKey' }, '{}');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'unsupported operation TrentService.GenerateDataKey',
    });

    const form = await post({ 'content-type': 'text/plain' }, '{"KeyId":"local-signing-key"}');
    expect(form.status).toBe(400);
    expect(await form.json()).toMatchObject({ __type: 'SerializationException' });

    const notJson = await post({ ...kmsHeaders, 'x-amz-target': 'TrentService.GetPublicKey' }, '{');
    expect(await notJson.json()).toEqual({ __type: 'SerializationException', message: 'the body is not valid JSON' });

    const huge = await post(
      { ...kmsHeaders, 'x-amz-target': 'TrentService.Sign' },
      JSON.stringify({ KeyId: kms.keyId, Message: 'A'.repeat(100_000) }),
    );
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ __type: 'ValidationException' });
  });

  it('refuses to listen anywhere but loopback', async () => {
    await expect(startLocalKms({ dataDir, host: '0.0.0.0' })).rejects.toThrow(
      'the local KMS endpoint has no authentication and listens on loopback only, not on 0.0.0.0',
    );
  });
});

describe('local KMS endpoint: the secrets key (Encrypt, Decrypt)', () => {
  const context = { purpose: 'test', environment: 'env-1', activity: 'a-1', key: 'k-1' };
  const encrypt = (plaintext: string, encryptionContext: Record<string, string> = context, keyId = kms.secretsKeyId) =>
    client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext), EncryptionContext: encryptionContext }));
  const decrypt = (blob: Uint8Array, encryptionContext: Record<string, string> = context, keyId: string | undefined = kms.secretsKeyId) =>
    client.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: blob, EncryptionContext: encryptionContext }));

  it('encrypts and decrypts through the real KMS client, as KMS answers', async () => {
    const sealed = await encrypt('s3cret');
    expect(sealed).toMatchObject({ KeyId: expect.stringMatching(/local-secrets-key$/), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    expect(Buffer.from(sealed.CiphertextBlob!).toString('latin1')).not.toContain('s3cret');
    const opened = await decrypt(sealed.CiphertextBlob!);
    expect(Buffer.from(opened.Plaintext!).toString()).toBe('s3cret');
    expect(opened.KeyId).toBe(sealed.KeyId);
    // Without a key id, as KMS allows for symmetric keys; and with the context's pairs in another order.
    const reordered = Object.fromEntries(Object.entries(context).reverse());
    expect(Buffer.from((await decrypt(sealed.CiphertextBlob!, reordered, undefined)).Plaintext!).toString()).toBe('s3cret');
  });

  it('gives two encryptions of one plaintext different ciphertexts', async () => {
    const [a, b] = await Promise.all([encrypt('same'), encrypt('same')]);
    expect(Buffer.from(a.CiphertextBlob!)).not.toEqual(Buffer.from(b.CiphertextBlob!));
  });

  it('refuses a ciphertext under another encryption context, altered or truncated: InvalidCiphertextException', async () => {
    const { CiphertextBlob } = await encrypt('s3cret');
    const blob = Buffer.from(CiphertextBlob!);
    const refusals = [
      decrypt(blob, { ...context, activity: 'a-2' }),
      decrypt(blob, { ...context, extra: 'x' }),
      decrypt(blob, {}),
      decrypt(Buffer.concat([blob.subarray(0, -1), Buffer.from([blob.at(-1)! ^ 1])])),
      decrypt(blob.subarray(0, 20)),
    ];
    for (const refusal of await Promise.all(refusals.map((p) => p.catch((e: unknown) => e)))) {
      expect(refusal).toBeInstanceOf(InvalidCiphertextException);
    }
  });

  it('keeps each key to its use, and refuses unknown keys', async () => {
    await expect(encrypt('x', context, kms.keyId)).rejects.toBeInstanceOf(InvalidKeyUsageException);
    await expect(client.send(new GetPublicKeyCommand({ KeyId: kms.secretsKeyId }))).rejects.toBeInstanceOf(InvalidKeyUsageException);
    await expect(encrypt('x', context, 'alias/other')).rejects.toBeInstanceOf(NotFoundException);
    await expect(encrypt('x'.repeat(4097))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('keeps the key in <dataDir>/secrets-key, readable by its owner only, and reuses it after a restart', async () => {
    expect((await stat(join(dataDir, SECRETS_KEY_FILE))).mode & 0o777).toBe(0o600);
    const { CiphertextBlob } = await encrypt('kept');
    const restarted = await startLocalKms({ dataDir });
    const restartedClient = clientFor(restarted.endpoint);
    try {
      const opened = await restartedClient.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
      expect(Buffer.from(opened.Plaintext!).toString()).toBe('kept');
    } finally {
      restartedClient.destroy();
      await restarted.close();
    }
  });

  it('has a key of its own per data directory: another directory cannot decrypt', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'lti-bridge-kms-'));
    const other = await startLocalKms({ dataDir: otherDir });
    const otherClient = clientFor(other.endpoint);
    try {
      const { CiphertextBlob } = await encrypt('mine');
      await expect(otherClient.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }))).rejects.toBeInstanceOf(
        InvalidCiphertextException,
      );
    } finally {
      otherClient.destroy();
      await other.close();
      await rm(otherDir, { recursive: true, force: true });
    }
  });
});
