/** Lambda: the roster sync of the admin API. It signs client assertions for platforms' access tokens (KMS). */
import { createHandler } from '../lambdas/roster-sync';
import { processRuntime } from '../app/runtime';
import { kmsSigner } from '../app/signer';

export const handler = createHandler(processRuntime((config) => ({ signer: kmsSigner(config) })));
