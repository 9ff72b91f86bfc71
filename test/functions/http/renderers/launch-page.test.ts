/** The launch page and the return to the LMS (LTI 1.1 IG §4.3) of `launchPage`. */
import { HttpError, LaunchError } from '../../../../functions/errors';
import { launchPage } from '../../../../functions/http/renderers/launch-page';
import { expectError } from '../../../fixtures/expect-error';

const cause = new Error('the store said: secret-cause-detail');
const missingNonce = () =>
  new LaunchError(400, 'missing_parameter', 'The launch is missing the parameter oauth_nonce.', 'oauth_nonce', 'a value used once', {
    cause,
  });

describe('launchPage', () => {
  it('shows the message, the parameter and what it is for, and a small line with the code; never the cause', async () => {
    const answer = launchPage(missingNonce(), {});
    expect(answer.statusCode).toBe(400);
    expect(answer.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.body).toContain('The launch is missing the parameter oauth_nonce.');
    expect(answer.body).toContain('What <code>oauth_nonce</code> is for: a value used once');
    expect(answer.body).toContain('<p><small>Error code: missing_parameter (oauth_nonce)</small></p>');
    expect(JSON.stringify(answer)).not.toContain('secret-cause-detail');
    await expectError(answer, { status: 400, code: 'missing_parameter', field: 'oauth_nonce' });
  });

  it('returns a verified launch to the LMS with lti_errormsg and lti_errorlog, code and field included', async () => {
    const answer = launchPage(missingNonce(), { returnUrl: 'https://lms.example/return?course=7' });
    expect(answer.statusCode).toBe(302);
    const location = new URL(String(answer.headers?.location));
    expect(location.searchParams.get('course')).toBe('7');
    expect(location.searchParams.get('lti_errormsg')).toBe('The launch is missing the parameter oauth_nonce.');
    expect(location.searchParams.get('lti_errorlog')).toBe('lti-bridge: missing_parameter (oauth_nonce)');
    expect(JSON.stringify(answer)).not.toContain('secret-cause-detail');
    await expectError(answer, { status: 302, code: 'missing_parameter', field: 'oauth_nonce' });
  });

  it('hides the message of an error that may not be shown, keeps its code, and never returns it to the LMS', async () => {
    const hidden = new HttpError(500, 'internal_error', 'connect ECONNREFUSED 10.0.0.7:8000', { cause });
    const answer = launchPage(hidden, { returnUrl: 'https://lms.example/return', cookies: ['state=; Max-Age=0'] });
    expect(answer.statusCode).toBe(500);
    expect(answer.body).toContain('<h1>Something went wrong</h1><p>Please try again later.</p>');
    expect(answer.body).not.toContain('ECONNREFUSED');
    expect(answer.body).not.toContain('secret-cause-detail');
    expect(answer.cookies).toEqual(['state=; Max-Age=0']);
    await expectError(answer, { status: 500, code: 'internal_error' });
  });

  it('escapes the code line', async () => {
    const answer = launchPage(new HttpError(400, 'invalid_claim', 'bad', { field: 'a<b>"c' }), {});
    expect(answer.body).toContain('Error code: invalid_claim (a&lt;b&gt;&quot;c)');
    await expectError(answer, { status: 400, code: 'invalid_claim', field: 'a<b>"c' });
  });
});
