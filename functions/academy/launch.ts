/**
 * What every launch into the academy does once its protocol checks have passed (docs/product.md
 * "Launch into the academy", steps 1-4), shared by LTI 1.2 and LTI 1.3: find or create the user,
 * enroll them, remember how to pass progress back, and hand a one-time single sign-on code to the
 * academy.
 */
import { count, log } from '../observability';
import { randomToken, sha256Base64url } from '../crypto';
import { ConditionFailedError, HttpError, invalid, LaunchError } from '../errors';
import type { Clock, LaunchStore, PassbackBinding, RosterSource, SingleUseStore, SsoGrant, UserStore } from '../ports';
import { linkDecision, type AccountLinking, type LaunchIdentity, type LinkDecision } from './identity';
import type { Activity, Environment, User } from './model';

/** A single sign-on code works once, for 60 seconds. */
export const ssoLifetimeSeconds = 60;

export interface LaunchDeps {
  readonly users: UserStore;
  readonly launches: LaunchStore;
  readonly clock: Clock;
}

/** The person an LMS launched, as the launch describes them (names already fallen back). */
export interface LaunchedPerson {
  /** Needed only to create or link an account: a learner already known by external id launches without one. */
  readonly email?: string;
  readonly givenName: string;
  readonly familyName: string;
}

export interface ValidatedLaunch {
  readonly environment: Environment;
  readonly activity: Activity;
  readonly version: '1.2' | '1.3';
  /** Who the LMS says the learner is: its id under this registration's key, and other ids of the same learner. */
  readonly identity: LaunchIdentity;
  /** The user the identity's ids mapped to before, from the launch's prefetch. */
  readonly knownUserId?: string;
  /**
   * Whether that user was found by one of the identity's aliases (the LTI 1.1 id of a verified
   * `lti1p1` claim) and not by its own id: the launch then links its own id, so that the next launch
   * finds the account without the alias (an LMS stops sending `lti1p1` once its LTI 1.1 tool is gone).
   */
  readonly knownByAlias?: boolean;
  /** Whether an existing account may be linked by email (the platform's or activity's, else the environment's). */
  readonly accountLinking: AccountLinking;
  /** The LMS, as the learner and its administrator know it, for the page that refuses a link. */
  readonly lmsName: string;
  /** The launch parameter (LTI 1.x) or claim (LTI 1.3) of the email, named when it is missing. */
  readonly emailParameter: { readonly name: string; readonly purpose: string; readonly kind: 'parameter' | 'claim' };
  readonly person: LaunchedPerson;
  readonly roles: readonly string[];
  readonly returnUrl?: string;
  readonly binding?: PassbackBinding;
  /** Where the roster of the launch's context can be read (LTI 1.3 NRPS), remembered for roster syncs. */
  readonly rosterSource?: RosterSource;
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
    const provisioned = await findOrCreateUser(deps, launch);
    userId = provisioned.user.id;
    created = provisioned.created;
    await deps.launches.linkExternalId(env, userId, launch.identity);
  } else if (launch.knownByAlias) {
    await deps.launches.linkExternalId(env, userId, launch.identity);
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
    ...(launch.rosterSource ? { rosterSource: launch.rosterSource } : {}),
    codeHash: sha256Base64url(code),
    expiresAt: Math.floor(now / 1000) + ssoLifetimeSeconds,
    now,
  });
  const location = new URL(launch.environment.academyUrl);
  location.searchParams.set('code', code);
  count('LaunchAccepted', { side: 'tool', version: launch.version });
  return { location: location.toString(), userId, created };
}

/** What the learner reads when the account of their email may not be linked, by reason. */
const refusals: Record<LinkRefusal, string> = {
  'linked-to-another-id': 'that account is already linked to another user of this LMS',
  'not-linkable': 'that account is not allowed to be signed in from another system',
  'policy-never': 'this academy does not link accounts from this LMS by email',
  'domain-not-allowed': "this academy links accounts from this LMS by email only for some email domains, and not this email's",
};

