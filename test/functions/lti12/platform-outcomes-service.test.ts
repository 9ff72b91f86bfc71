/**
 * The academy's LTI Basic Outcomes service (`POST /{env}/lti12/outcomes`) through the real local
 * server: `ims-lti`'s OutcomeService (an external tool nobody here wrote) sends replaceResult,
 * readResult and deleteResult; the consumer certification cases 8.1–8.8
 * (of the former 1EdTech LTI 1.1 consumer certification) and the refusals (body hash, signature, nonce,
 * forged and swapped sourcedIds, XXE, billion laughs) are sent as raw POX signed with the npm
 * `oauth-1.0a` package. Progress is read straight from the data table.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import type { ApiEvent } from '../../../functions/http/types';
import { lti12Outcomes } from '../../../functions/lti12/platform-outcomes-service';
import { parsePoxResponse } from '../../../functions/lti12/pox';
import { expectError } from '../../fixtures/expect-error';
import { startTestServer, type TestServer } from '../../fixtures/local-server';
import {
  createEnvironment,
  createExternalActivity,
  createUser,
  environmentBody,
  imsLti,
  openLaunch,
  providerRequest,
  settle,
  storedProgress,
  ticketUrl,
  type ImsOutcomeService,
  type Tool,
} from '../../fixtures/academy-platform';

let server: TestServer;
const env = 'bo';
const tool: Tool = { key: 'bo-tool', secret: 'bo-secret', launchUrl: 'https://tool.example/launch' };
const otherTool: Tool = { key: 'other-tool', secret: 'other-secret', launchUrl: 'https://other.example/launch' };
let course: string;
let exam: string;
let otherCourse: string;
/** lis_result_sourcedid of each (activity, user). */
const sourcedIds: Record<string, string> = {};
const outcomesUrl = () => `${server.baseUrl}/${env}/lti12/outcomes`;

async function launchSourcedId(activityId: string, userId: string): Promise<string> {
  const { form } = await openLaunch(await ticketUrl(server, env, activityId, userId));
  return form.fields.lis_result_sourcedid!;
}

beforeAll(async () => {
  server = await startTestServer();
  await createEnvironment(server, env);
  await createEnvironment(server, 'bo2');
  await createUser(server, env, 'u1');
  await createUser(server, env, 'u2');
  await createUser(server, 'bo2', 'u1');
  course = await createExternalActivity(server, env, tool, { title: 'Course' });
  exam = await createExternalActivity(server, env, tool, { type: 'exam', title: 'Exam', minScore: 70 }, { resourceLinkId: 'exam-1' });
  otherCourse = await createExternalActivity(server, env, otherTool, { title: 'Other tool' });
  for (const [activity, user] of [
    [course, 'u1'],
    [course, 'u2'],
    [exam, 'u1'],
    [otherCourse, 'u1'],
  ] as const) {
    sourcedIds[`${activity}/${user}`] = await launchSourcedId(activity, user);
  }
});
afterAll(() => server?.close());

// --- raw POX requests, signed by the npm oauth-1.0a package ---

function pox(
  operation: string,
  sourcedId: string,
  score?: string,
  messageId = `msg-${randomBytes(6).toString('hex')}`,
): { xml: string; messageId: string } {
  const result =
    score === undefined ? '' : `<result><resultScore><language>en</language><textString>${score}</textString></resultScore></result>`;
  const xml = `<?xml version = "1.0" encoding = "UTF-8"?>
<imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
  <imsx_POXHeader><imsx_POXRequestHeaderInfo>
    <imsx_version>V1.0</imsx_version><imsx_messageIdentifier>${messageId}</imsx_messageIdentifier>
  </imsx_POXRequestHeaderInfo></imsx_POXHeader>
  <imsx_POXBody><${operation}Request><resultRecord>
    <sourcedGUID><sourcedId>${sourcedId}</sourcedId></sourcedGUID>${result}
  </resultRecord></${operation}Request></imsx_POXBody>
</imsx_POXEnvelopeRequest>`;
  return { xml, messageId };
}

