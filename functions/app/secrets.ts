/**
 * The secret box of the functions that seal or open LTI 1.2 secrets (docs/security.md "LTI 1.2
 * secrets at rest"): KMS `Encrypt` and `Decrypt` with the secrets key. Apart from `./runtime.ts` so
 * that only they bundle the KMS client. The admin API, which only seals, does so without the client
 * (`./admin-aws.ts`).
 */
import { kmsClient } from '../adapters/kms-client';
import { KmsSecretBox } from '../adapters/kms-secret-box';
import type { Config } from '../config';
import type { SecretBox } from '../ports';

/** Seals and opens: the functions that sign or verify with LTI 1.2 secrets (`secrets:open`), and the local server. */
export function kmsSecretBox(config: Config): SecretBox {
  return new KmsSecretBox(kmsClient(config), config.secretsKeyId);
}
