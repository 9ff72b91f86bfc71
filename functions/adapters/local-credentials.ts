/**
 * The credentials of an SDK client that talks to a local endpoint (the embedded store, the local
 * KMS endpoint), which ignores them: the configuration's (the local server's fixed pair), so that
 * the SDK looks for none in the environment, profiles or instance metadata. A copy, since the SDK
 * writes into the object it is given and a `Config` is frozen. `undefined` (the SDK's own lookup)
 * when the configuration has none.
 */
import type { Config } from '../config';

export function localCredentials(config: Pick<Config, 'awsCredentials'>): Config['awsCredentials'] {
  return config.awsCredentials && { ...config.awsCredentials };
}
