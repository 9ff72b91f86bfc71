/** The authorization endpoint's errors (OIDC Core §3.1.2.6) of `formPost`. */
import { AuthorizationError, HttpError } from '../../../../functions/errors';
import { formPost } from '../../../../functions/http/renderers/form-post';
import { expectError } from '../../../fixtures/expect-error';
import { readFormPost } from '../../../fixtures/lti13-tool';

const cause = new Error('secret-cause-detail');
const redirect = { uri: 'https://tool.example/launch', state: 's-1' };

describe('formPost', () => {
  it('posts error, error_description and state to the checked redirect URI, without the cause', async () => {
    const error = new AuthorizationError('invalid_request', 'The parameter nonce is missing.', { field: 'nonce', cause });
    const answer = formPost(error, { redirect });
    expect(answer.statusCode).toBe(200);
    expect(readFormPost(answer.body!)).toEqual({
      action: redirect.uri,
      fields: { error: 'invalid_request', error_description: 'The parameter nonce is missing.', state: 's-1' },
    });
    expect(answer.body).not.toContain('secret-cause-detail');
    await expectError(answer, { status: 200, code: 'invalid_request', field: 'nonce' });
  });

  it('shows the launch page until the redirect URI is checked, and for every other error', async () => {
    const unchecked = formPost(new AuthorizationError('invalid_request', 'The parameter nonce is missing.', { field: 'nonce', cause }), {});
    expect(unchecked.body).not.toContain('<form');
    expect(unchecked.body).not.toContain('secret-cause-detail');
    await expectError(unchecked, { status: 400, code: 'invalid_request', field: 'nonce' });
    const shown = formPost(new HttpError(400, 'invalid_request', 'The redirect_uri is not registered.', { field: 'redirect_uri' }), {
      redirect,
    });
    expect(shown.body).not.toContain('<form');
    await expectError(shown, { status: 400, code: 'invalid_request', field: 'redirect_uri' });
  });
});
