import { createHttpClient } from '../../../functions/http/outbound';
import {
  ToolOutcomeError,
  sendReplaceResult,
  signedReplaceResult,
  type ReplaceResultInput,
} from '../../../functions/lti12/tool-outcomes-client';
import { startOutcomesReceiver, success, type OutcomesReceiver } from '../../fixtures/outcomes-receiver';

const http = createHttpClient({ allowPrivate: true, timeoutMs: 2000 });
const credentials = { consumerKey: 'lb-key-1', consumerSecret: 'secret with spaces & symbols/+=' };

let receiver: OutcomesReceiver;
let counter = 0;

function input(overrides: Partial<ReplaceResultInput> = {}): ReplaceResultInput {
  counter++;
  return {
    serviceUrl: `${receiver.baseUrl}/mod/lti/service.php?course=c-1&tag=a%20b`,
    ...credentials,
    sourcedId: `{"data":{"instanceid":"7","userid":"${counter}"},"hash":"x&y<z"}`,
    score: '0.85',
    messageId: `msg-${counter}`,
    nonce: `nonce-${counter}`,
    timestamp: Math.floor(Date.now() / 1000),
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<ToolOutcomeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ToolOutcomeError);
  return error as ToolOutcomeError;
}

beforeAll(async () => {
  receiver = await startOutcomesReceiver();
  receiver.secrets.set(credentials.consumerKey, credentials.consumerSecret);
});

afterAll(() => receiver.close());

beforeEach(() => {
  receiver.answer = success;
});

describe('signedReplaceResult', () => {
  it('builds a replaceResult POX body with the sourcedId, the score and language en', () => {
    const request = signedReplaceResult(input({ score: '0.5' }));
    expect(request.headers['content-type']).toBe('application/xml');
    expect(request.body).toContain('<replaceResultRequest>');
    expect(request.body).toContain('<textString>0.5</textString>');
    expect(request.body).toContain('<language>en</language>');
    // The sourcedId is escaped, not injected.
    expect(request.body).toContain('&quot;hash&quot;:&quot;x&amp;y&lt;z&quot;');
  });

  it('signs the oauth_* parameters with a body hash and leaves the XML body out of them', () => {
    const request = signedReplaceResult(input());
    const header = request.headers.authorization!;
    expect(header).toMatch(/^OAuth /);
    for (const name of [
      'oauth_consumer_key',
      'oauth_nonce',
      'oauth_signature_method="HMAC-SHA1"',
      'oauth_timestamp',
      'oauth_version="1.0"',
      'oauth_body_hash',
      'oauth_signature',
    ]) {
      expect(header).toContain(name);
    }
  });
});

describe('sendReplaceResult against an LMS that verifies independently (oauth-1.0a, SHA-1)', () => {
  it('is accepted: valid signature (with the service URL query), valid body hash, the POX the LMS expects', async () => {
    const sent = input({ score: '0.85' });
    const answer = await sendReplaceResult(http, sent);
    expect(answer.codeMajor).toBe('success');
    const [got] = await receiver.waitFor(1, (r) => r.messageId === sent.messageId);
    expect(got).toMatchObject({
      signatureValid: true,
      bodyHashValid: true,
      contentType: 'application/xml',
      operation: 'replaceResult',
      sourcedId: sent.sourcedId,
      score: '0.85',
      language: 'en',
      path: '/mod/lti/service.php',
    });
    expect(got!.oauth).toMatchObject({ oauth_consumer_key: 'lb-key-1', oauth_nonce: sent.nonce, oauth_timestamp: String(sent.timestamp) });
  });

  it('HMAC-SHA256 verifies too', async () => {
    const sent = input({ signatureMethod: 'HMAC-SHA256' });
    await sendReplaceResult(http, sent);
    const [got] = await receiver.waitFor(1, (r) => r.messageId === sent.messageId);
    expect(got).toMatchObject({ signatureValid: true, bodyHashValid: true });
    expect(got!.oauth.oauth_signature_method).toBe('HMAC-SHA256');
  });

  it('the receiver is not fooled: a wrong secret and a changed body are caught', async () => {
    const wrong = input({ consumerSecret: 'not the secret' });
    await sendReplaceResult(http, wrong);
    const [bad] = await receiver.waitFor(1, (r) => r.messageId === wrong.messageId);
    expect(bad).toMatchObject({ signatureValid: false, bodyHashValid: true });

    const request = signedReplaceResult(input());
    const tampered = request.body.replace('<textString>0.85</textString>', '<textString>1.0</textString>');
    const id = /<imsx_messageIdentifier>([^<]+)</.exec(tampered)![1];
    await http.send({ method: 'POST', url: request.url, headers: request.headers, body: tampered });
    const [changed] = await receiver.waitFor(1, (r) => r.messageId === id);
    expect(changed).toMatchObject({ bodyHashValid: false, score: '1.0' });
  });
});

