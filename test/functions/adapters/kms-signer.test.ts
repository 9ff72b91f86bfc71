import { constants, createHash, generateKeyPairSync, privateEncrypt, type KeyObject } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand, type SignCommandInput } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { base64url, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { KmsSigner, SigningKeyError } from '../../../functions/adapters/kms-signer';
import type { PublicJwk } from '../../../functions/ports';

/** DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2): what KMS prepends to a DIGEST before signing. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

const rsaKey = (): TestKey => generateKeyPairSync('rsa', { modulusLength: 2048 });
const keys: Record<string, TestKey> = { 'key-1': rsaKey(), 'key-2': rsaKey() };
const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** RFC 7638 §3: SHA-256 over the required members, lexicographic order, no whitespace. */
function thumbprint(publicKey: KeyObject): string {
  const { e, n } = publicKey.export({ format: 'jwk' });
  return base64url.encode(
    createHash('sha256')
      .update(JSON.stringify({ e, kty: 'RSA', n }))
      .digest(),
  );
}

const kms = mockClient(KMSClient);

async function getPublicKey({ KeyId }: { KeyId: string }) {
  const key = keys[KeyId];
  if (!key) throw Object.assign(new Error(`Key '${KeyId}' does not exist`), { name: 'NotFoundException' });
  return {
    KeyId,
    PublicKey: new Uint8Array(key.publicKey.export({ format: 'der', type: 'spki' })),
    KeySpec: 'RSA_2048',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'],
  };
}

/** A KMS that really signs: Sign answers a PKCS#1 v1.5 signature of the given digest. */
function realKms(): void {
  kms.on(GetPublicKeyCommand).callsFake(getPublicKey);
  kms.on(SignCommand).callsFake(async (input: SignCommandInput) => {
    const key = keys[input.KeyId ?? ''];
    if (!key || input.MessageType !== 'DIGEST' || input.Message?.length !== 32) throw new Error('unexpected Sign request');
    const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(input.Message)]);
    return {
      KeyId: input.KeyId,
      SigningAlgorithm: input.SigningAlgorithm,
      Signature: new Uint8Array(privateEncrypt({ key: key.privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo)),
    };
  });
}

const verify = async (jwt: string, jwk: PublicJwk) => jwtVerify(jwt, await importJWK({ ...jwk }, 'RS256'), { algorithms: ['RS256'] });

beforeEach(() => {
  kms.reset();
  realKms();
});

afterAll(() => kms.restore());

