/**
 * `POST /{env}/lti13/launch`: the authentication response of an LTI 1.3 launch (Security 1.0
 * §5.1.1.3 and §5.1.3; LTI Core 1.3 §5). The checks run in the order listed in `checks`, each a
 * small function that throws a `LaunchError`; then the launch is completed like every other
 * (`academy/launch.ts`).
 *
 * Single use: the state is consumed by one conditional delete, and the nonce the id_token must carry
 * is the one stored in that state and nowhere else, so a nonce is accepted at most once without a
 * write of its own. Together with one BatchGetItem (environment, platform, activity, external id)
 * and the launch's one BatchWriteItem, a returning learner's launch costs three DynamoDB requests,
 * and no KMS request.
 */
import type { JWTPayload } from 'jose';
import type { Activity, Environment, Platform } from '../../academy/model';
import { completeLaunch, type LaunchDeps } from '../../academy/launch';
import type { Config } from '../../config';
import { sha256Base64url } from '../../crypto';
import { LaunchError } from '../../errors';
import { renderErrorsWith } from '../../http/error-context';
import { cookie, formFields, pathParam } from '../../http/request';
import { redirect } from '../../http/responses';
import type { ApiEvent, ApiResult } from '../../http/types';
import { ltiDisabled, missing } from '../../lti/errors';
import type { Lti13Binding, Lti13LaunchStore, OidcState, SingleUseStore } from '../../ports';
import { agsEndpointClaim, agsScopes } from '../ags/vocabulary';
import { claims, ltiVersion, messageTypes } from './claims';
import type { UnverifiedJwt } from './jwt';
import { checkHeader, idTokenPurpose, readIdToken, verifyIdToken } from './tool-id-token';
import { KeySetError, type PlatformKeySets } from './key-sets';
import { normalizeRoles } from './tool-roles';
import { clearedStateCookie, cookieMatches, stateCookieName, stateLifetimeSeconds } from './tool-state';

/** What each launch parameter and claim is for, shown when it is missing or wrong. */
export const purposes = {
  id_token: idTokenPurpose,
  state: 'the value that ties the launch to the login the platform started in this browser',
  [claims.messageType]: 'the kind of LTI message; it must be LtiResourceLinkRequest',
  [claims.version]: 'the LTI version; it must be 1.3.0',
  [claims.deploymentId]: "the platform's deployment of the academy's tool; it must be the one registered in the academy",
  [claims.resourceLink]: 'identifies the link in the platform that the learner clicked (its "id")',
  [claims.roles]: "the learner's roles in the course (an empty list is allowed)",
  [claims.targetLinkUri]: 'the resource URL of the activity; it must be the one the login was for',
  sub: "the platform's id of the learner, by which the academy recognises a returning learner",
  email:
    "the learner's email address, by which the academy finds the learner's account or creates one; in the platform's tool settings, share the launcher's email with the tool",
  given_name:
    "the learner's given name, used when the academy creates the learner's account; in the platform's tool settings, share the launcher's name with the tool",
  family_name:
    "the learner's family name, used when the academy creates the learner's account; in the platform's tool settings, share the launcher's name with the tool",
} as const;

export interface Lti13LaunchDeps extends LaunchDeps {
  readonly config: Pick<Config, 'publicUrl' | 'jwtClockToleranceSeconds'>;
  readonly lti13Launches: Lti13LaunchStore;
  readonly singleUse: SingleUseStore;
  readonly keySets: PlatformKeySets;
}

/** The state the checks read and fill in. */
export interface ToolLti13Launch {
  readonly envId: string;
  readonly form: Readonly<Record<string, string>>;
  readonly event: ApiEvent;
  state?: OidcState;
  token?: UnverifiedJwt;
  environment?: Environment;
  platform?: Platform;
  activity?: Activity;
  knownUserId?: string;
  /** Set once the signature and times have been verified. */
  claims?: JWTPayload;
}

type Check = (launch: ToolLti13Launch, deps: Lti13LaunchDeps) => void | Promise<void>;

const refused = (parameter: string, message: string, purpose?: string) => new LaunchError(401, 'invalid_launch', message, parameter, purpose);

/** The verified claims (only read by checks after `signatureVerified`). */
const verified = (launch: ToolLti13Launch): JWTPayload => launch.claims!;

