/**
 * Rotating the signing key without downtime (docs/operations.md "Rotating the signing key"), walked
 * through with the real local server and its local KMS endpoint, restarted on one data directory at
 * each step as a deployment is redeployed with the next `signingKeys`:
 *
 *   ['primary'] → ['primary', 'next'] → ['next', 'primary'] → ['next']
 *
 * A passback's client assertion signed before a step is presented to a test LMS's token endpoint
 * (`jsonwebtoken`, verifying against lti-bridge's JWKS) after it: the JWKS publishes the next key
 * before it signs, and keeps the retiring one while tokens it signed are still in flight.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Signer } from '../../functions/ports';
import { startTestServer, type TestServer } from '../fixtures/local-server';
import { TestPlatform } from '../fixtures/lti13-platform';

let dataDir: string;
let platform: TestPlatform;
let server: TestServer | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lti-bridge-rotation-'));
  platform = await TestPlatform.start();
});
afterAll(async () => {
  await server?.close();
  await platform?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** The deployment, redeployed with `signingKeys`. */
async function deploy(signingKeys: string[]): Promise<TestServer> {
  await server?.close();
  server = await startTestServer({ dataDir, signingKeys });
  platform.toolJwksUrl = `${server.baseUrl}/.well-known/jwks.json`;
  return server;
}

const kids = async (at: TestServer) =>
  ((await (await fetch(`${at.baseUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;

/** A client assertion as a passback signs it (Security 1.0 §4.1.1), by the deployment's signer. */
async function assertion(at: TestServer): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const claims = { iss: platform.clientId, sub: platform.clientId, aud: platform.tokenUrl, iat, exp: iat + 300, jti: randomUUID() };
  return (at.runtime as unknown as { signer: Signer }).signer.signJwt(claims);
}

/** The LMS's answer to a token request with `signed`: 200 when it verifies against lti-bridge's JWKS. */
async function presented(signed: string): Promise<number> {
  const response = await fetch(platform.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: signed,
      scope: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
    }).toString(),
  });
  return response.status;
}

it('publishes the next key before it signs, keeps the retiring one while its tokens are in flight, then drops it', async () => {
  // 1. One key signs and is published.
  let at = await deploy(['primary']);
  const [primary] = await kids(at);
  const beforeRotation = await assertion(at);
  expect(kidOf(beforeRotation)).toBe(primary);
  expect(await presented(beforeRotation)).toBe(200);

  // 2. The next key is published; the primary still signs. LMSs and tools that fetch the JWKS now
  //    know the next key before any token is signed with it.
  at = await deploy(['primary', 'next']);
  const published = await kids(at);
  expect(published).toHaveLength(2);
  expect(published[0]).toBe(primary);
  const next = published[1]!;
  const inFlight = await assertion(at);
  const stillQueued = await assertion(at);
  expect(kidOf(inFlight)).toBe(primary);

  // 3. The next key signs; the primary stays published: the assertion signed at step 2, still in
  //    flight (a queued passback), verifies, and so do new ones.
  at = await deploy(['next', 'primary']);
  expect(await kids(at)).toEqual([next, primary]);
  expect(await presented(inFlight)).toBe(200);
  const afterSwitch = await assertion(at);
  expect(kidOf(afterSwitch)).toBe(next);
  expect(await presented(afterSwitch)).toBe(200);

  // 4. Once every token the primary signed has expired, it is retired: no longer published, so a
  //    token it signed no longer verifies, while the next key's do.
  at = await deploy(['next']);
  expect(await kids(at)).toEqual([next]);
  expect(await presented(await assertion(at))).toBe(200);
  expect(await presented(stillQueued)).toBe(400);
  expect(platform.tokenErrors.at(-1)).toBe(`no key ${primary} in the tool's key set`);
});
