/** Lambda: the academy as LTI 1.3 platform's OIDC authorization endpoint. It signs id_tokens (KMS). */
import { createHandler } from '../lambdas/lti13-platform';
import { processRuntime } from '../app/runtime';
import { kmsSigner } from '../app/signer';

export const handler = createHandler(processRuntime((config) => ({ signer: kmsSigner(config) })));