/** A claim that must be a non-empty string; answers it. */
function stringClaim(launch: ToolLti13Launch, name: keyof typeof purposes): string {
  const value = verified(launch)[name];
  if (value === undefined || value === null) throw missingClaim(name);
  if (typeof value !== 'string' || value.trim() === '') {
    throw new LaunchError(400, 'invalid_claim', `The launch's ${name} claim must be a non-empty string.`, name, purposes[name]);
  }
  return value;
}

const missingClaim = (name: keyof typeof purposes): LaunchError =>
  new LaunchError(400, 'missing_claim', `The launch is missing the claim ${name}.`, name, purposes[name]);

/** Security 1.0 §5.1.1.3: the platform answered an authentication error instead of a token. */
const noAuthenticationError: Check = (launch) => {
  const { error, error_description: description } = launch.form;
  if (error !== undefined) {
    throw new LaunchError(401, 'platform_error', `The platform refused the login: ${error}${description ? ` (${description})` : ''}.`, 'error');
  }
};

const required = (name: 'id_token' | 'state') => (launch: ToolLti13Launch) => {
  if (!launch.form[name]?.trim()) throw missing(name, purposes[name]);
};

/** The state came back in the browser that started the login (login CSRF, Security 1.0 §7.3.1). */
const stateBoundToBrowser: Check = (launch) => {
  const state = launch.form.state!;
  if (!cookieMatches(cookie(launch.event, stateCookieName(state)), state)) {
    throw refused(
      'state',
      "The login's cookie did not come back with the launch: the browser blocked it (third-party cookies inside the platform's page) " +
        'or the launch was started in another browser. Please launch again, or open the activity in a new window.',
      purposes.state,
    );
  }
};

/** One conditional delete: a state (and so its nonce) is used at most once, within its lifetime. */
const stateUsedOnce: Check = async (launch, deps) => {
  launch.state = await deps.singleUse.consume('oidc-state', launch.envId, sha256Base64url(launch.form.state!), deps.clock.now());
  if (!launch.state) {
    throw refused('state', 'This launch was already used, or its login has expired; please launch again from the platform.', purposes.state);
  }
};

const tokenReadable: Check = (launch) => {
  launch.token = readIdToken(launch.form.id_token!);
};

/** One read for the environment, the platform, the activity and the learner's external id. */
const readContext: Check = async (launch, deps) => {
  const state = launch.state!;
  const unverified = launch.token!.claims;
  const found = await deps.lti13Launches.launchContext(
    launch.envId,
    state.platformId,
    state.activityId,
    `lti13:${String(unverified.iss ?? '')}`,
    String(unverified.sub ?? ''),
  );
  launch.environment = found.environment;
  launch.platform = found.platform;
  launch.activity = found.activity;
  launch.knownUserId = found.knownUserId;
};

const environmentEnablesLti: Check = (launch) => {
  if (!launch.environment) throw new LaunchError(404, 'not_found', 'There is no such environment.');
  if (!launch.environment.ltiEnabled) throw ltiDisabled();
};

const platformActivated: Check = (launch) => {
  if (!launch.platform) throw refused('iss', 'The platform of this launch is no longer registered in this environment.');
  if (!launch.platform.activated) {
    throw new LaunchError(401, 'platform_deactivated', 'The platform of this launch is deactivated in this environment.', 'iss');
  }
};

const activityAvailable: Check = (launch) => {
  if (!launch.activity?.availableForLti) throw new LaunchError(404, 'not_found', 'This activity does not exist or is not available for LTI.');
};

const headerAllowed: Check = (launch) => checkHeader(launch.token!.header);

/** Security 1.0 §5.1.3 steps 1, 6-8: signature with the platform's key, `exp`, `iat`. */
const signatureVerified: Check = async (launch, deps) => {
  const jwksUrl = launch.platform!.jwksUrl;
  try {
    launch.claims = await verifyIdToken(launch.form.id_token!, {
      key: (kid) => deps.keySets.key(jwksUrl, kid),
      clock: deps.clock,
      clockToleranceSeconds: deps.config.jwtClockToleranceSeconds,
      maxAgeSeconds: stateLifetimeSeconds,
    });
  } catch (error) {
    if (!(error instanceof KeySetError)) throw error;
    if (error.code === 'unknown_kid') throw refused('kid', `The id_token's kid is unknown: ${error.message}.`, idTokenPurpose);
    throw new LaunchError(502, 'platform_keys_unavailable', `The platform's keys could not be read: ${error.message}.`, 'jwks', undefined, {
      expose: true,
      cause: error,
    });
  }
};

