import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { SigV4Verifier, parseAuthorization, type SigV4Request } from '../../../functions/local/sigv4-verifier';

const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const region = 'eu-west-1';
const now = new Date('2024-05-01T10:00:00Z');
const verifier = new SigV4Verifier({ ...credentials, region, now: () => now });

interface Unsigned {
  method: string;
  path: string;
  query?: string;
  body?: string;
  headers?: Record<string, string>;
}

/** Signs like the AWS SDK (and awscurl) do, then returns what the server receives. */
async function signed(
  request: Unsigned,
  options: { secret?: string; date?: Date; region?: string; service?: string; checksumHeader?: boolean } = {},
): Promise<SigV4Request> {
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region ?? region,
    credentials: { ...credentials, secretAccessKey: options.secret ?? credentials.secretAccessKey },
    sha256: Sha256,
    // false: sign like curl --aws-sigv4, without an x-amz-content-sha256 header.
    applyChecksum: options.checksumHeader ?? true,
  });
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(request.query ?? '')) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [existing, value].flat();
  }
  const result = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: 'localhost',
      port: 3000,
      path: request.path,
      query,
      headers: { host: 'localhost:3000', ...(request.body ? { 'content-type': 'application/json' } : {}), ...request.headers },
      ...(request.body ? { body: request.body } : {}),
    },
    { signingDate: options.date ?? now },
  );
  return {
    method: request.method,
    rawPath: request.path,
    rawQueryString: request.query ?? '',
    headers: Object.fromEntries(Object.entries(result.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(request.body ?? ''),
  };
}

const put: Unsigned = { method: 'PUT', path: '/admin/environments/demo', body: '{"name":"Demo"}' };
const get: Unsigned = { method: 'GET', path: '/admin/environments/demo/users', query: 'email=a%40b.example&x=2&x=1' };

async function rejection(request: SigV4Request) {
  const result = await verifier.verify(request);
  if (result.ok) throw new Error('expected a rejection');
  return result;
}

describe('SigV4Verifier', () => {
  it('accepts requests signed by the AWS SDK signer, with a body or a query', async () => {
    await expect(verifier.verify(await signed(put))).resolves.toEqual({ ok: true, accessKeyId: credentials.accessKeyId });
    await expect(verifier.verify(await signed(get))).resolves.toMatchObject({ ok: true });
    await expect(verifier.verify(await signed({ method: 'GET', path: '/admin/environments/my%20env' }))).resolves.toMatchObject({
      ok: true,
    });
  });

  it('accepts a request signed up to 15 minutes before or after now', async () => {
    await expect(verifier.verify(await signed(put, { date: new Date(now.getTime() - 14 * 60_000) }))).resolves.toMatchObject({ ok: true });
    await expect(verifier.verify(await signed(put, { date: new Date(now.getTime() + 14 * 60_000) }))).resolves.toMatchObject({ ok: true });
  });

  it('refuses a changed body', async () => {
    const request = await signed(put);
    const result = await rejection({ ...request, body: Buffer.from('{"name":"Evil"}') });
    // The SDK sends the payload hash as x-amz-content-sha256; it no longer matches the body.
    expect(result).toEqual({ ok: false, errorType: 'InvalidSignatureException', message: 'X-Amz-Content-Sha256 does not match the body' });

    const curlStyle = await signed(put, { checksumHeader: false });
    expect(curlStyle.headers).not.toHaveProperty('x-amz-content-sha256');
    await expect(verifier.verify(curlStyle)).resolves.toMatchObject({ ok: true });
    const bare = await rejection({ ...curlStyle, body: Buffer.from('{"name":"Evil"}') });
    expect(bare).toMatchObject({ errorType: 'InvalidSignatureException', message: expect.stringMatching(/signature does not match/) });
  });

  it('refuses a changed path, method or query', async () => {
    const request = await signed(get);
    for (const tampered of [
      { ...request, rawPath: '/admin/environments/other/users' },
      { ...request, method: 'DELETE' },
      { ...request, rawQueryString: 'email=b%40b.example&x=2&x=1' },
      { ...request, rawQueryString: 'email=a%40b.example&x=2' },
      { ...request, rawQueryString: '' },
    ]) {
      expect(await rejection(tampered)).toMatchObject({
        errorType: 'InvalidSignatureException',
        message: expect.stringMatching(/signature does not match/),
      });
    }
  });

  it('refuses a changed signed header', async () => {
    const request = await signed(put);
    expect((await rejection({ ...request, headers: { ...request.headers, host: 'evil.example' } })).errorType).toBe(
      'InvalidSignatureException',
    );
  });

  it('refuses a signature made with another secret, and never echoes the secret', async () => {
    const result = await rejection(await signed(put, { secret: 'not-the-secret' }));
    expect(result.errorType).toBe('InvalidSignatureException');
    expect(result.message).not.toContain(credentials.secretAccessKey);
  });

  it('refuses an unknown access key id', async () => {
    const other = new SigV4Verifier({ accessKeyId: 'AKIAOTHER', secretAccessKey: credentials.secretAccessKey, region, now: () => now });
    const result = await other.verify(await signed(put));
    expect(result).toEqual({
      ok: false,
      errorType: 'UnrecognizedClientException',
      message: `unknown access key id ${credentials.accessKeyId}`,
    });
  });

  it('refuses a stale or future X-Amz-Date', async () => {
    for (const minutes of [-16, 16, -24 * 60]) {
      const result = await rejection(await signed(put, { date: new Date(now.getTime() + minutes * 60_000) }));
      expect(result).toMatchObject({ errorType: 'InvalidSignatureException', message: expect.stringMatching(/^signature expired/) });
    }
  });

  it('refuses a missing Authorization header', async () => {
    const request = await signed(put);
    const { authorization: _authorization, ...headers } = request.headers;
    expect(await rejection({ ...request, headers })).toMatchObject({ errorType: 'MissingAuthenticationTokenException' });
  });

  it('refuses another region or service', async () => {
    expect((await rejection(await signed(put, { region: 'us-east-1' }))).message).toBe(
      'Credential should be scoped to region eu-west-1, not us-east-1',
    );
    expect((await rejection(await signed(put, { service: 's3' }))).message).toBe(
      'Credential should be scoped to service execute-api, not s3',
    );
  });

  it('refuses malformed Authorization headers and unsigned X-Amz-Date', async () => {
    const request = await signed(put);
    const auth = request.headers.authorization as string;
    for (const [authorization, message] of [
      ['Bearer abc', /must use the AWS4-HMAC-SHA256 algorithm/],
      [auth.replace(/, Signature=[0-9a-f]+/, ''), /lacks Signature/],
      [auth.replace(/Credential=[^,]+/, 'Credential=AKIAIOSFODNN7EXAMPLE/20240501'), /Credential must be/],
      [auth.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=host'), /SignedHeaders must include x-amz-date/],
      [auth.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=host;x-amz-date;x-missing'), /signed header x-missing is missing/],
    ] as const) {
      expect((await rejection({ ...request, headers: { ...request.headers, authorization } })).message).toMatch(message);
    }
    const { ['x-amz-date']: _date, ...withoutDate } = request.headers;
    expect((await rejection({ ...request, headers: withoutDate })).message).toBe('missing X-Amz-Date header');
  });

  it('parses the Authorization header with or without spaces after commas', () => {
    expect(
      parseAuthorization(
        'AWS4-HMAC-SHA256 Credential=AK/20240501/eu-west-1/execute-api/aws4_request,SignedHeaders=host;x-amz-date,Signature=AB',
      ),
    ).toEqual({
      accessKeyId: 'AK',
      date: '20240501',
      region: 'eu-west-1',
      service: 'execute-api',
      terminator: 'aws4_request',
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'ab',
    });
  });
});

/**
 * Signatures computed independently of @smithy/signature-v4: the published AWS Signature Version 4
 * test suite (aws-sig-v4-test-suite: get-vanilla, get-vanilla-query-order-key-case, post-vanilla),
 * with its example credentials, region us-east-1 and service `service`.
 */
describe('SigV4Verifier against the AWS test suite', () => {
  const suite = new SigV4Verifier({
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    region: 'us-east-1',
    service: 'service',
    now: () => new Date('2015-08-30T12:36:00Z'),
  });
  const request = (method: string, rawQueryString: string, signature: string): SigV4Request => ({
    method,
    rawPath: '/',
    rawQueryString,
    headers: {
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
    },
    body: Buffer.alloc(0),
  });

  it.each([
    ['get-vanilla', 'GET', '', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
    [
      'get-vanilla-query-order-key-case',
      'GET',
      'Param2=value2&Param1=value1',
      'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    ],
    ['post-vanilla', 'POST', '', '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'],
  ])('accepts %s', async (_name, method, query, signature) => {
    await expect(suite.verify(request(method, query, signature))).resolves.toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
  });

  it('refuses get-vanilla with one hex digit changed', async () => {
    const result = await suite.verify(request('GET', '', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf30'));
    expect(result).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
  });
});