interface SendOptions {
  readonly credentials?: Tool;
  readonly url?: string;
  /** The body the hash and signature are computed over, when it differs from the one sent. */
  readonly signedBody?: string;
  readonly signatureMethod?: 'HMAC-SHA1' | 'HMAC-SHA256' | 'PLAINTEXT';
  readonly nonce?: string;
  readonly timestamp?: number;
  readonly contentType?: string;
  readonly authorization?: string | null;
}

/** The request's URL and headers, signed by the npm oauth-1.0a package. */
function sign(body: string, options: SendOptions = {}): { url: string; headers: Record<string, string> } {
  const credentials = options.credentials ?? tool;
  const url = options.url ?? outcomesUrl();
  const method = options.signatureMethod ?? 'HMAC-SHA1';
  const algorithm = method === 'HMAC-SHA256' ? 'sha256' : 'sha1';
  const oauth = new OAuth({
    consumer: { key: credentials.key, secret: credentials.secret },
    signature_method: method,
    hash_function: (base, key) => createHmac(algorithm, key).update(base).digest('base64'),
    body_hash_function: (data) => createHash(algorithm).update(data).digest('base64'),
  });
  if (options.nonce) oauth.getNonce = () => options.nonce!;
  if (options.timestamp) oauth.getTimeStamp = () => options.timestamp!;
  const signed = oauth.authorize({ url, method: 'POST', data: options.signedBody ?? body, includeBodyHash: true });
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/xml' };
  if (options.authorization !== null) headers.authorization = options.authorization ?? oauth.toHeader(signed).Authorization;
  return { url, headers };
}

async function send(body: string, options: SendOptions = {}) {
  const { url, headers } = sign(body, options);
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), text, pox: parsePoxResponse(text) };
}

/**
 * The same request handed to the endpoint in-process, with the server's runtime: the error it
 * throws, which the edge answers as the POX failure that `send` gets. (POX has no place for the
 * stable code, so `{status, code, field}` is asserted here.)
 */
function thrown(body: string, options: SendOptions = {}): Promise<unknown> {
  const { url, headers } = sign(body, options);
  const { pathname, search } = new URL(url);
  const routeKey = 'POST /{env}/lti12/outcomes';
  const event: ApiEvent = {
    version: '2.0',
    routeKey,
    rawPath: pathname,
    rawQueryString: search.slice(1),
    headers,
    body,
    isBase64Encoded: false,
    pathParameters: { env: pathname.split('/')[1]! },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'request-1',
      routeKey,
      stage: '$default',
      time: '01/Jan/2030:00:00:00 +0000',
      timeEpoch: 1893456000000,
    },
  };
  return lti12Outcomes(server.server.runtime, event);
}

describe('ims-lti OutcomeService as the tool', () => {
  let service: ImsOutcomeService;

  beforeAll(async () => {
    const { form } = await openLaunch(await ticketUrl(server, env, course, 'u2'));
    const provider = new imsLti.Provider(tool.key, tool.secret);
    const [error, valid] = await settle<boolean>((cb) => provider.valid_request(providerRequest(form), form.fields, cb));
    expect([error, valid]).toEqual([null, true]);
    // Cert 8.1: the launch carries lis_outcome_service_url and lis_result_sourcedid.
    expect(provider.outcome_service).not.toBe(false);
    service = provider.outcome_service as ImsOutcomeService;
  });

  it('sends replaceResult, readResult and deleteResult successfully; the score becomes progress', async () => {
    expect(await settle((cb) => service.send_replace_result(0.92, cb))).toEqual([null, true]);
    expect(await storedProgress(server, env, course, 'u2')).toMatchObject({ status: 'completed', score: 92 });

    expect(await settle((cb) => service.send_read_result(cb))).toEqual([null, 0.92]);

    expect(await settle((cb) => service.send_delete_result(cb))).toEqual([null, true]);
    const progress = await storedProgress(server, env, course, 'u2');
    expect(progress).toMatchObject({ status: 'in-progress' });
    expect(progress).not.toHaveProperty('score');

    expect(await settle((cb) => service.send_replace_result(0, cb))).toEqual([null, true]);
    expect(await settle((cb) => service.send_read_result(cb))).toEqual([null, 0]);
    expect(await settle((cb) => service.send_replace_result(1, cb))).toEqual([null, true]);
    expect(await storedProgress(server, env, course, 'u2')).toMatchObject({ status: 'completed', score: 100 });
  });
});

