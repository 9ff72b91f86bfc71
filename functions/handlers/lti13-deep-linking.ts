/** Lambda: the academy as LTI 1.3 tool's deep linking picker. It signs the deep linking response (KMS). */
import { createHandler } from '../lambdas/lti13-deep-linking';
import { processRuntime } from '../app/runtime';
import { kmsSigner } from '../app/signer';

export const handler = createHandler(processRuntime((config) => ({ signer: kmsSigner(config) })));
