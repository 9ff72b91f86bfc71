/**
 * What every launch into the academy does once its protocol checks have passed (docs/product.md
 * "Launch into the academy", steps 1-4), shared by LTI 1.2 and LTI 1.3: find or create the user,
 * enroll them, remember how to pass progress back, and hand a one-time single sign-on code to the
 * academy.
 */
import { randomToken, sha256Base64url } from '../crypto';
import { ConditionFailedError, HttpError, invalid } from '../errors';
import type { Clock, LaunchStore, PassbackBinding, SingleUseStore, SsoGrant, UserStore } from '../ports';
import type { Activity, Environment, User } from './model';

/** A single sign-on code works once, for 60 seconds. */
export const ssoLifetimeSeconds = 60;

export interface LaunchDeps {
  readonly users: UserStore;
  readonly launches: LaunchStore;
  readonly clock: Clock;
}

/** The person an LMS launched, as the launch describes them. */
export interface LaunchedPerson {
  readonly email: string;
  readonly givenName: string;
  readonly familyName: string;
}

export interface ValidatedLaunch {
  readonly environment: Environment;
  readonly activity: Activity;
  readonly version: '1.2' | '1.3';
  /** Which LMS: `lti12:{consumerKey}` or `lti13:{issuer}`. */
  readonly externalKey: string;
  /** The LMS's id of the user: LTI 1.2 `user_id`, LTI 1.3 `sub`. */
  readonly externalUserId: string;
  /** The user this external id mapped to before, from the launch's prefetch. */
  readonly knownUserId?: string;
  readonly person: LaunchedPerson;
  readonly roles: readonly string[];
  readonly returnUrl?: string;
  readonly binding?: PassbackBinding;
}

/**
 * Completes a validated launch and answers the URL to send the browser to: the environment's
 * academy URL with a one-time `code`.
 */
export async function completeLaunch(
  deps: LaunchDeps,
  launch: ValidatedLaunch,
): Promise<{ location: string; userId: string; created: boolean }> {
  const env = launch.environment.id;
  let userId = launch.knownUserId;
  let created = false;
  if (!userId) {
    const provisioned = await findOrCreateUser(deps, env, launch.person);
    userId = provisioned.user.id;
    created = provisioned.created;
    await deps.launches.linkExternalId(env, userId, launch.externalKey, launch.externalUserId);
  }
  const code = randomToken();
  const now = deps.clock.now();
  const grant: SsoGrant = {
    environmentId: env,
    userId,
    activityId: launch.activity.id,
    created,
    launch: { version: launch.version, roles: launch.roles, ...(launch.returnUrl ? { returnUrl: launch.returnUrl } : {}) },
  };
  await deps.launches.recordLaunch({
    grant,
    binding: launch.binding,
    codeHash: sha256Base64url(code),
    expiresAt: Math.floor(now / 1000) + ssoLifetimeSeconds,
    now,
  });
  const location = new URL(launch.environment.academyUrl);
  location.searchParams.set('code', code);
  return { location: location.toString(), userId, created };
}

/**
 * The id of a user that a launch creates: derived from the environment and the email, so that
 * concurrent first launches of one learner all try to create the same item and exactly one wins.
 */
export function launchUserId(environmentId: string, email: string): string {
  return 'u-' + sha256Base64url(`${environmentId}\n${email.toLowerCase()}`).slice(0, 22);
}

/** Finds the user by email (case-insensitively) or creates one; concurrent calls create one user. */
export async function findOrCreateUser(
  deps: Pick<LaunchDeps, 'users' | 'clock'>,
  environmentId: string,
  person: LaunchedPerson,
): Promise<{ user: User; created: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await deps.users.findByEmail(environmentId, person.email);
    if (existing) return { user: existing, created: false };
    const derived = launchUserId(environmentId, person.email);
    // The derived id is taken by a user whose email has changed since: use a random one.
    const id = attempt === 0 ? derived : `u-${randomToken(16)}`;
    const now = new Date(deps.clock.now()).toISOString();
    const user: User = { id, environmentId, ...person, externalIds: {}, createdAt: now, updatedAt: now };
    try {
      await deps.users.save(user, undefined);
      return { user, created: true };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      // Lost a race: another launch created this user (same id or same email) a moment ago.
      const winner = await deps.users.get(environmentId, derived);
      if (winner && winner.email.toLowerCase() === person.email.toLowerCase()) return { user: winner, created: false };
      await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
    }
  }
  throw new HttpError(503, 'busy', 'the user could not be provisioned; please launch again', { expose: true });
}

/** `POST …/sso/exchange {code}`: the grant of a code, once. */
export async function exchangeSso(
  deps: { readonly singleUse: SingleUseStore; readonly clock: Clock },
  environmentId: string,
  code: unknown,
): Promise<SsoGrant> {
  if (typeof code !== 'string' || code.trim() === '') throw invalid('code', 'code is required: the code the academy URL received');
  const grant = await deps.singleUse.consume('sso-code', environmentId, sha256Base64url(code.trim()), deps.clock.now());
  if (!grant)
    throw new HttpError(400, 'invalid_code', 'code is unknown, already used or expired (codes work once, for 60 seconds)', {
      field: 'code',
    });
  return grant;
}
