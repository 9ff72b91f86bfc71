/**
 * `POST /{env}/lti13/launch`: the authentication response of an LTI 1.3 launch (Security 1.0
 * §5.1.1.3 and §5.1.3; LTI Core 1.3 §5). The launch goes through typed phases (the response, the
 * login it answers, its context, the verified token), each step a small function that throws a
 * `LaunchError`, then the steps of its message type (`messageSteps`, the matrix keyed by the type
 * the login asked for); a resource link launch is completed like every other (`academy/launch.ts`).
 *
 * Single use: the state is consumed by one conditional delete, and the nonce the id_token must carry
 * is the one stored in that state and nowhere else, so a nonce is accepted at most once without a
 * write of its own. The environment is read with that delete (one round trip, two requests), then
 * one BatchGetItem (platform, activity, external id) and the launch's one BatchWriteItem: a
 * returning learner's launch costs four DynamoDB requests in three round trips, and no KMS request. */
import { passes, type Check as PhaseCheck } from '../../lti/pipeline';
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
import { availableActivity, ltiEnvironment, requiredParameter } from '../../lti/checks';
import type {
  ActivityStore,
  DeploymentSeen,
  EnvironmentStore,
  Lti13Binding,
  Lti13LaunchStore,
  OidcState,
  SingleUseStore,
} from '../../ports';
import { deepLinkingRequestChecks, openPicker } from '../deep-linking/tool-request';
import { deepLinkingMessageTypes } from '../deep-linking/vocabulary';
import { agsEndpointClaim, agsScopes } from '../ags/vocabulary';
import { rosterSourceOf } from '../nrps/tool-roster-source';
import { claims, ltiVersion, messageTypes } from './claims';
import type { UnverifiedJwt } from './jwt';
import { checkHeader, idTokenPurpose, readIdToken, verifyIdToken } from './tool-id-token';
import { KeySetError, type RemoteKeySets } from './key-sets';
import { normalizeRoles } from './tool-roles';
import { lti1p1ExternalIds, lti1p1Identity, lti1p1Verified, type Lti1p1Deps } from './tool-lti1p1';
import { acceptsDeployment, unlistedDeployment } from './tool-deployments';
import { effectiveAccountLinking, externalKeys, type LaunchIdentity } from '../../academy/identity';
import { launchedPerson, launchValue } from '../../lti/person';
import { checkedReturnUrl } from '../../lti/return-url';
import { clearedStateCookie, cookieMatches, stateCookieName, stateLifetimeSeconds } from './tool-state';
import { storageCheckPage } from '../platform-storage/tool-pages';
import { storageLocation, type StorageLocation } from '../platform-storage/tool-state';
import { checkFields, storageKeys } from '../platform-storage/vocabulary';
import { toolLaunchUrl } from './tool-urls';

/** What each launch parameter and claim is for, shown when it is missing or wrong. */
export const purposes = {
  id_token: idTokenPurpose,
  state: 'the value that ties the launch to the login the platform started in this browser',
  [claims.messageType]:
    'the kind of LTI message; it must be the one the login was for: LtiResourceLinkRequest for an activity, LtiDeepLinkingRequest at the deep linking URL',
  [claims.version]: 'the LTI version; it must be 1.3.0',
  [claims.deploymentId]: "the platform's deployment of the academy's tool; it must be the one registered in the academy",
  [claims.resourceLink]: 'identifies the link in the platform that the learner clicked (its "id")',
  [claims.roles]: "the learner's roles in the course (an empty list is allowed)",
  [claims.targetLinkUri]: 'the resource URL of the activity; it must be the one the login was for',
  sub: "the platform's id of the learner, by which the academy recognises a returning learner",
  email:
    "the learner's email address, by which the academy finds the learner's account or creates one at the first launch; in the platform's tool settings, share the launcher's email with the tool",
} as const;

