/**
 * The edge (`functions/http/lambda.ts`): errors become answers there and only there, by the
 * renderer the handler names, with what the endpoint declared for its errors; anything unexpected
 * is a generic 500 whose detail goes to the log only, and never the request with it.
 */
import { captureLogs, logLines } from '../../fixtures/log-capture';
import type { Context } from 'aws-lambda';
import { HttpError, LaunchError } from '../../../functions/errors';
import { renderErrorsWith } from '../../../functions/http/error-context';
import { lambda } from '../../../functions/http/lambda';
import { apiJson } from '../../../functions/http/renderers/api-json';
import { launchPage } from '../../../functions/http/renderers/launch-page';
import { oauthJson } from '../../../functions/http/renderers/oauth-json';
import type { ApiEvent, ApiResult, RouteHandler } from '../../../functions/http/types';
import { expectError } from '../../fixtures/expect-error';

const routeKey = 'POST /{env}/thing';

function event(): ApiEvent {
  return {
    version: '2.0',
    routeKey,
    rawPath: '/e/thing',
    rawQueryString: '',
    cookies: ['session=secret-cookie-value'],
    headers: { authorization: 'Bearer secret-token-value', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'client_secret=secret-body-value',
    isBase64Encoded: false,
    pathParameters: { env: 'e' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: '/e/thing', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'request-1',
      routeKey,
      stage: '$default',
      time: '01/Jan/2030:00:00:00 +0000',
      timeEpoch: 1893456000000,
    },
  };
}

async function call(route: RouteHandler, renderer: Parameters<typeof lambda>[1]): Promise<{ answer: ApiResult; log: string[] }> {
  const captured = captureLogs();
  try {
    const answer = (await lambda({ [routeKey]: route }, renderer)(event(), {} as Context)) as ApiResult;
    return { answer, log: logLines(captured).map((line) => JSON.stringify(line)) };
  } finally {
    captured.mockRestore();
  }
}

describe('the edge', () => {
  it('answers an unexpected error with a generic 500 in the declared format, the detail and its causes in the log only', async () => {
    const route: RouteHandler = async () => {
      throw new TypeError('cannot read x of undefined', { cause: new Error('the root cause') });
    };
    const json = await call(route, apiJson);
    expect(json.answer.statusCode).toBe(500);
    expect(JSON.parse(json.answer.body!)).toEqual({ error: 'internal_error', message: 'internal error' });
    expect(json.log).toHaveLength(1);
    expect(JSON.parse(json.log[0]!)).toMatchObject({
      level: 'ERROR',
      message: 'unhandled error',
      error: { name: 'TypeError', message: 'cannot read x of undefined', cause: { name: 'Error', message: 'the root cause' } },
    });
    for (const secret of ['secret-cookie-value', 'secret-token-value', 'secret-body-value']) expect(json.log[0]).not.toContain(secret);

    const page = await call(route, launchPage);
    expect(page.answer.body).not.toContain('cannot read x');
    await expectError(page.answer, { status: 500, code: 'internal_error' });
    const oauth = await call(route, oauthJson);
    await expectError(oauth.answer, { status: 500, code: 'internal_error' });
  });

  it('answers an HttpError as it is, without logging a 4xx; its headers go with any format', async () => {
    const route: RouteHandler = async () => {
      throw new HttpError(405, 'method_not_allowed', 'not this one', { field: 'method', headers: { allow: 'GET, PUT' } });
    };
    const { answer, log } = await call(route, apiJson);
    expect(answer.headers?.allow).toBe('GET, PUT');
    await expectError(answer, { status: 405, code: 'method_not_allowed', field: 'method' });
    expect(log).toEqual([]);
  });

  it('logs a 5xx it shows, with its cause', async () => {
    const route: RouteHandler = async () => {
      throw new HttpError(503, 'busy', 'please launch again', { expose: true, cause: new Error('lost five races') });
    };
    const { answer, log } = await call(route, launchPage);
    expect(answer.body).toContain('please launch again');
    expect(JSON.parse(log[0]!)).toMatchObject({
      message: 'answered 503 busy',
      error: { message: 'please launch again', cause: { message: 'lost five races' } },
    });
  });

  it('renders with the context the endpoint declared, as its state was when it threw', async () => {
    const route: RouteHandler = async (e) => {
      const state = { verified: false };
      renderErrorsWith(e, () => ({ returnUrl: state.verified ? 'https://lms.example/return' : undefined }));
      state.verified = true;
      throw new LaunchError(400, 'missing_parameter', 'The launch is missing the parameter user_id.', 'user_id');
    };
    const { answer } = await call(route, launchPage);
    expect(answer.statusCode).toBe(302);
    await expectError(answer, { status: 302, code: 'missing_parameter', field: 'user_id' });
  });

  it('answers an unknown route key with a 404', async () => {
    const answer = (await lambda({}, apiJson)(event(), {} as Context)) as ApiResult;
    await expectError(answer, { status: 404, code: 'not_found' });
  });
});