/** Step 2: exactly the registered issuer. */
const issuerExact: Check = (launch) => {
  if (verified(launch).iss !== launch.platform!.issuer) {
    throw refused('iss', `The id_token's issuer is not the registered issuer of the platform this login was for.`);
  }
};

const audiences = (launch: ToolLti13Launch): unknown[] => {
  const aud = verified(launch).aud;
  return Array.isArray(aud) ? aud : [aud];
};

/** Step 3: the academy's client id is an audience. */
const audienceIncludesClient: Check = (launch) => {
  if (!audiences(launch).includes(launch.platform!.clientId)) {
    throw refused('aud', "The id_token is not meant for the academy: its audience does not include the academy's client id.");
  }
};

/** Steps 4-5: with several audiences `azp` is required; when present it is the academy's client id. */
const authorizedParty: Check = (launch) => {
  const { azp } = verified(launch);
  const clientId = launch.platform!.clientId;
  if (audiences(launch).length > 1 && azp === undefined) {
    throw refused('azp', 'The id_token has several audiences but no authorized party (azp).');
  }
  if (azp !== undefined && azp !== clientId) {
    throw refused('azp', "The id_token's authorized party (azp) is not the academy's client id.");
  }
};

/** Step 9: the nonce of this login's authentication request. */
const nonceOfThisLogin: Check = (launch) => {
  if (verified(launch).nonce !== launch.state!.nonce) {
    throw refused('nonce', 'The id_token was not issued for this login (its nonce differs); please launch again.');
  }
};

/** Core 1.3 §5.3.3: the registered deployment. */
const deploymentRegistered: Check = (launch) => {
  const deploymentId = stringClaim(launch, claims.deploymentId);
  if (deploymentId !== launch.platform!.deploymentId) {
    throw refused(claims.deploymentId, `The deployment ${deploymentId} is not the one registered for this platform.`, purposes[claims.deploymentId]);
  }
};

const exactClaim = (name: typeof claims.messageType | typeof claims.version, expected: string): Check => (launch) => {
  const value = stringClaim(launch, name);
  if (value !== expected) {
    throw new LaunchError(400, 'invalid_claim', `The launch's ${name} is ${JSON.stringify(value)}; it must be ${expected}.`, name, purposes[name]);
  }
};

/** Core 1.3 §5.3.5: `resource_link.id`. */
const resourceLinkPresent: Check = (launch) => {
  const link = verified(launch)[claims.resourceLink] as { id?: unknown } | undefined;
  if (link === undefined || link === null) throw missingClaim(claims.resourceLink);
  if (typeof link !== 'object' || typeof link.id !== 'string' || link.id.trim() === '') {
    throw new LaunchError(400, 'invalid_claim', `The launch's ${claims.resourceLink} claim has no id.`, claims.resourceLink, purposes[claims.resourceLink]);
  }
};

/** Core 1.3 §5.3.7: present, a list of strings (possibly empty; `[""]` is tolerated). */
const rolesPresent: Check = (launch) => {
  const roles = verified(launch)[claims.roles];
  if (roles === undefined || roles === null) throw missingClaim(claims.roles);
  if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string')) {
    throw new LaunchError(400, 'invalid_claim', `The launch's ${claims.roles} claim must be a list of role URIs.`, claims.roles, purposes[claims.roles]);
  }
};

/** Core 1.3 §5.3.6: `sub`, at most 255 characters (an anonymous launch cannot be provisioned). */
const subjectPresent: Check = (launch) => {
  const sub = stringClaim(launch, 'sub');
  if (sub.length > 255) throw new LaunchError(400, 'invalid_claim', 'The launch\'s sub claim is longer than 255 characters.', 'sub', purposes.sub);
};

/** Core 1.3 §5.3.4: the login's target link URI (which `login.ts` checked belongs to this environment). */
const targetLinkOfThisLogin: Check = (launch) => {
  const target = stringClaim(launch, claims.targetLinkUri);
  if (target !== launch.state!.targetLinkUri) {
    throw new LaunchError(
      400,
      'invalid_claim',
      `The launch's target_link_uri ${target} is not the one its login was for (${launch.state!.targetLinkUri}).`,
      claims.targetLinkUri,
      purposes[claims.targetLinkUri],
    );
  }
};