describe('progress through the admin API (docs/product.md GET …/activities/{id}/progress[/{userId}])', () => {
  it('shows what a tool reported, for one learner and in the list', async () => {
    const { xml } = pox('replaceResult', sourcedIds[`${exam}/u1`]!, '0.85');
    expect((await send(xml)).pox.codeMajor).toBe('success');
    const one = await server.admin.request('GET', `/admin/environments/${env}/activities/${exam}/progress/u1`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ userId: 'u1', activityId: exam, status: 'passed', score: 85 });
    const list = await server.admin.request('GET', `/admin/environments/${env}/activities/${exam}/progress`);
    expect(list.json.progress).toContainEqual(expect.objectContaining({ userId: 'u1', status: 'passed', score: 85 }));
  });
});

describe('consumer certification 8.2–8.8', () => {
  it('8.2 replaceResult answers success with a replaceResultResponse, echoing the message id', async () => {
    const { xml, messageId } = pox('replaceResult', sourcedIds[`${course}/u1`]!, '0.91');
    const answer = await send(xml);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('application/xml; charset=utf-8');
    expect(answer.text).toContain('xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"');
    expect(answer.text).toContain('<imsx_POXBody><replaceResultResponse/></imsx_POXBody>');
    expect(answer.pox).toEqual({
      codeMajor: 'success',
      severity: 'status',
      description: 'The score 0.91 is recorded: the activity is completed.',
      messageRefIdentifier: messageId,
      operationRefIdentifier: 'replaceResult',
    });
    expect(await storedProgress(server, env, course, 'u1')).toMatchObject({
      status: 'completed',
      score: 91,
      userId: 'u1',
      activityId: course,
    });
  });

  it('8.3 readResult returns the grade sent, in language en', async () => {
    const answer = await send(pox('readResult', sourcedIds[`${course}/u1`]!).xml);
    expect(answer.pox).toMatchObject({ codeMajor: 'success', operationRefIdentifier: 'readResult', score: '0.91' });
    expect(answer.text).toContain('<readResultResponse><result><resultScore><language>en</language><textString>0.91</textString>');
  });

  it('8.4 deleteResult answers success; 8.5 readResult after it answers success with an empty textString', async () => {
    const deleted = await send(pox('deleteResult', sourcedIds[`${course}/u1`]!).xml);
    expect(deleted.pox).toMatchObject({ codeMajor: 'success', operationRefIdentifier: 'deleteResult' });
    expect(deleted.text).toContain('<deleteResultResponse/>');
    const read = await send(pox('readResult', sourcedIds[`${course}/u1`]!).xml);
    expect(read.pox).toMatchObject({ codeMajor: 'success', score: '', description: 'There is no score.' });
    expect(read.text).toContain('<textString/>');
  });

  it('8.6 an unknown operation (smurfResultRequest) answers unsupported', async () => {
    const { xml, messageId } = pox('smurfResult', sourcedIds[`${course}/u1`]!);
    const answer = await send(xml);
    expect(answer.status).toBe(200);
    expect(answer.pox).toMatchObject({ codeMajor: 'unsupported', messageRefIdentifier: messageId, operationRefIdentifier: 'smurfResult' });
    expect(answer.pox.description).toContain('smurfResultRequest is not supported');
    await expectError(thrown(xml), { status: 200, code: 'unsupported_operation', field: 'imsx_POXBody' });
  });

  it.each([
    ['8.7 textString=42', '42'],
    ['8.8 textString=smurf', 'smurf'],
    ['a negative score', '-0.1'],
    ['just above 1', '1.0001'],
    ['an exponent', '1e-1'],
    ['a comma as decimal point', '0,5'],
    ['no score', ''],
  ])('%s: replaceResult answers failure and changes nothing', async (_, score) => {
    const sourcedId = sourcedIds[`${course}/u1`]!;
    await send(pox('replaceResult', sourcedId, '0.5').xml);
    const answer = await send(pox('replaceResult', sourcedId, score).xml);
    expect(answer.status).toBe(200);
    expect(answer.pox).toMatchObject({ codeMajor: 'failure', severity: 'error', operationRefIdentifier: 'replaceResult' });
    expect(answer.pox.description).toMatch(score ? /^The score must be a decimal number from 0\.0 to 1\.0/ : /needs a score/);
    await expectError(thrown(pox('replaceResult', sourcedId, score).xml), {
      status: 200,
      code: score ? 'invalid_parameter' : 'missing_parameter',
      field: 'textString',
    });
    expect(await storedProgress(server, env, course, 'u1')).toMatchObject({ status: 'completed', score: 50 });
  });
});