describe('sendReplaceResult: what the LMS answers decides the error', () => {
  it.each([
    [503, true],
    [502, true],
    [429, true],
    [425, true],
    [408, true],
    [404, false],
    [400, false],
    [422, false],
  ])('HTTP %i → retryable %s', async (status, retryable) => {
    receiver.answer = () => ({ status });
    const error = await failure(sendReplaceResult(http, input()));
    expect(error.message).toBe(`the outcome service answered HTTP ${status}`);
    expect(error.retryable).toBe(retryable);
  });

  it('HTTP 401 and 403 refuse the signature: not retried, and the message says what to check', async () => {
    for (const status of [401, 403]) {
      receiver.answer = () => ({ status });
      const error = await failure(sendReplaceResult(http, input()));
      expect(error).toMatchObject({
        retryable: false,
        message: `the outcome service answered HTTP ${status} (the LMS refused the request: check the activity's LTI 1.2 key and secret in the LMS)`,
      });
    }
  });

  it("a permanent refusal quotes the LMS's answer: one line, its tags removed, bounded, credentials redacted", async () => {
    const sent = input();
    const echoed = signedReplaceResult(sent).headers.authorization!;
    receiver.answer = () => ({
      status: 400,
      rawBody: `<!doctype html><html><head><style>p{}</style></head><body><h1>Bad Request</h1>\n<p>Invalid sourcedid &amp; score</p><pre>${echoed}</pre><p>${'x'.repeat(400)}</p></body></html>`,
    });
    const error = await failure(sendReplaceResult(http, sent));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^the outcome service answered HTTP 400: Bad Request Invalid sourcedid & score \[redacted\] x+…$/);
    expect(error.message.length).toBeLessThan('the outcome service answered HTTP 400: '.length + 202);
    expect(error.message).not.toContain('oauth_signature');
  });

  it("Canvas's 403 Forbidden (Rate Limit Exceeded) is retried", async () => {
    // Canvas LMS REST API, "Throttling": a throttled request gets "403 Forbidden (Rate Limit Exceeded)",
    // and the application "should … retry the request at a later time".
    receiver.answer = () => ({ status: 403, rawBody: '403 Forbidden (Rate Limit Exceeded)' });
    const error = await failure(sendReplaceResult(http, input()));
    expect(error).toMatchObject({ retryable: true, message: 'the outcome service answered HTTP 403: 403 Forbidden (Rate Limit Exceeded)' });
  });

  it('reads Retry-After of a retryable answer, in seconds or as an HTTP date (RFC 9110 §10.2.3)', async () => {
    receiver.answer = () => ({ status: 429, headers: { 'retry-after': '120' } });
    expect(await failure(sendReplaceResult(http, input()))).toMatchObject({ retryable: true, retryAfterSeconds: 120 });
    const sent = input();
    const at = new Date((sent.timestamp + 90) * 1000).toUTCString();
    receiver.answer = () => ({ status: 503, headers: { 'retry-after': at } });
    expect(await failure(sendReplaceResult(http, sent))).toMatchObject({ retryable: true, retryAfterSeconds: 90 });
    receiver.answer = () => ({ status: 503, headers: { 'retry-after': 'soon' } });
    expect((await failure(sendReplaceResult(http, input()))).retryAfterSeconds).toBeUndefined();
  });

  it('imsx_codeMajor failure is not retried and quotes the description', async () => {
    receiver.answer = () => ({ status: 200, codeMajor: 'failure', description: 'Tool does not accept grades' });
    const error = await failure(sendReplaceResult(http, input()));
    expect(error.message).toBe('the LMS answered imsx_codeMajor failure: Tool does not accept grades');
    expect(error.retryable).toBe(false);
  });

  it('imsx_codeMajor unsupported is not retried; processing is', async () => {
    receiver.answer = () => ({ status: 200, codeMajor: 'unsupported', description: 'replaceResult is not supported' });
    expect((await failure(sendReplaceResult(http, input()))).retryable).toBe(false);
    receiver.answer = () => ({ status: 200, codeMajor: 'processing', description: 'try later' });
    const processing = await failure(sendReplaceResult(http, input()));
    expect(processing).toMatchObject({ retryable: true, message: 'the LMS answered imsx_codeMajor processing: try later' });
  });

  it('a 200 that is not POX (a proxy error page) is retried', async () => {
    receiver.answer = () => ({ status: 200, rawBody: '<html><body>Maintenance</body></html>' });
    const error = await failure(sendReplaceResult(http, input()));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^the outcome service answered HTTP 200 without a Basic Outcomes response/);
  });

  it('an LMS that is down is retried', async () => {
    const down = await startOutcomesReceiver();
    await down.stop();
    const error = await failure(sendReplaceResult(http, input({ serviceUrl: `${down.baseUrl}/outcomes` })));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^the outcome service could not be reached: .*ECONNREFUSED/);
  });

  it('a URL that the deployment may not call (AWS: loopback, http) is not retried', async () => {
    const aws = createHttpClient({ allowPrivate: false });
    const error = await failure(sendReplaceResult(aws, input()));
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^the outcome service URL is not allowed: /);
  });
});
