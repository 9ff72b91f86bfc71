/**
 * Lambda: the academy as LTI 1.3 tool: OIDC login, launches, and the activities' resource URLs. It
 * opens an LTI 1.2 secret (KMS) to verify a launch's `lti1p1` migration claim.
 */
import { createHandler } from '../lambdas/lti13-tool';
import { processRuntime } from '../app/runtime';
import { kmsSecretBox } from '../app/secrets';

export const handler = createHandler(processRuntime((config) => ({ secrets: kmsSecretBox(config) })));