describe('exams', () => {
  it('fail at minScore − 1 and pass at minScore', async () => {
    const sourcedId = sourcedIds[`${exam}/u1`]!;
    expect((await send(pox('replaceResult', sourcedId, '0.69').xml)).pox.codeMajor).toBe('success');
    expect(await storedProgress(server, env, exam, 'u1')).toMatchObject({ status: 'failed', score: 69 });
    const passed = await send(pox('replaceResult', sourcedId, '0.70').xml);
    expect(passed.pox.description).toBe('The score 0.70 is recorded: the activity is passed.');
    expect(await storedProgress(server, env, exam, 'u1')).toMatchObject({ status: 'passed', score: 70 });
    expect((await send(pox('readResult', sourcedId).xml)).pox.score).toBe('0.7');
    await send(pox('replaceResult', sourcedId, '0.6999').xml);
    expect(await storedProgress(server, env, exam, 'u1')).toMatchObject({ status: 'failed', score: 69.99 });
  });
});

describe('authentication', () => {
  const valid = () => pox('replaceResult', sourcedIds[`${course}/u1`]!, '0.3');

  async function expectUnchanged(): Promise<void> {
    expect((await storedProgress(server, env, course, 'u1'))?.score).not.toBe(30);
  }

  it('refuses a body whose oauth_body_hash does not match (401), changing nothing', async () => {
    const { xml } = valid();
    const answer = await send(xml, { signedBody: xml.replace('0.3', '0.4') });
    expect(answer.status).toBe(401);
    expect(answer.pox).toMatchObject({ codeMajor: 'failure', severity: 'error', description: 'oauth_body_hash does not match the body.' });
    await expectError(thrown(xml, { signedBody: xml.replace('0.3', '0.4') }), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_body_hash',
    });
    await expectUnchanged();
  });

  it('refuses a wrong secret, a replayed nonce and a stale timestamp (401)', async () => {
    const wrong = await send(valid().xml, { credentials: { ...tool, secret: 'guess' } });
    expect(wrong.status).toBe(401);
    expect(wrong.pox.description).toContain('The OAuth signature is not valid');
    await expectError(thrown(valid().xml, { credentials: { ...tool, secret: 'guess' } }), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_signature',
    });

    const nonce = randomBytes(8).toString('hex');
    expect((await send(valid().xml, { nonce })).status).toBe(200);
    const replay = await send(valid().xml, { nonce });
    expect(replay.status).toBe(401);
    expect(replay.pox.description).toBe('oauth_nonce was already used.');
    await expectError(thrown(valid().xml, { nonce }), { status: 401, code: 'unauthorized', field: 'oauth_nonce' });

    const stale = await send(valid().xml, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(stale.status).toBe(401);
    expect(stale.pox.description).toBe('oauth_timestamp is not within 5 minutes of the time here.');
    await expectError(thrown(valid().xml, { timestamp: Math.floor(Date.now() / 1000) - 301 }), {
      status: 401,
      code: 'unauthorized',
      field: 'oauth_timestamp',
    });
  });

  it('refuses a request without an Authorization header (401) or with PLAINTEXT (400)', async () => {
    const none = await send(valid().xml, { authorization: null });
    expect(none.status).toBe(401);
    expect(none.pox.description).toContain('OAuth 1.0a Authorization header');
    await expectError(thrown(valid().xml, { authorization: null }), { status: 401, code: 'unauthorized', field: 'authorization' });
    const plain = await send(valid().xml, { signatureMethod: 'PLAINTEXT' });
    expect(plain.status).toBe(400);
    expect(plain.pox.description).toBe('oauth_signature_method must be HMAC-SHA1 or HMAC-SHA256.');
    await expectError(thrown(valid().xml, { signatureMethod: 'PLAINTEXT' }), {
      status: 400,
      code: 'invalid_parameter',
      field: 'oauth_signature_method',
    });
  });

  it('accepts HMAC-SHA256 with a SHA-256 body hash', async () => {
    const { xml } = pox('replaceResult', sourcedIds[`${course}/u1`]!, '0.55');
    expect((await send(xml, { signatureMethod: 'HMAC-SHA256' })).pox.codeMajor).toBe('success');
    expect(await storedProgress(server, env, course, 'u1')).toMatchObject({ score: 55 });
  });

  it('refuses a form-encoded body (415)', async () => {
    const answer = await send('score=1', { contentType: 'application/x-www-form-urlencoded' });
    expect(answer.status).toBe(415);
    expect(answer.pox.codeMajor).toBe('failure');
    await expectError(thrown('score=1', { contentType: 'application/x-www-form-urlencoded' }), {
      status: 415,
      code: 'unsupported_media_type',
      field: 'content-type',
    });
  });
});

