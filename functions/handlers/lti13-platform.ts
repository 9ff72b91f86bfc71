/**
 * Lambda: the academy as LTI 1.3 platform's OIDC authorization endpoint (`GET` and `POST
 * /{env}/lti13/authorize`): it signs the launch's id_token with KMS. The token endpoint is its own
 * function (`lti13-token.ts`), which may not sign.
 */
import { lambda } from '../http/lambda';
import { authorize } from '../platform/authorize';
import { runtime } from '../runtime';
import { signer } from '../signer-runtime';

const deps = () => ({ ...runtime(), signer: signer() });

export const handler = lambda(
  {
    'GET /{env}/lti13/authorize': (event) => authorize(deps(), event),
    'POST /{env}/lti13/authorize': (event) => authorize(deps(), event),
  },
  'html',
);
