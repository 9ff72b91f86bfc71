/** The Basic Outcomes failure answers (LTI 1.1 IG §6) of `pox`. */
import { HttpError, OutcomeError } from '../../../../functions/errors';
import { pox } from '../../../../functions/http/renderers/pox';
import { parsePoxResponse } from '../../../../functions/lti12/pox';

const echo = { messageRefIdentifier: 'm-1', operation: 'replaceResult' };

describe('pox', () => {
  it('answers a POX failure with the status, the description and the request echoed, without the cause', () => {
    const cause = new Error('secret-cause-detail');
    const error = new OutcomeError(401, 'unauthorized', 'oauth_nonce was already used.', { field: 'oauth_nonce', cause });
    const answer = pox(error, { pox: echo });
    expect(answer.statusCode).toBe(401);
    expect(answer.headers).toMatchObject({ 'content-type': 'application/xml; charset=utf-8', 'www-authenticate': 'OAuth' });
    expect(parsePoxResponse(answer.body!)).toEqual({
      codeMajor: 'failure',
      severity: 'error',
      description: 'oauth_nonce was already used.',
      messageRefIdentifier: 'm-1',
      operationRefIdentifier: 'replaceResult',
    });
    expect(answer.body).not.toContain('secret-cause-detail');
    // The POX format has no place for the code (imsx_codeMinor takes a closed IMS vocabulary).
    expect(answer.body).not.toContain('unauthorized');
  });

  it('answers unsupported with severity status, and a hidden message as "internal error"', () => {
    const unsupported = pox(
      new OutcomeError(200, 'unsupported_operation', 'smurfRequest is not supported.', { codeMajor: 'unsupported' }),
      {},
    );
    expect(parsePoxResponse(unsupported.body!)).toMatchObject({ codeMajor: 'unsupported', severity: 'status', messageRefIdentifier: '' });
    const hidden = pox(new HttpError(500, 'internal_error', 'ProvisionedThroughputExceededException'), { pox: echo });
    expect(hidden.statusCode).toBe(500);
    expect(parsePoxResponse(hidden.body!)).toMatchObject({ codeMajor: 'failure', description: 'internal error' });
  });
});