function refuseLink(launch: ValidatedLaunch, user: User, reason: keyof typeof refusals): LaunchError {
  // No email nor name: the reason, the account and the registration are what an administrator needs.
  log.warn('account link refused', {
    code: 'account_link_refused',
    reason,
    environmentId: launch.environment.id,
    userId: user.id,
    externalKey: launch.identity.key,
  });

  return new LaunchError(
    403,
    'account_link_refused',
    `An academy account with your email address already exists, but ${refusals[reason]}, so you cannot be signed in to it from ` +
      `${launch.lmsName}. Nothing was created. Please ask the administrator of ${launch.environment.name} to link your account, ` +
      'or to change the account linking settings.',
    launch.emailParameter.name,
  );
}

/** A launch that keeps losing the race for an email gives up after about two seconds. */
const creationTries = 8;

/** Why an existing account found by email may not be used (`./identity.ts` `linkDecision`). */
export type LinkRefusal = Extract<LinkDecision, { allowed: false }>['reason'];

/** Who to find or create: a launch's learner, or a roster's (`./roster.ts`). */
export interface Provisioning {
  readonly environmentId: string;
  readonly identity: LaunchIdentity;
  readonly accountLinking: AccountLinking;
  readonly person: LaunchedPerson & { readonly email: string };
}

/** The account, found or created; or the account of the email, which may not be linked, and why. */
export type Provisioned =
  | { readonly user: User; readonly created: boolean; readonly refused?: undefined }
  | { readonly user: User; readonly refused: LinkRefusal };

/**
 * Finds the learner's account by email, when the linking policy allows it (`./identity.ts`), or
 * creates one with a random id; concurrent first launches (or a launch and a roster sync) of one
 * learner create exactly one user, because the email is claimed by one conditional write and the
 * new account already holds the learner's id, so the one that lost the race recognises it.
 */
export async function provisionUser(deps: Pick<LaunchDeps, 'users' | 'clock'>, request: Provisioning): Promise<Provisioned> {
  const { environmentId, identity } = request;
  const { email, givenName, familyName } = request.person;
  for (let attempt = 0; attempt < creationTries; attempt++) {
    const existing = await deps.users.findByEmail(environmentId, email);
    if (existing) {
      const decision = linkDecision(existing, identity, request.accountLinking);
      return decision.allowed ? { user: existing, created: false } : { user: existing, refused: decision.reason };
    }
    const now = new Date(deps.clock.now()).toISOString();
    const user: User = {
      id: newUserId(),
      environmentId,
      email,
      givenName,
      familyName,
      externalIds: { [identity.key]: identity.userId },
      createdAt: now,
      updatedAt: now,
    };
    try {
      await deps.users.save(user, undefined);
      return { user, created: true };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      // Lost a race: another launch claimed this email a moment ago; its account appears once written.
      await new Promise((resolve) => setTimeout(resolve, Math.min(400, 25 * 2 ** attempt)));
    }
  }
  throw new HttpError(503, 'busy', 'the user could not be provisioned; please launch again', { expose: true });
}

/** A launch's learner, found or created (`provisionUser`); a launch without an email, or whose account may not be linked, is refused. */
export async function findOrCreateUser(
  deps: Pick<LaunchDeps, 'users' | 'clock'>,
  launch: ValidatedLaunch,
): Promise<{ user: User; created: boolean }> {
  const { email } = launch.person;
  if (!email) {
    const { name, purpose, kind } = launch.emailParameter;
    throw new LaunchError(
      400,
      kind === 'claim' ? 'missing_claim' : 'missing_parameter',
      `The launch is missing the ${kind} ${name}.`,
      name,
      purpose,
    );
  }
  const provisioned = await provisionUser(deps, {
    environmentId: launch.environment.id,
    identity: launch.identity,
    accountLinking: launch.accountLinking,
    person: { ...launch.person, email },
  });
  if (provisioned.refused) throw refuseLink(launch, provisioned.user, provisioned.refused);
  return { user: provisioned.user, created: provisioned.created };
}

/** A new user's id: random, so that it says nothing about the email (unlike an id derived from it). */
export function newUserId(): string {
  return `u-${randomToken(16)}`;
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