describe('sourcedIds', () => {
  const unknown = 'The sourcedId is not one this academy issued for this tool (unknown, forged or for another learner or activity).';

  it('refuses a forged sourcedId', async () => {
    for (const forged of [`${course}:u1:${randomBytes(16).toString('base64url')}`, `${course}:u1`, 'smurf', '']) {
      const answer = await send(pox('replaceResult', forged, '1').xml);
      expect(answer.status).toBe(200);
      expect(answer.pox).toMatchObject({ codeMajor: 'failure', description: unknown });
      await expectError(thrown(pox('replaceResult', forged, '1').xml), { status: 200, code: 'unknown_sourcedid', field: 'sourcedId' });
    }
    expect(await storedProgress(server, env, course, 'u1')).not.toMatchObject({ score: 100 });
  });

  it('refuses a swapped sourcedId: another learner, another activity of the same tool, another environment', async () => {
    const [activity, , secret] = sourcedIds[`${course}/u1`]!.split(':');
    const otherUser = `${activity}:u2:${secret}`;
    const otherActivity = `${exam}:u1:${secret}`;
    for (const swapped of [otherUser, otherActivity]) {
      const answer = await send(pox('replaceResult', swapped, '0.99').xml);
      expect(answer.pox).toMatchObject({ codeMajor: 'failure', description: unknown });
    }
    expect((await storedProgress(server, env, course, 'u2'))?.score).not.toBe(99);
    expect((await storedProgress(server, env, exam, 'u1'))?.score).not.toBe(99);

    const elsewhere = await send(pox('replaceResult', sourcedIds[`${course}/u1`]!, '0.99').xml, {
      url: `${server.baseUrl}/bo2/lti12/outcomes`,
    });
    expect(elsewhere.pox).toMatchObject({ codeMajor: 'failure', description: unknown });
  });

  it("refuses another tool's sourcedId signed with this tool's key (401), and accepts it with its own", async () => {
    const theirs = sourcedIds[`${otherCourse}/u1`]!;
    const answer = await send(pox('replaceResult', theirs, '0.8').xml);
    expect(answer.status).toBe(401);
    expect(answer.pox.description).toBe('oauth_consumer_key is not the key of the activity this sourcedId belongs to.');
    await expectError(thrown(pox('replaceResult', theirs, '0.8').xml), { status: 401, code: 'unauthorized', field: 'oauth_consumer_key' });
    expect(await storedProgress(server, env, otherCourse, 'u1')).toBeUndefined();
    expect((await send(pox('replaceResult', theirs, '0.8').xml, { credentials: otherTool })).pox.codeMajor).toBe('success');
    expect(await storedProgress(server, env, otherCourse, 'u1')).toMatchObject({ status: 'completed', score: 80 });
  });
});

