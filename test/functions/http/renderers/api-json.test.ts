/** The JSON error answers of the admin API, AGS and the key set (`apiJson`). */
import { HttpError } from '../../../../functions/errors';
import { apiJson } from '../../../../functions/http/renderers/api-json';
import { expectError } from '../../../fixtures/expect-error';

describe('apiJson', () => {
  it('answers {error, message, field} with the safe detail, without the cause', async () => {
    const cause = new Error('ConditionalCheckFailedException: secret-cause-detail');
    const error = new HttpError(409, 'conflict', 'the tool is used by activities', { field: 'id', cause, detail: { activities: ['a-1'] } });
    const answer = apiJson(error, {});
    expect(answer.statusCode).toBe(409);
    expect(JSON.parse(answer.body!)).toEqual({
      error: 'conflict',
      message: 'the tool is used by activities',
      field: 'id',
      activities: ['a-1'],
    });
    expect(answer.body).not.toContain('secret-cause-detail');
    await expectError(answer, { status: 409, code: 'conflict', field: 'id' });
  });

  it('carries the RFC 6750 §3 Bearer challenge of a token error', async () => {
    const answer = apiJson(
      new HttpError(401, 'invalid_token', 'the access token is "unknown"', { field: 'authorization', challenge: 'Bearer' }),
      {},
    );
    expect(answer.headers?.['www-authenticate']).toBe('Bearer error="invalid_token", error_description="the access token is unknown"');
    await expectError(answer, { status: 401, code: 'invalid_token', field: 'authorization' });
  });

  it('hides the message, field and detail of an error that may not be shown, and keeps its code', async () => {
    const answer = apiJson(
      new HttpError(500, 'misconfigured', 'no AWS credentials in the environment', { field: 'x', detail: { y: 1 } }),
      {},
    );
    expect(JSON.parse(answer.body!)).toEqual({ error: 'misconfigured', message: 'internal error' });
    await expectError(answer, { status: 500, code: 'misconfigured' });
  });
});
