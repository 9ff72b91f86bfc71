import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { importJWK, jwtVerify } from 'jose';
import { kmsSigner } from '../../../functions/app/signer';
import { parseConfig } from '../../../functions/config';
import { startLocalKms, type LocalKms } from '../../../functions/local/kms-endpoint';
import type { ApiResult } from '../../../functions/http/types';

const settings = {
  PUBLIC_URL: 'http://localhost:3000',
  DATA_TABLE: 'lti-bridge-data',
  EPHEMERAL_TABLE: 'lti-bridge-ephemeral',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;
const savedEnv = { ...process.env };

let dataDir: string;
let kms: LocalKms;
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<ApiResult>;

/** An API Gateway HTTP API (payload format 2.0) request for the JWKS route. */
function jwksEvent(): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /.well-known/jwks.json',
    rawPath: '/.well-known/jwks.json',
    rawQueryString: '',
    headers: { host: 'localhost:3000', accept: 'application/json' },
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'GET', path: '/.well-known/jwks.json', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'request-1',
      routeKey: 'GET /.well-known/jwks.json',
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 1767225600000,
    },
  };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lti-bridge-jwks-'));
  kms = await startLocalKms({ dataDir });
  Object.assign(process.env, settings, { SIGNING_KEY_IDS: kms.keyId, KMS_ENDPOINT: kms.endpoint });
  // The handler reads the process's environment on its first request (importing it reads nothing).
  ({ handler } = await import('../../../functions/handlers/jwks'));
});

afterAll(async () => {
  process.env = savedEnv;
  await kms.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('GET /.well-known/jwks.json', () => {
  it('answers the public key set, cacheable for five minutes', async () => {
    const response = await handler(jwksEvent(), {} as Context);

    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'public, max-age=300',
    });
    const { keys } = JSON.parse(response.body ?? '') as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({
      kty: 'RSA',
      n: expect.stringMatching(/^[A-Za-z0-9_-]{342}$/),
      e: 'AQAB',
      kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      alg: 'RS256',
      use: 'sig',
    });
    for (const privateMember of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(keys[0]).not.toHaveProperty(privateMember);
  });

  it('publishes the key that the runtime signer signs with', async () => {
    // The signer the signing functions build from the same environment.
    const jwt = await kmsSigner(parseConfig(process.env)).signJwt({ sub: 'u1' });

    const response = await handler(jwksEvent(), {} as Context);
    const { keys } = JSON.parse(response.body ?? '') as { keys: Parameters<typeof importJWK>[0][] };
    await expect(jwtVerify(jwt, await importJWK(keys[0]!, 'RS256'))).resolves.toMatchObject({ payload: { sub: 'u1' } });
  });

  it('answers a JSON 404 for a route it does not serve', async () => {
    const response = await handler({ ...jwksEvent(), routeKey: 'POST /.well-known/jwks.json' }, {} as Context);
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body ?? '')).toEqual({
      error: 'not_found',
      message: 'no route for POST /.well-known/jwks.json',
    });
  });
});
