/** Lambda: `GET /.well-known/jwks.json`, from the configuration alone (no store, no KMS client). */
import { processConfig } from '../app/config';
import { createHandler } from '../lambdas/jwks';

export const handler = createHandler(() => ({ config: processConfig() }));
