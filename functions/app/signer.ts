/**
 * The KMS signer, for the functions that sign (the LTI 1.3 authorization endpoint, the passback
 * worker) and the local server. Apart from `./runtime.ts` so that only they bundle the KMS client:
 * the others' runtime keeps the signer that refuses.
 */
import { kmsClient } from '../adapters/kms-client';
import { KmsSigner } from '../adapters/kms-signer';
import type { Config } from '../config';
import type { Signer } from '../ports';

export function kmsSigner(config: Config): Signer {
  return new KmsSigner(kmsClient(config), config.signingKeyIds);
}
