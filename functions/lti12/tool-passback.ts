/**
 * Progress back to an LMS that launched the activity with LTI 1.2 (docs/product.md "Progress back to the
 * LMS"): a Basic Outcomes `replaceResult` to the launch's `lis_outcome_service_url` for its
 * `lis_result_sourcedid`, signed with the activity's LTI 1.2 key and secret (LTI 1.1 IG §6): the
 * secret the LMS last launched with, during a rotation's overlap (docs/security.md "LTI 1.2 secrets
 * at rest").
 */
import { lti12CredentialsOf } from '../academy/credentials';
import { passbackSecret } from '../academy/lti12-secrets';
import { UnreadableSecretError } from '../errors';
import { randomBytes, randomUUID } from 'node:crypto';
import { ToolOutcomeError, sendReplaceResult } from './tool-outcomes-client';
import type { Lti12Binding } from '../ports';
import { DeliveryError, type Deliverer } from '../academy/passback/deliverer';
import type { Progress } from '../academy/model';

/**
 * The `resultScore/textString` for a progress (IG §6.1.1: a decimal 0.0 … 1.0), or undefined when
 * LTI 1.2 has nothing to say about it:
 *
 * - `completed`, `passed`, `failed` with a score: score / 100 (85 → "0.85"), to four decimals;
 * - `completed` or `passed` without a score: "1.0" (done, and nothing was held back);
 * - `failed` without a score: "0.0" (Basic Outcomes has no status, only a score, and a failure
 *   reported as full marks would be worse than one reported as none);
 * - `not-attempted`, `in-progress`: nothing. Basic Outcomes cannot say "started", and a score sent
 *   while the learner is still working would show in the LMS's gradebook as a final result.
 */
export function lti12Score(progress: Pick<Progress, 'status' | 'score'>): string | undefined {
  if (progress.status === 'not-attempted' || progress.status === 'in-progress') return undefined;
  const fraction = progress.score !== undefined ? progress.score / 100 : progress.status === 'failed' ? 0 : 1;
  const text = String(Number(Math.min(1, Math.max(0, fraction)).toFixed(4)));
  return text.includes('.') ? text : `${text}.0`;
}

export const lti12Deliverer: Deliverer<Lti12Binding> = {
  target: (binding) => binding.serviceUrl,

  carries: (progress) => lti12Score(progress) !== undefined,

  async deliver({ binding, progress, activity }, deps) {
    // The LMS verifies the result with the secret of the key it launched with: the activity's own or one issued for it.
    const credentials = lti12CredentialsOf(activity).find((credential) => credential.key === binding.consumerKey);
    if (!credentials) {
      throw new DeliveryError(
        `the LMS launched with the LTI 1.2 key ${binding.consumerKey}, which is no longer a key of this activity (revoked, or LTI turned off), so the result cannot be signed; the learner must launch again`,
        false,
      );
    }
    const score = lti12Score(progress);
    if (score === undefined) throw new DeliveryError(`LTI 1.2 cannot pass back the status ${progress.status}`, false);
    const secret = await passbackSecret(deps, activity, credentials, binding.secretIssuedAt).catch((error: unknown) => {
      if (!(error instanceof UnreadableSecretError)) throw error;
      // The stored record was altered: no attempt will sign until an administrator rotates the secret.
      throw new DeliveryError(
        `the secret of the LTI 1.2 key ${binding.consumerKey} cannot be opened (its stored record was altered or copied); rotate the key's secret`,
        false,
      );
    });
    try {
      await sendReplaceResult(deps.http, {
        serviceUrl: binding.serviceUrl,
        consumerKey: credentials.key,
        consumerSecret: secret,
        sourcedId: binding.sourcedId,
        score,
        messageId: randomUUID(),
        nonce: randomBytes(16).toString('hex'),
        timestamp: Math.floor(deps.clock.now() / 1000),
      });
    } catch (error) {
      if (error instanceof ToolOutcomeError) throw new DeliveryError(error.message, error.retryable, error.retryAfterSeconds);
      throw error;
    }
  },
};
