/**
 * The JWKS function's light KMS client: one SigV4-signed `GetPublicKey` per key and cold start,
 * checked by a stand-in KMS endpoint that verifies the signature (service `kms`) with the SigV4
 * verifier that is checked against AWS's published test-suite signatures.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { KmsPublicKeySource } from '../../../functions/adapters/kms-public-keys';
import { SigV4Verifier } from '../../../functions/local/sigv4-verifier';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token',
};
const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const der = publicKey.export({ format: 'der', type: 'spki' }) as Buffer;

let server: Server;
let endpoint: string;
const calls: { target?: string; keyId?: string; verified: boolean; token?: string }[] = [];

beforeAll(async () => {
  const verifier = new SigV4Verifier({ ...credentials, region: 'eu-west-1', service: 'kms' });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
      const [rawPath, rawQueryString = ''] = (req.url ?? '/').split('?');
      const verdict = await verifier.verify({ method: req.method ?? 'POST', rawPath: rawPath!, rawQueryString, headers, body });
      const { KeyId } = JSON.parse(body.toString()) as { KeyId: string };
      calls.push({ target: headers['x-amz-target'], keyId: KeyId, verified: verdict.ok, token: headers['x-amz-security-token'] });
      if (!verdict.ok) return void res.writeHead(403).end(JSON.stringify({ __type: 'InvalidSignatureException', message: 'bad' }));
      if (KeyId !== 'key-1')
        return void res.writeHead(400).end(JSON.stringify({ __type: 'com.amazonaws.kms#NotFoundException', message: 'no' }));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(
        JSON.stringify({
          KeyId,
          PublicKey: der.toString('base64'),
          KeyUsage: 'SIGN_VERIFY',
          SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256'],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => void (calls.length = 0));

describe('KmsPublicKeySource', () => {
  it('sends one signed GetPublicKey and answers the JWK with its thumbprint as kid, cached', async () => {
    const source = new KmsPublicKeySource({ region: 'eu-west-1', endpoint, credentials, keyIds: ['key-1'] });
    const [first, again] = await Promise.all([source.publicKeys(), source.publicKeys()]);
    await source.publicKeys();
    expect(calls).toEqual([{ target: 'TrentService.GetPublicKey', keyId: 'key-1', verified: true, token: 'session-token' }]);
    const jwk = publicKey.export({ format: 'jwk' });
    expect(first).toEqual([
      { kty: 'RSA', n: jwk.n, e: jwk.e, kid: await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n!, e: jwk.e! }), alg: 'RS256', use: 'sig' },
    ]);
    expect(again).toEqual(first);
  });

  it('reports a KMS error by its type and asks again next time', async () => {
    const source = new KmsPublicKeySource({ region: 'eu-west-1', endpoint, credentials, keyIds: ['key-1', 'missing'] });
    await expect(source.publicKeys()).rejects.toThrow('KMS GetPublicKey for missing failed: NotFoundException (HTTP 400)');
    await expect(source.publicKeys()).rejects.toThrow('NotFoundException');
    expect(calls.filter((c) => c.keyId === 'missing')).toHaveLength(2);
    expect(calls.filter((c) => c.keyId === 'key-1')).toHaveLength(1);
  });

  it('is refused by KMS when signed with the wrong secret', async () => {
    const source = new KmsPublicKeySource({
      region: 'eu-west-1',
      endpoint,
      credentials: { ...credentials, secretAccessKey: 'wrong' },
      keyIds: ['key-1'],
    });
    await expect(source.publicKeys()).rejects.toThrow('InvalidSignatureException (HTTP 403)');
    expect(calls[0]!.verified).toBe(false);
  });

  it('refuses an empty key list without calling KMS', async () => {
    const source = new KmsPublicKeySource({ region: 'eu-west-1', endpoint, credentials, keyIds: [] });
    await expect(source.publicKeys()).rejects.toThrow('no signing key configured');
    expect(calls).toHaveLength(0);
  });
});