export interface Lti13LaunchDeps extends LaunchDeps, Lti1p1Deps {
  readonly config: Pick<Config, 'publicUrl' | 'jwtClockToleranceSeconds' | 'localMode'>;
  readonly environments: EnvironmentStore;
  readonly lti13Launches: Lti13LaunchStore;
  readonly singleUse: SingleUseStore;
  readonly keySets: RemoteKeySets;
  /** The activities a deep linking request's picker offers. */
  readonly activities: Pick<ActivityStore, 'list'>;
}

/** Phase 1: the authentication response as the browser posted it (Security 1.0 §5.1.1.3). */
export interface LaunchResponse {
  readonly envId: string;
  readonly form: Readonly<Record<string, string>>;
  readonly event: ApiEvent;
}

/** Phase 2: an id_token and a state, the state bound to this browser. */
export interface AnsweredLaunch extends LaunchResponse {
  readonly environment: Environment;
  readonly idToken: string;
  readonly state: string;
}

/** Phase 3: the login it answers (its state consumed once) and the id_token as sent, unverified. */
export interface LoginLaunch extends AnsweredLaunch {
  readonly login: OidcState;
  readonly token: UnverifiedJwt;
}

/** Phase 4: the platform (activated), the activity (available; none for a deep linking request), the learner's account if known. */
export interface LaunchContext extends LoginLaunch {
  readonly platform: Platform;
  readonly activity?: Activity;
  /** The account this registration's `sub` maps to. */
  readonly knownUserId?: string;
  /** The account the `lti1p1` claim's LTI 1.1 id maps to: used only once that claim's signature is verified. */
  readonly lti1p1UserId?: string;
  /** The launch's deployment as remembered, when it launched before. */
  readonly deployment?: DeploymentSeen;
}

/** Phase 5: signature and times verified; only from here are the claims trusted. */
export interface VerifiedLaunch extends LaunchContext {
  readonly claims: JWTPayload;
}

type Check<Phase> = PhaseCheck<Phase, Lti13LaunchDeps>;

const refused = (parameter: string, message: string, purpose?: string) =>
  new LaunchError(401, 'invalid_launch', message, parameter, purpose);

/** A claim that must be a non-empty string; answers it. */
function stringClaim(launch: VerifiedLaunch, name: keyof typeof purposes): string {
  const value = launch.claims[name];
  if (value === undefined || value === null) throw missingClaim(name);
  if (typeof value !== 'string' || value.trim() === '') {
    throw new LaunchError(400, 'invalid_claim', `The launch's ${name} claim must be a non-empty string.`, name, purposes[name]);
  }
  return value;
}

const missingClaim = (name: keyof typeof purposes): LaunchError =>
  new LaunchError(400, 'missing_claim', `The launch is missing the claim ${name}.`, name, purposes[name]);

// --- Phase 1 -> 2: the response --------------------------------------------------------------

/** Security 1.0 §5.1.1.3: the platform answered an authentication error instead of a token. */
function noAuthenticationError({ form }: LaunchResponse): void {
  const { error, error_description: description } = form;
  if (error !== undefined) {
    throw new LaunchError(
      401,
      'platform_error',
      `The platform refused the login: ${error}${description ? ` (${description})` : ''}.`,
      'error',
    );
  }
}

/**
 * How a response's state is bound to the browser that started its login (login CSRF, Security 1.0
 * §7.3.1): by the login's cookie; or, for a login kept in the platform's storage (lti-cs-oidc), by
 * the proof the launch check page read back from that storage and posted from the academy's own
 * page (docs/platform-storage.md); or not yet, when that page must first be answered.
 */
export type BrowserBinding =
  | { readonly by: 'cookie'; readonly state: string }
  | { readonly by: 'storage'; readonly state: string; readonly proof: string; readonly nonce: string }
  | { readonly by: 'storage-check'; readonly state: string; readonly location: StorageLocation }
  | { readonly by: 'none' };

