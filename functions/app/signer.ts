/**
 * The process's KMS signer, built once per cold start on first use. Apart from `./runtime.ts` so
 * that only the functions that sign or publish keys bundle the KMS client, and the JWKS function
 * bundles nothing else.
 */
import { kmsClient } from '../adapters/kms-client';
import { KmsSigner } from '../adapters/kms-signer';
import { config } from '../config';
import type { Signer } from '../ports';

let current: Signer | undefined;

export function signer(): Signer {
  current ??= new KmsSigner(kmsClient(config()), config().signingKeyIds);
  return current;
}
