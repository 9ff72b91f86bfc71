/**
 * The configuration of this process's Lambda function, parsed from its environment on first use
 * (once per cold start, never at import). The only reader of `process.env` in `functions/`: the
 * local server and the tests build their `Config` from their own settings instead.
 *
 * Apart from `./runtime.ts` so that the JWKS function, which needs only its configuration, bundles
 * no store.
 */
import { parseConfig, type Config } from '../config';

let cached: Config | undefined;

export function processConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