/** The binding a complete response (no error, an id_token, a state) carries; `none` otherwise. */
export function browserBinding({ form, event }: LaunchResponse): BrowserBinding {
  const { state, id_token: idToken, error } = form;
  if (error !== undefined || !idToken?.trim() || !state?.trim()) return { by: 'none' };
  if (cookieMatches(cookie(event, stateCookieName(state)), state)) return { by: 'cookie', state };
  const location = storageLocation(state);
  if (!location) return { by: 'none' };
  const proof = form[checkFields.proof];
  if (proof === undefined) return { by: 'storage-check', state, location };
  // The check page's own post: same-origin, which no other site can make a browser send (Fetch
  // Metadata); a post from anywhere else is not bound, whatever it carries.
  if (!proof || event.headers?.['sec-fetch-site'] !== 'same-origin') return { by: 'none' };
  return { by: 'storage', state, proof, nonce: form[checkFields.nonce] ?? '' };
}

/** The state came back in the browser that started the login (login CSRF, Security 1.0 §7.3.1). */
function stateBoundToBrowser(launch: AnsweredLaunch, binding: BrowserBinding): void {
  if (binding.by === 'cookie' || binding.by === 'storage') return;
  if (storageLocation(launch.state)) {
    throw refused(
      'state',
      "The launch's check with the platform's storage did not come from the academy's own page in this browser. " +
        'Please launch again from the platform, or open the activity in a new window.',
      purposes.state,
    );
  }
  throw refused(
    'state',
    "The login's cookie did not come back with the launch: the browser blocked it (third-party cookies inside the platform's page) " +
      'or the launch was started in another browser. Please launch again, or open the activity in a new window.',
    purposes.state,
  );
}

/** The response's checks, in order; `id_token` and `state` are required between the first two. */
function answeredLaunch(response: LaunchResponse, environment: Environment, binding: BrowserBinding): AnsweredLaunch {
  noAuthenticationError(response);
  const idToken = requiredParameter(response.form, 'id_token', purposes.id_token);
  const state = requiredParameter(response.form, 'state', purposes.state);
  const answered = { ...response, environment, idToken, state };
  stateBoundToBrowser(answered, binding);
  return answered;
}

// --- Phase 2 -> 3: the login -----------------------------------------------------------------

/** One conditional delete: a state (and so its nonce) is used at most once, within its lifetime. */
function loginOf(launch: AnsweredLaunch, login: OidcState | undefined, binding: BrowserBinding): LoginLaunch {
  if (!login) {
    throw refused(
      'state',
      'This launch was already used, or its login has expired; please launch again from the platform.',
      purposes.state,
    );
  }
  // lti-cs-oidc R8: the nonce kept in the platform's storage is the one of this login.
  if (binding.by === 'storage' && binding.nonce !== login.nonce) {
    throw refused('nonce', "The nonce kept in the platform's storage is not the one of this login; please launch again.");
  }
  return { ...launch, login, token: readIdToken(launch.idToken) };
}

// --- Phase 3 -> 4: the context ---------------------------------------------------------------

/**
 * One read for the platform, the activity, the deployment as remembered, and the learner's account
 * by the ids the (not yet verified) token names: this registration's `sub` and, with an `lti1p1`
 * claim, the LTI 1.1 id. Nothing read by an id is used before the token is verified.
 */
