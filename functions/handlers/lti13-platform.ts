/**
 * Lambda: the academy as LTI 1.3 platform's OIDC authorization endpoint (`GET` and `POST
 * /{env}/lti13/authorize`): it signs the launch's id_token with KMS. The token endpoint is its own
 * function (`lti13-token.ts`), which may not sign.
 */
import { lambda } from '../http/lambda';
import { authorize } from '../lti13/core/platform-authorize';
import { runtime } from '../app/runtime';
import { signer } from '../app/signer';

const deps = () => ({ ...runtime(), signer: signer() });

export const handler = lambda(
  {
    'GET /{env}/lti13/authorize': (event) => authorize(deps(), event),
    'POST /{env}/lti13/authorize': (event) => authorize(deps(), event),
  },
  'form-post',
);