describe('hostile and malformed bodies', () => {
  it('refuses an XML external entity without reading it', async () => {
    const { xml } = pox('replaceResult', '&xxe;', '1');
    const body = xml.replace(
      '<imsx_POXEnvelopeRequest',
      '<!DOCTYPE imsx_POXEnvelopeRequest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<imsx_POXEnvelopeRequest',
    );
    const answer = await send(body);
    expect(answer.status).toBe(400);
    expect(answer.pox).toMatchObject({
      codeMajor: 'failure',
      description: 'The body is not a Basic Outcomes request: DOCTYPE and ENTITY declarations are not accepted.',
    });
    expect(answer.text).not.toContain('root:');
    await expectError(thrown(body), { status: 400, code: 'invalid_pox', field: 'body' });
  });

  it('refuses a billion-laughs body without expanding it', async () => {
    const entities = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    const { xml } = pox('replaceResult', '&lol9;', '1');
    const body = xml.replace('<imsx_POXEnvelopeRequest', `<!DOCTYPE lolz [${entities.join('')}]>\n<imsx_POXEnvelopeRequest`);
    const started = Date.now();
    const answer = await send(body);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(answer.status).toBe(400);
    expect(answer.pox.description).toContain('DOCTYPE and ENTITY declarations are not accepted');
    expect(answer.text.length).toBeLessThan(2000);
  });

  it('refuses an oversize body (413) and one that is not POX (400), with an empty message reference', async () => {
    const { xml } = pox('replaceResult', sourcedIds[`${course}/u1`]!, '1');
    const big = await send(xml.replace('<imsx_POXBody>', `<!-- ${'x'.repeat(70_000)} --><imsx_POXBody>`));
    expect(big.status).toBe(413);
    expect(big.pox.description).toContain('exceeds 65536 bytes');
    await expectError(thrown(xml.replace('<imsx_POXBody>', `<!-- ${'x'.repeat(70_000)} --><imsx_POXBody>`)), {
      status: 413,
      code: 'payload_too_large',
      field: 'body',
    });
    const broken = await send('<imsx_POXEnvelopeRequest><unclosed></imsx_POXEnvelopeRequest>');
    expect(broken.status).toBe(400);
    expect(broken.pox).toMatchObject({ codeMajor: 'failure', messageRefIdentifier: '' });
  });
});

describe('environments', () => {
  it('answers 403 when LTI is not enabled in the environment, 404 for an unknown one', async () => {
    await createEnvironment(server, env, { ...environmentBody, ltiEnabled: false });
    try {
      const { xml, messageId } = pox('readResult', sourcedIds[`${course}/u1`]!);
      const answer = await send(xml);
      expect(answer.status).toBe(403);
      expect(answer.pox).toMatchObject({ codeMajor: 'failure', description: 'LTI is not enabled in this environment.' });
      // Answered before the body is checked, yet echoing a POX request's identifier like every answer.
      expect(answer.pox).toMatchObject({ messageRefIdentifier: messageId, operationRefIdentifier: 'readResult' });
      await expectError(thrown(pox('readResult', sourcedIds[`${course}/u1`]!).xml), { status: 403, code: 'lti_disabled' });
      // Whatever the request carries: a form, a broken body, no Authorization header.
      for (const [body, options] of [
        ['score=1', { contentType: 'application/x-www-form-urlencoded' }],
        ['<imsx_POXEnvelopeRequest><unclosed></imsx_POXEnvelopeRequest>', {}],
        [xml, { authorization: null }],
      ] as const) {
        const refused = await send(body, options);
        expect(refused.status).toBe(403);
        expect(refused.pox).toMatchObject({ codeMajor: 'failure', description: 'LTI is not enabled in this environment.' });
        await expectError(thrown(body, options), { status: 403, code: 'lti_disabled' });
      }
    } finally {
      await createEnvironment(server, env);
    }
    const missing = await send(pox('readResult', sourcedIds[`${course}/u1`]!).xml, { url: `${server.baseUrl}/nowhere/lti12/outcomes` });
    expect(missing.status).toBe(404);
    await expectError(thrown(pox('readResult', sourcedIds[`${course}/u1`]!).xml, { url: `${server.baseUrl}/nowhere/lti12/outcomes` }), {
      status: 404,
      code: 'not_found',
    });
    await expectError(
      thrown('score=1', { contentType: 'application/x-www-form-urlencoded', url: `${server.baseUrl}/nowhere/lti12/outcomes` }),
      {
        status: 404,
        code: 'not_found',
      },
    );
  });
});