async function launchContext(deps: Lti13LaunchDeps, launch: LoginLaunch): Promise<LaunchContext> {
  const unverified = launch.token.claims;
  const migrated = lti1p1Identity(unverified);
  const lti1p1Ids = migrated ? lti1p1ExternalIds(unverified, migrated) : [];
  const found = await deps.lti13Launches.launchContext(
    launch.envId,
    launch.login.platformId,
    launch.login.activityId,
    [{ key: launch.login.externalKey, userId: String(unverified.sub ?? '') }, ...lti1p1Ids],
    String(unverified[claims.deploymentId] ?? ''),
  );
  const [knownUserId, ...lti1p1UserIds] = found.knownUserIds;
  const lti1p1UserId = lti1p1UserIds.find((id) => id !== undefined);
  if (!found.platform) throw refused('iss', 'The platform of this launch is no longer registered in this environment.');
  if (!found.platform.activated) {
    throw new LaunchError(401, 'platform_deactivated', 'The platform of this launch is deactivated in this environment.', 'iss');
  }
  const activity = launch.login.activityId === undefined ? undefined : availableActivity(found.activity);
  checkHeader(launch.token.header);
  return {
    ...launch,
    platform: found.platform,
    ...(activity ? { activity } : {}),
    ...(knownUserId ? { knownUserId } : {}),
    ...(lti1p1UserId ? { lti1p1UserId } : {}),
    ...(found.deployment ? { deployment: found.deployment } : {}),
  };
}

// --- Phase 4 -> 5: the signature -------------------------------------------------------------

/** Security 1.0 §5.1.3 steps 1, 6-8: signature with the platform's key, `exp`, `iat`. */
async function verifiedLaunch(deps: Lti13LaunchDeps, launch: LaunchContext): Promise<VerifiedLaunch> {
  const { jwksUrl } = launch.platform;
  try {
    const claimSet = await verifyIdToken(launch.idToken, {
      key: (kid) => deps.keySets.key(jwksUrl, kid),
      clock: deps.clock,
      clockToleranceSeconds: deps.config.jwtClockToleranceSeconds,
      maxAgeSeconds: stateLifetimeSeconds,
    });
    return { ...launch, claims: claimSet };
  } catch (error) {
    if (!(error instanceof KeySetError)) throw error;
    if (error.code === 'unknown_kid') throw refused('kid', `The id_token's kid is unknown: ${error.message}.`, idTokenPurpose);
    throw new LaunchError(502, 'platform_keys_unavailable', `The platform's keys could not be read: ${error.message}.`, 'jwks', undefined, {
      expose: true,
      cause: error,
    });
  }
}

// --- Phase 5: the claims ---------------------------------------------------------------------

/** Step 2: exactly the registered issuer. */
const issuerExact: Check<VerifiedLaunch> = (launch) => {
  if (launch.claims.iss !== launch.platform.issuer) {
    throw refused('iss', `The id_token's issuer is not the registered issuer of the platform this login was for.`);
  }
};

const audiences = (launch: VerifiedLaunch): unknown[] => {
  const { aud } = launch.claims;
  return Array.isArray(aud) ? aud : [aud];
};

/** Step 3: the academy's client id is an audience. */
const audienceIncludesClient: Check<VerifiedLaunch> = (launch) => {
  if (!audiences(launch).includes(launch.platform.clientId)) {
    throw refused('aud', "The id_token is not meant for the academy: its audience does not include the academy's client id.");
  }
};

/** Steps 4-5: with several audiences `azp` is required; when present it is the academy's client id. */
const authorizedParty: Check<VerifiedLaunch> = (launch) => {
  const { azp } = launch.claims;
  if (audiences(launch).length > 1 && azp === undefined) {
    throw refused('azp', 'The id_token has several audiences but no authorized party (azp).');
  }
  if (azp !== undefined && azp !== launch.platform.clientId) {
    throw refused('azp', "The id_token's authorized party (azp) is not the academy's client id.");
  }
};

/** Step 9: the nonce of this login's authentication request. */
const nonceOfThisLogin: Check<VerifiedLaunch> = (launch) => {
  if (launch.claims.nonce !== launch.login.nonce) {
    throw refused('nonce', 'The id_token was not issued for this login (its nonce differs); please launch again.');
  }
};

/** Core 1.3 §5.3.3: a deployment the platform's registration lists, or any when it lists none. */
const deploymentRegistered: Check<VerifiedLaunch> = (launch) => {
  const deploymentId = stringClaim(launch, claims.deploymentId);
  if (!acceptsDeployment(launch.platform, deploymentId)) {
    throw refused(claims.deploymentId, unlistedDeployment(launch.platform, deploymentId), purposes[claims.deploymentId]);
  }
};