describe('KmsSigner.signJwt', () => {
  it('signs an RS256 JWT that verifies against the published key, with the key thumbprint as kid', async () => {
    const signer = new KmsSigner(new KMSClient({}), ['key-1']);
    const jwt = await signer.signJwt({ iss: 'https://bridge.example', sub: 'u1', nonce: 'n-1' });

    const [jwk] = await signer.publicKeys();
    const { payload, protectedHeader } = await verify(jwt, jwk!);
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: thumbprint(keys['key-1']!.publicKey) });
    expect(payload).toEqual({ iss: 'https://bridge.example', sub: 'u1', nonce: 'n-1' });
  });

  it('puts the given typ in the header', async () => {
    const signer = new KmsSigner(new KMSClient({}), ['key-1']);
    const jwt = await signer.signJwt({ sub: 'client' }, { typ: 'at+jwt' });
    expect(decodeProtectedHeader(jwt).typ).toBe('at+jwt');
  });

  it('sends KMS one Sign request per JWT: the SHA-256 digest of the signing input, as a DIGEST', async () => {
    const signer = new KmsSigner(new KMSClient({}), ['key-1']);
    const jwt = await signer.signJwt({ sub: 'u1' });

    const calls = kms.commandCalls(SignCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    const signingInput = jwt.split('.').slice(0, 2).join('.');
    expect(input).toEqual({
      KeyId: 'key-1',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
      MessageType: 'DIGEST',
      Message: createHash('sha256').update(signingInput).digest(),
    });

    await signer.signJwt({ sub: 'u2' });
    await signer.signJwt({ sub: 'u3' });
    expect(kms.commandCalls(SignCommand)).toHaveLength(3);
  });

  it('signs with the first key and publishes every key, the first one first', async () => {
    const signer = new KmsSigner(new KMSClient({}), ['key-1', 'key-2']);
    const jwt = await signer.signJwt({ sub: 'u1' });

    const published = await signer.publicKeys();
    expect(published.map((k) => k.kid)).toEqual([thumbprint(keys['key-1']!.publicKey), thumbprint(keys['key-2']!.publicKey)]);
    expect(decodeProtectedHeader(jwt).kid).toBe(published[0]!.kid);
    await expect(verify(jwt, published[0]!)).resolves.toBeDefined();
    await expect(verify(jwt, published[1]!)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    expect(kms.commandCalls(SignCommand).map((call) => call.args[0].input.KeyId)).toEqual(['key-1']);
  });

  it('refuses to sign without a configured key', async () => {
    const signer = new KmsSigner(new KMSClient({}), []);
    const error = await signer.signJwt({ sub: 'u1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningKeyError);
    expect((error as Error).message).toBe('no signing key configured: KmsSigner needs at least one KMS key id');
    await expect(signer.publicKeys()).rejects.toThrow('no signing key configured');
    expect(kms.calls()).toHaveLength(0);
  });
});

describe('KmsSigner.publicKeys', () => {
  it('publishes only the public members, as RS256 signing keys', async () => {
    const signer = new KmsSigner(new KMSClient({}), ['key-1']);
    const [jwk] = await signer.publicKeys();
    const { n, e } = keys['key-1']!.publicKey.export({ format: 'jwk' });
    expect(jwk).toEqual({ kty: 'RSA', n, e, kid: thumbprint(keys['key-1']!.publicKey), alg: 'RS256', use: 'sig' });
  });

  it('asks KMS for each public key once per instance, even when the first calls are concurrent', async () => {
    const signer = new KmsSigner(new KMSClient({}), ['key-1', 'key-2']);
    await Promise.all([signer.publicKeys(), signer.signJwt({ sub: 'a' }), signer.publicKeys(), signer.signJwt({ sub: 'b' })]);
    for (let i = 0; i < 5; i += 1) {
      await signer.publicKeys();
      await signer.signJwt({ sub: `c${i}` });
    }
    expect(
      kms
        .commandCalls(GetPublicKeyCommand)
        .map((call) => call.args[0].input.KeyId)
        .sort(),
    ).toEqual(['key-1', 'key-2']);
  });

  it('asks KMS again after a failed request instead of caching the failure', async () => {
    kms
      .on(GetPublicKeyCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
      .callsFake(getPublicKey);
    const signer = new KmsSigner(new KMSClient({}), ['key-1']);

    await expect(signer.publicKeys()).rejects.toThrow('throttled');
    const [jwk] = await signer.publicKeys();
    expect(jwk!.kid).toBe(thumbprint(keys['key-1']!.publicKey));
    await signer.publicKeys();
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
  });

  it('refuses a key that cannot sign RS256', async () => {
    kms.on(GetPublicKeyCommand, { KeyId: 'ec-key' }).resolves({
      KeyId: 'ec-key',
      PublicKey: new Uint8Array(ecKey.publicKey.export({ format: 'der', type: 'spki' })),
      KeyUsage: 'SIGN_VERIFY',
    });
    kms.on(GetPublicKeyCommand, { KeyId: 'encryption-key' }).resolves({
      KeyId: 'encryption-key',
      PublicKey: new Uint8Array(keys['key-1']!.publicKey.export({ format: 'der', type: 'spki' })),
      KeyUsage: 'ENCRYPT_DECRYPT',
    });
    kms.on(GetPublicKeyCommand, { KeyId: 'pss-key' }).resolves({
      KeyId: 'pss-key',
      PublicKey: new Uint8Array(keys['key-1']!.publicKey.export({ format: 'der', type: 'spki' })),
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['RSASSA_PSS_SHA_256'],
    });

    await expect(new KmsSigner(new KMSClient({}), ['ec-key']).publicKeys()).rejects.toThrow(
      new SigningKeyError('KMS key ec-key is not an RSA key'),
    );
    await expect(new KmsSigner(new KMSClient({}), ['encryption-key']).signJwt({})).rejects.toThrow(
      new SigningKeyError('KMS key encryption-key has key usage ENCRYPT_DECRYPT, not SIGN_VERIFY'),
    );
    await expect(new KmsSigner(new KMSClient({}), ['pss-key']).publicKeys()).rejects.toThrow(
      new SigningKeyError('KMS key pss-key does not support RSASSA_PKCS1_V1_5_SHA_256'),
    );
    expect(kms.commandCalls(SignCommand)).toHaveLength(0);
  });
});