const validEmail: Check = (launch) => {
  const email = stringClaim(launch, 'email');
  if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) {
    throw new LaunchError(400, 'invalid_claim', 'The launch\'s email claim is not an email address.', 'email', purposes.email);
  }
};

const requiredClaim = (name: 'given_name' | 'family_name'): Check => (launch) => void stringClaim(launch, name);

/** The checks, in order. Those before `signatureVerified` must not trust the token's claims. */
export const checks: readonly Check[] = [
  noAuthenticationError,
  required('id_token'),
  required('state'),
  stateBoundToBrowser,
  stateUsedOnce,
  tokenReadable,
  readContext,
  environmentEnablesLti,
  platformActivated,
  activityAvailable,
  headerAllowed,
  signatureVerified,
  issuerExact,
  audienceIncludesClient,
  authorizedParty,
  nonceOfThisLogin,
  deploymentRegistered,
  exactClaim(claims.messageType, messageTypes.resourceLink),
  exactClaim(claims.version, ltiVersion),
  resourceLinkPresent,
  rolesPresent,
  subjectPresent,
  targetLinkOfThisLogin,
  validEmail,
  requiredClaim('given_name'),
  requiredClaim('family_name'),
];

/**
 * Where scores go (AGS 2.0 §3.1): a binding when the launch carries the endpoint claim with a line
 * item, or a line items URL, and the score scope.
 */
export function agsBinding(platform: Platform, claimSet: JWTPayload): Lti13Binding | undefined {
  const endpoint = claimSet[agsEndpointClaim] as { lineitem?: unknown; lineitems?: unknown; scope?: unknown } | undefined;
  if (typeof endpoint !== 'object' || endpoint === null) return undefined;
  const url = (value: unknown) => (typeof value === 'string' && /^https?:\/\//i.test(value) ? value : undefined);
  const lineitem = url(endpoint.lineitem);
  const lineitems = url(endpoint.lineitems);
  const scopes = Array.isArray(endpoint.scope) ? endpoint.scope.filter((scope): scope is string => typeof scope === 'string') : [];
  if ((!lineitem && !lineitems) || !scopes.includes(agsScopes.score)) return undefined;
  const link = claimSet[claims.resourceLink] as { id?: unknown } | undefined;
  return {
    version: '1.3',
    platformId: platform.id,
    sub: String(claimSet.sub),
    ...(lineitem ? { lineitem } : {}),
    ...(lineitems ? { lineitems } : {}),
    scopes,
    ...(typeof link?.id === 'string' ? { resourceLinkId: link.id } : {}),
  };
}

export function readLaunch(event: ApiEvent): ToolLti13Launch {
  return { envId: pathParam(event, 'env'), form: formFields(event), event };
}

/** Runs the checks and completes the launch: a 303 to the academy with a single sign-on code. */
export async function lti13ToolLaunch(deps: Lti13LaunchDeps, event: ApiEvent): Promise<ApiResult> {
  const launch = readLaunch(event);
  // The login's cookie has done its work once the state is read, whatever the outcome.
  const cookies = launch.form.state ? [clearedStateCookie(launch.envId, launch.form.state)] : [];
  renderErrorsWith(event, () => ({ cookies }));
    for (const check of checks) await check(launch, deps);
    const claimSet = verified(launch);
    const platform = launch.platform!;
    const presentation = claimSet[claims.launchPresentation] as { return_url?: unknown } | undefined;
    const { location } = await completeLaunch(deps, {
      environment: launch.environment!,
      activity: launch.activity!,
      version: '1.3',
      externalKey: `lti13:${platform.issuer}`,
      externalUserId: String(claimSet.sub),
      knownUserId: launch.knownUserId,
      person: {
        email: String(claimSet.email).trim(),
        givenName: String(claimSet.given_name).trim(),
        familyName: String(claimSet.family_name).trim(),
      },
      roles: normalizeRoles(claimSet[claims.roles] as string[]),
      returnUrl: typeof presentation?.return_url === 'string' && presentation.return_url.trim() ? presentation.return_url.trim() : undefined,
      binding: agsBinding(platform, claimSet),
    });
    return redirect(location, 303, {}, cookies);
}