const exactClaim =
  (name: typeof claims.messageType | typeof claims.version, expected: (launch: VerifiedLaunch) => string): Check<VerifiedLaunch> =>
  (launch) => {
    const value = stringClaim(launch, name);
    const wanted = expected(launch);
    if (value !== wanted) {
      throw new LaunchError(
        400,
        'invalid_claim',
        `The launch's ${name} is ${JSON.stringify(value)}; it must be ${wanted}.`,
        name,
        purposes[name],
      );
    }
  };

/** Core 1.3 §5.3.1: the message type the login's target asked for. */
const messageTypeOfThisLogin = exactClaim(claims.messageType, (launch) => launch.login.messageType);

/** Core 1.3 §5.3.2. */
const version13 = exactClaim(claims.version, () => ltiVersion);

/** Core 1.3 §5.3.5: `resource_link.id`. */
const resourceLinkPresent: Check<VerifiedLaunch> = (launch) => {
  const link = launch.claims[claims.resourceLink] as { id?: unknown } | undefined;
  if (link === undefined || link === null) throw missingClaim(claims.resourceLink);
  if (typeof link !== 'object' || typeof link.id !== 'string' || link.id.trim() === '') {
    throw new LaunchError(
      400,
      'invalid_claim',
      `The launch's ${claims.resourceLink} claim has no id.`,
      claims.resourceLink,
      purposes[claims.resourceLink],
    );
  }
};

/** Core 1.3 §5.3.7: present, a list of strings (possibly empty; `[""]` is tolerated). */
const rolesPresent: Check<VerifiedLaunch> = (launch) => {
  const roles = launch.claims[claims.roles];
  if (roles === undefined || roles === null) throw missingClaim(claims.roles);
  if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string')) {
    throw new LaunchError(
      400,
      'invalid_claim',
      `The launch's ${claims.roles} claim must be a list of role URIs.`,
      claims.roles,
      purposes[claims.roles],
    );
  }
};

/** Core 1.3 §5.3.6: `sub`, at most 255 characters (an anonymous launch cannot be provisioned). */
const subjectPresent: Check<VerifiedLaunch> = (launch) => {
  const sub = stringClaim(launch, 'sub');
  if (sub.length > 255)
    throw new LaunchError(400, 'invalid_claim', "The launch's sub claim is longer than 255 characters.", 'sub', purposes.sub);
};

/** Core 1.3 §5.3.4: the login's target link URI (which the login checked belongs to this environment). */
const targetLinkOfThisLogin: Check<VerifiedLaunch> = (launch) => {
  const target = stringClaim(launch, claims.targetLinkUri);
  if (target !== launch.login.targetLinkUri) {
    throw new LaunchError(
      400,
      'invalid_claim',
      `The launch's target_link_uri ${target} is not the one its login was for (${launch.login.targetLinkUri}).`,
      claims.targetLinkUri,
      purposes[claims.targetLinkUri],
    );
  }
};

/** Security 1.0 §5.1.3 steps 2-5 and 9, Core 1.3 §5.3.1-5.3.3: every message type's first checks. */
export const verifiedChecks: readonly Check<VerifiedLaunch>[] = [
  issuerExact,
  audienceIncludesClient,
  authorizedParty,
  nonceOfThisLogin,
  deploymentRegistered,
  messageTypeOfThisLogin,
  version13,
];

/** What one message type checks after `verifiedChecks`, and how a launch of it completes. */
interface MessageSteps {
  readonly checks: readonly Check<VerifiedLaunch>[];
  readonly complete: (deps: Lti13LaunchDeps, launch: VerifiedLaunch) => Promise<ApiResult>;
}

/**
 * The message-type matrix (Core 1.3 §5.3.1): the steps of each message the tool accepts, by the
 * type its login's target asked for. A message type the tool does not accept has no row, and a
 * login never asks for it. A deep linking request (DL 2.0 §4.4) has no resource link, and opens
 * the picker instead of the academy (`../deep-linking/tool-request.ts`).
 */
