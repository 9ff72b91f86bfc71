/**
 * Who a launched learner is (docs/product.md "Who is who at a launch"): the keys under which an
 * LMS's ids of its learners are stored, and whether a launch may link an existing academy account
 * found by email.
 *
 * An external key names the registration an id belongs to, so that no registration reaches the
 * learners of another by sending their ids: LTI 1.3 the platform's issuer and the academy's client id
 * there (several platforms share an issuer: Canvas cloud, Blackboard SaaS, Schoology), LTI 1.2 the
 * consumer key and, when sent, the LMS's `tool_consumer_instance_guid`. Every part is
 * percent-encoded (`encodeURIComponent`), so a part never contains the `|` between parts nor the `#`
 * of DynamoDB keys: an issuer or an id holding a separator cannot collide with another.
 */
import type { AccountLinking, ExternalId, User } from './model';

export type { AccountLinking, ExternalId } from './model';

const part = (value: string) => encodeURIComponent(value);

/** The key of an LMS's ids of its learners: one per platform registration or LTI 1.2 credential. */
export const externalKeys = {
  lti13: (issuer: string, clientId: string) => `lti13|${part(issuer)}|${part(clientId)}`,
  lti12: (consumerKey: string, instanceGuid?: string) =>
    instanceGuid ? `lti12|${part(consumerKey)}|${part(instanceGuid)}` : `lti12|${part(consumerKey)}`,
  /** Before registrations keyed them, ids were stored per issuer or per consumer key (`lti13:{issuer}`). */
  legacyLti13: (issuer: string) => `lti13:${issuer}`,
  legacyLti12: (consumerKey: string) => `lti12:${consumerKey}`,
};

/**
 * Who a launch says the learner is: the id under this registration's key, and other ids that name
 * the same learner (the same id stored under its key from before registrations; for an LTI 1.3
 * launch with a verified `lti1p1` claim, the learner's LTI 1.x id).
 */
export interface LaunchIdentity extends ExternalId {
  readonly aliases: readonly ExternalId[];
}

export const defaultAccountLinking: AccountLinking = { byEmail: 'always' };

/** The policy of a launch: the platform's or activity's own, else the environment's, else `always`. */
export function effectiveAccountLinking(...policies: (AccountLinking | undefined)[]): AccountLinking {
  return policies.find((policy) => policy !== undefined) ?? defaultAccountLinking;
}

/** Why an existing account may or may not be used for a launch, as logged. */
export type LinkDecision =
  | { readonly allowed: true; readonly reason: 'recognised' | 'linked-by-email' }
  | {
      readonly allowed: false;
      readonly reason: 'linked-to-another-id' | 'not-linkable' | 'policy-never' | 'domain-not-allowed';
    };

/**
 * Whether the account that holds a launch's email may be used for it. An account that already
 * holds one of the launch's ids is the learner's own (recognised, whatever the policy). Otherwise it
 * is a link by email, refused for an account that holds another id of this registration (never
 * re-linked), an account marked `ltiLinkable: false` (staff, administrators), or as the policy says.
 */
export function linkDecision(user: User, identity: LaunchIdentity, policy: AccountLinking): LinkDecision {
  const holds = ({ key, userId }: ExternalId) => user.externalIds[key] === userId;
  if (holds(identity) || identity.aliases.some(holds)) return { allowed: true, reason: 'recognised' };
  if (user.externalIds[identity.key] !== undefined) return { allowed: false, reason: 'linked-to-another-id' };
  if (user.ltiLinkable === false) return { allowed: false, reason: 'not-linkable' };
  if (policy.byEmail === 'never') return { allowed: false, reason: 'policy-never' };
  if (policy.byEmail === 'domains') {
    const emailDomain = user.email.slice(user.email.lastIndexOf('@') + 1).toLowerCase();
    if (!policy.domains?.includes(emailDomain)) return { allowed: false, reason: 'domain-not-allowed' };
  }
  return { allowed: true, reason: 'linked-by-email' };
}
