/**
 * The academy as LTI 1.3 platform's OIDC authorization endpoint (`GET` and `POST
 * /{env}/lti13/authorize`): it signs the launch's id_token with the runtime's signer (KMS). The
 * token endpoint is its own function (`./lti13-token.ts`), which may not sign.
 */
import { lambda } from '../http/lambda';
import { formPost } from '../http/renderers/form-post';
import { authorize } from '../lti13/core/platform-authorize';
import type { Runtime, RuntimeParts } from '../app/runtime';

export function createHandler(rt: () => Runtime & Pick<RuntimeParts, 'signer'>) {
  return lambda(
    {
      'GET /{env}/lti13/authorize': (event) => authorize(rt(), event),
      'POST /{env}/lti13/authorize': (event) => authorize(rt(), event),
    },
    formPost,
  );
}