export const messageSteps: Readonly<Record<OidcState['messageType'], MessageSteps>> = {
  [messageTypes.resourceLink]: {
    checks: [resourceLinkPresent, rolesPresent, subjectPresent, targetLinkOfThisLogin],
    complete: completeResourceLink,
  },
  [deepLinkingMessageTypes.request]: {
    checks: [targetLinkOfThisLogin, ...deepLinkingRequestChecks],
    complete: openPicker,
  },
};

/**
 * The learner of a verified launch (docs/product.md "Who is who"): this registration's `sub`, and the
 * ids that name the same learner: the `sub` as stored before registrations keyed ids, and the LTI 1.1
 * ids of a valid `lti1p1` claim. The account is the one `sub` maps to, else the one the LTI 1.1 id
 * maps to (so accounts survive an LMS's move from 1.1 to 1.3; the `sub` is then linked to it), else
 * found by email or created.
 */
async function launchIdentity(
  deps: Lti13LaunchDeps,
  launch: VerifiedLaunch,
  activity: Activity,
): Promise<{ identity: LaunchIdentity; knownUserId?: string; knownByAlias?: boolean }> {
  const { claims: claimSet, platform } = launch;
  const sub = String(claimSet.sub);
  const migrated = lti1p1Identity(claimSet);
  const verified = migrated && (await lti1p1Verified(deps, claimSet, migrated, platform.clientId, activity));
  const aliases = [
    { key: externalKeys.legacyLti13(platform.issuer), userId: sub },
    ...(verified ? lti1p1ExternalIds(claimSet, migrated) : []),
  ];
  const byAlias = launch.knownUserId === undefined && verified ? launch.lti1p1UserId : undefined;
  const knownUserId = launch.knownUserId ?? byAlias;
  return {
    identity: { key: externalKeys.lti13(platform.issuer, platform.clientId), userId: sub, aliases },
    ...(knownUserId ? { knownUserId } : {}),
    ...(byAlias ? { knownByAlias: true } : {}),
  };
}

/**
 * A resource link launch: the learner found or created, enrolled, and sent to the academy
 * (`academy/launch.ts`); the context's memberships URL, when the launch has one, is remembered in the
 * same write (NRPS 2.0 §3.6.1; `../nrps/tool-roster-source.ts`).
 */
async function completeResourceLink(deps: Lti13LaunchDeps, launch: VerifiedLaunch): Promise<ApiResult> {
  const { claims: claimSet, platform, environment } = launch;
  const presentation = claimSet[claims.launchPresentation] as { return_url?: unknown } | undefined;
  // Read in the launch's context (phase 4): a resource link login always names its activity.
  const activity = availableActivity(launch.activity);
  const { identity, knownUserId, knownByAlias } = await launchIdentity(deps, launch, activity);
  const emailParameter = { name: 'email', purpose: purposes.email, kind: 'claim' } as const;
  const { location } = await completeLaunch(deps, {
    environment,
    activity,
    version: '1.3',
    identity,
    knownUserId,
    knownByAlias,
    accountLinking: effectiveAccountLinking(platform.accountLinking, environment.accountLinking),
    lmsName: platform.name,
    emailParameter,
    person: launchedPerson(
      {
        email: launchValue(claimSet.email),
        givenName: launchValue(claimSet.given_name),
        familyName: launchValue(claimSet.family_name),
        name: launchValue(claimSet.name),
      },
      knownUserId === undefined,
      emailParameter,
    ),
    roles: normalizeRoles(claimSet[claims.roles] as string[]),
    returnUrl: checkedReturnUrl(launchValue(presentation?.return_url), deps.config.localMode),
    binding: agsBinding(platform, claimSet),
    rosterSource: rosterSourceOf(platform, claimSet),
  });
  return redirect(location, 303);
}

