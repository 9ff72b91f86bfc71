/**
 * An LMS's move from LTI 1.1 to LTI 1.3 (1EdTech "LTI 1.3 migration from LTI 1.1": the `lti1p1`
 * claim). A platform that launched the academy over LTI 1.1 sends, in its LTI 1.3 launches, the
 * learner's LTI 1.1 `user_id` and the consumer key, with `oauth_consumer_key_sign`: the base64
 * HMAC-SHA256, keyed with that consumer key's secret, of
 * `oauth_consumer_key & deployment_id & iss & client_id & exp & nonce` (the values of this id_token).
 * Only a valid signature proves that the platform holds the LTI 1.1 secret, and so that the LTI 1.1
 * id is its own: the account the 1.1 launches created is then found by it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { lti12CredentialsOf } from '../../academy/credentials';
import { externalKeys, type ExternalId } from '../../academy/identity';
import { verifyingSecrets, type SecretDeps } from '../../academy/lti12-secrets';
import type { Activity } from '../../academy/model';
import { claims } from './claims';

/** What verifying the claim needs: the key's secrets are opened, and a rotated one verifies until its overlap ends. */
export type Lti1p1Deps = SecretDeps;

/** The LTI 1.1 identity a launch claims, before it is verified. */
export interface Lti1p1Identity {
  readonly consumerKey: string;
  readonly userId: string;
  readonly signature: string;
}

/** The `lti1p1` claim's identity, when it has one. */
export function lti1p1Identity(claimSet: JWTPayload): Lti1p1Identity | undefined {
  const claim = claimSet[claims.lti1p1] as Record<string, unknown> | undefined;
  if (typeof claim !== 'object' || claim === null) return undefined;
  const { oauth_consumer_key: consumerKey, user_id: userId, oauth_consumer_key_sign: signature } = claim;
  if (typeof consumerKey !== 'string' || typeof userId !== 'string' || typeof signature !== 'string') return undefined;
  if (!consumerKey || !userId.trim() || !signature) return undefined;
  return { consumerKey, userId: userId.trim(), signature };
}

/** The `guid` of the `tool_platform` claim: the LMS instance, as LTI 1.1 `tool_consumer_instance_guid` named it. */
function platformGuid(claimSet: JWTPayload): string | undefined {
  const platform = claimSet[claims.toolPlatform] as { guid?: unknown } | undefined;
  return typeof platform?.guid === 'string' && platform.guid.trim() ? platform.guid.trim() : undefined;
}

/**
 * The keys the LTI 1.1 launches stored this learner under: with the instance guid when the LMS sent
 * one, without it, and the form from before registrations keyed ids (`lti12:{key}`).
 */
export function lti1p1ExternalIds(claimSet: JWTPayload, identity: Lti1p1Identity): ExternalId[] {
  const guid = platformGuid(claimSet);
  const keys = [
    ...(guid ? [externalKeys.lti12(identity.consumerKey, guid)] : []),
    externalKeys.lti12(identity.consumerKey),
    externalKeys.legacyLti12(identity.consumerKey),
  ];
  return keys.map((key) => ({ key, userId: identity.userId }));
}

/** The base string of `oauth_consumer_key_sign`, from the verified id_token. */
function signatureBase(claimSet: JWTPayload, identity: Lti1p1Identity, clientId: string): string {
  return [identity.consumerKey, claimSet[claims.deploymentId], claimSet.iss, clientId, claimSet.exp, claimSet.nonce].map(String).join('&');
}

/**
 * Whether the claim's signature is valid with a secret of its consumer key among the activity's
 * LTI 1.2 credentials (a key that is not the activity's proves nothing here): the current secret,
 * or the one a rotation replaced while it still verifies LTI 1.1 launches.
 */
export async function lti1p1Verified(
  deps: Lti1p1Deps,
  claimSet: JWTPayload,
  identity: Lti1p1Identity,
  clientId: string,
  activity: Activity,
): Promise<boolean> {
  const credential = lti12CredentialsOf(activity).find((candidate) => candidate.key === identity.consumerKey);
  if (!credential) return false;
  const base = signatureBase(claimSet, identity, clientId);
  const given = Buffer.from(identity.signature, 'base64');
  return (await verifyingSecrets(deps, activity, credential)).some(({ value }) => {
    const expected = createHmac('sha256', value).update(base).digest();
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
