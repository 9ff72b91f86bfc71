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
import { lti12DeliveryTarget, lti12Score } from './tool-passback-target';
import type { Lti12Binding } from '../ports';
import { DeliveryError, type Deliverer } from '../academy/passback/deliverer';

export const lti12Deliverer: Deliverer<Lti12Binding> = {
  ...lti12DeliveryTarget,

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