/** How long a remembered deployment's last launch may be old before a launch moves it (one write an hour at most). */
const deploymentRefreshMs = 60 * 60 * 1000;

/** docs/product.md "Who is who": every deployment that launches is remembered, with when it was first and last seen. */
async function rememberDeployment(deps: Lti13LaunchDeps, launch: VerifiedLaunch): Promise<void> {
  const now = deps.clock.now();
  if (launch.deployment && now - Date.parse(launch.deployment.lastSeen) < deploymentRefreshMs) return;
  const deploymentId = String(launch.claims[claims.deploymentId]);
  await deps.lti13Launches.recordDeployment(launch.envId, launch.platform.id, deploymentId, new Date(now).toISOString());
}

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

export function readLaunch(event: ApiEvent): LaunchResponse {
  return { envId: pathParam(event, 'env'), form: formFields(event), event };
}

/**
 * The launch, phase by phase. The environment is read first, with the state consumed at the same
 * time when the response is complete and bound to this browser (so that both cost one round trip),
 * and the environment is checked before anything else: LTI switched off answers 403 whatever the
 * response carries. Then the checks of each phase in order, and the message type's own steps.
 */
export async function lti13ToolLaunch(deps: Lti13LaunchDeps, event: ApiEvent): Promise<ApiResult> {
  const response = readLaunch(event);
  const binding = browserBinding(response);
  if (binding.by === 'storage-check') return checkPage(deps, response, binding);
  // The login's cookie has done its work once the state is read, whatever the outcome; a login kept
  // in the platform's storage had none.
  const state = response.form.state;
  const cookies = state && !storageLocation(state) ? [clearedStateCookie(response.envId, state)] : [];
  renderErrorsWith(event, () => ({ cookies }));
  const consumable = binding.by === 'cookie' || binding.by === 'storage' ? binding : undefined;
  const [environment, login] = await Promise.all([
    ltiEnvironment(deps, response.envId),
    consumable
      ? deps.singleUse.consume(
          'oidc-state',
          response.envId,
          sha256Base64url(consumable.state),
          deps.clock.now(),
          // A stored proof must be matched: a state of the storage path is never consumed by a cookie, nor without its proof.
          consumable.by === 'storage' ? { storageProofHash: sha256Base64url(consumable.proof) } : {},
        )
      : undefined,
  ]);
  const answered = answeredLaunch(response, environment, binding);
  if (consumable?.by === 'cookie' && login?.storageProofHash !== undefined) {
    throw refused('state', "This launch was started with the platform's storage, not with a cookie; please launch again.", purposes.state);
  }
  const context = await launchContext(deps, loginOf(answered, login, binding));
  const launch = await verifiedLaunch(deps, context);
  await passes(launch, verifiedChecks, deps);
  const steps = messageSteps[launch.login.messageType];
  if (!steps)
    throw refused(
      'state',
      'This launch was started for a kind of message the academy does not accept; please launch again.',
      purposes.state,
    );
  await passes(launch, steps.checks, deps);
  const [result] = await Promise.all([steps.complete(deps, launch), rememberDeployment(deps, launch)]);
  return { ...result, cookies };
}

/**
 * lti-cs-oidc steps 7-8: a response whose login was kept in the platform's storage answers the page
 * that reads it back. Nothing is read nor used up yet (the page's own post does that, as the cookie
 * path's one request does), and the page tells nothing but what was posted to it.
 */
function checkPage(
  deps: Pick<Lti13LaunchDeps, 'config'>,
  response: LaunchResponse,
  binding: Extract<BrowserBinding, { by: 'storage-check' }>,
) {
  return storageCheckPage({
    action: toolLaunchUrl(deps.config.publicUrl, response.envId),
    idToken: response.form.id_token ?? '',
    state: binding.state,
    origin: binding.location.origin,
    target: binding.location.target,
    keys: { state: storageKeys.state(binding.state), nonce: storageKeys.nonce(binding.state) },
  });
}
