/** RFC 6749 §5.2 error answers of `oauthJson`. */
import { HttpError } from '../../../../functions/errors';
import { oauthJson } from '../../../../functions/http/renderers/oauth-json';
import { expectError } from '../../../fixtures/expect-error';

describe('oauthJson', () => {
  it('answers {error, error_description} only, never cached, without the cause', async () => {
    const cause = new Error('JWSSignatureVerificationFailed: secret-cause-detail');
    const error = new HttpError(401, 'invalid_client', 'The client_assertion signature does not verify with the tool\'s "key".', {
      field: 'client_assertion',
      cause,
    });
    const answer = oauthJson(error, {});
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body!)).toEqual({
      error: 'invalid_client',
      error_description: "The client_assertion signature does not verify with the tool's key.",
    });
    expect(answer.headers).toMatchObject({ 'cache-control': 'no-store', pragma: 'no-cache' });
    expect(answer.body).not.toContain('secret-cause-detail');
    await expectError(answer, { status: 401, code: 'invalid_client', field: 'client_assertion' });
  });

  it('hides the message of a 5xx', async () => {
    const answer = oauthJson(new HttpError(500, 'internal_error', 'table lti-bridge-data is gone'), {});
    expect(JSON.parse(answer.body!)).toEqual({ error: 'internal_error', error_description: 'internal error' });
  });
});
