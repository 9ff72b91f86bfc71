/** Secrets at rest: sealed where they are stored, opened only where they sign or verify. */

/**
 * What a sealed secret is bound to (KMS's encryption context): it opens only in the same context,
 * so a ciphertext copied to another record does not open there. Names and values are not secret:
 * KMS logs them in CloudTrail.
 */
export type SecretContext = Readonly<Record<string, string>>;

/**
 * Seals and opens secrets with a key that never leaves KMS (docs/security.md "LTI 1.2 secrets at
 * rest"). The functions that store secrets may only seal, those that sign or verify with them may
 * only open (their grants in `functions/routes.ts`).
 */
export interface SecretBox {
  /** The ciphertext of `plaintext` (base64), bound to `context`. */
  seal(plaintext: string, context: SecretContext): Promise<string>;
  /**
   * The plaintext of `sealed`. Throws an `UnreadableSecretError` when `sealed` is not a ciphertext
   * of this key in this `context` (copied from another record, altered, or sealed by another key).
   */
  open(sealed: string, context: SecretContext): Promise<string>;
}
