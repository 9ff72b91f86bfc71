/**
 * `GET` and `POST /{env}/lti13/login`: OIDC third-party initiated login (Security 1.0 §5.1.1.1;
 * LTI Core 1.3 §4.1; OpenID Connect Core §4). The login goes through typed phases (the request,
 * the targeted login, the platform login), each step a small function that throws a `LaunchError`;
 * then the login's state is stored, with the message type its launch must carry, and the browser
 * is sent to the platform's OIDC authentication URL with the authentication request (Security 1.0
 * §5.1.1.2).
 */
import { passes, type Check as PhaseCheck } from '../../lti/pipeline';
import type { Activity, Environment, Platform } from '../../academy/model';
import { validId } from '../../academy/validation';
import type { Config } from '../../config';
import { randomToken, sha256Base64url } from '../../crypto';
import { LaunchError } from '../../errors';
import { formFields, pathParam } from '../../http/request';
import { redirect } from '../../http/responses';
import type { ApiEvent, ApiResult } from '../../http/types';
import { availableActivity, checkLtiEnvironment, requiredParameter } from '../../lti/checks';
import { badParameter } from '../../lti/errors';
import type { Clock, EnvironmentStore, Lti13LaunchStore, OidcState, PlatformRegistrationStore, SingleUseStore } from '../../ports';
import { messageTypes } from './claims';
import { stateCookie, stateLifetimeSeconds } from './tool-state';
import { activityOfTargetLink, isDeepLinkingTarget, toolLaunchUrl, toolLoginUrl } from './tool-urls';
import { deepLinkingMessageTypes } from '../deep-linking/vocabulary';
import { acceptsDeployment, unlistedDeployment } from './tool-deployments';
import { externalKeys } from '../../academy/identity';
import { storageLoginPage } from '../platform-storage/tool-pages';
import { platformStorageOrigin, storageState, type StorageLocation } from '../platform-storage/tool-state';
import { storageKeys, storageTargetParameter, validStorageTarget } from '../platform-storage/vocabulary';

/** What each login parameter is for, shown when it is missing or wrong. */
export const loginPurposes = {
  iss: "the platform's issuer identifier, by which the academy finds the platform registration",
  login_hint: "the platform's hint of who is logging in; the academy hands it back to the platform unchanged",
  target_link_uri:
    "the LTI 1.3 resource URL of the activity to open (shown in the activity's LTI settings), or the deep linking URL to choose activities",
  client_id: "the academy's client id at the platform, when one issuer has several registrations",
  lti_deployment_id: 'the deployment the launch will come from',
} as const;

export interface ToolLoginDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly environments: EnvironmentStore;
  readonly lti13Launches: Lti13LaunchStore;
  readonly platformRegistrations: PlatformRegistrationStore;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
}

/** The login as the platform sent it. */
export interface LoginRequest {
  readonly envId: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * What the login is for, read from its `target_link_uri` (Core 1.3 §4.1): the message the launch
 * must carry and what it opens. Each message type the tool accepts has one entry in
 * `./tool-launch.ts`'s `messageSteps`: the resource link of an activity, and the deep linking
 * request at the environment's deep linking URL (Deep Linking 2.0 §2.1), which opens the picker.
 */
export type LoginTarget =
  | { readonly messageType: typeof messageTypes.resourceLink; readonly activityId: string }
  | { readonly messageType: typeof deepLinkingMessageTypes.request };

/** Phase 2: the environment (LTI on), the required parameters, the target, and what they name. */
export interface TargetedLogin extends LoginRequest {
  readonly environment: Environment;
  readonly issuer: string;
  readonly targetLinkUri: string;
  readonly target: LoginTarget;
  /** The activity a resource link opens, available for LTI; a deep linking request opens none. */
  readonly activity?: Activity;
  /** The platforms registered for the issuer (and `client_id`, when sent). */
  readonly candidates: readonly Platform[];
}

/** Phase 3: the one platform the login comes from. */
export interface PlatformLogin extends TargetedLogin {
  readonly platform: Platform;
}

type Check<Phase> = PhaseCheck<Phase, ToolLoginDeps>;

/** The target of a target link URI of this environment, or undefined (an unknown or foreign URI). */
function loginTarget(publicUrl: string, login: LoginRequest): LoginTarget | undefined {
  const uri = login.params.target_link_uri?.trim();
  if (uri && isDeepLinkingTarget(publicUrl, login.envId, uri)) return { messageType: deepLinkingMessageTypes.request };
  const activityId = uri ? activityOfTargetLink(publicUrl, login.envId, uri) : undefined;
  return activityId === undefined ? undefined : { messageType: messageTypes.resourceLink, activityId };
}

/**
 * Every read of the login, at once and before any check: the environment with the target's
 * activity (one BatchGetItem; the environment alone when the target is not of this environment),
 * and the issuer's platforms (one Query). The environment is checked first of all.
 */
async function readContext(deps: ToolLoginDeps, login: LoginRequest) {
  const target = loginTarget(deps.config.publicUrl, login);
  const issuer = login.params.iss?.trim();
  const clientId = login.params.client_id?.trim() || undefined;
  const [context, candidates] = await Promise.all([
    target && 'activityId' in target
      ? deps.lti13Launches.loginContext(login.envId, target.activityId)
      : validId(login.envId)
        ? deps.environments.get(login.envId).then((environment) => ({ environment, activity: undefined }))
        : { environment: undefined, activity: undefined },
    issuer ? deps.platformRegistrations.findByIssuer(login.envId, issuer, clientId) : [],
  ]);
  return { target, candidates, environment: checkLtiEnvironment(context.environment), activity: context.activity };
}

/** Security 1.0 §5.1.1.1: `iss`, `login_hint` and `target_link_uri` are required; the target is an activity of this environment. */
function targetedLogin(login: LoginRequest, read: Awaited<ReturnType<typeof readContext>>): TargetedLogin {
  const issuer = requiredParameter(login.params, 'iss', loginPurposes.iss).trim();
  requiredParameter(login.params, 'login_hint', loginPurposes.login_hint);
  const targetLinkUri = requiredParameter(login.params, 'target_link_uri', loginPurposes.target_link_uri).trim();
  if (!read.target) {
    throw badParameter(
      'target_link_uri',
      `The target_link_uri ${login.params.target_link_uri} is not an LTI 1.3 resource URL, nor the deep linking URL, of this environment.`,
      loginPurposes.target_link_uri,
    );
  }
  const { target } = read;
  const activity = 'activityId' in target ? availableActivity(read.activity) : undefined;
  return {
    ...login,
    environment: read.environment,
    issuer,
    targetLinkUri,
    target,
    ...(activity ? { activity } : {}),
    candidates: read.candidates,
  };
}

/** The one activated platform of this issuer (and client id, when sent). */
function platformLogin(login: TargetedLogin): PlatformLogin {
  const { candidates } = login;
  const { iss, client_id: clientId } = login.params;
  const known = clientId ? `issuer ${iss} and client_id ${clientId}` : `issuer ${iss}`;
  if (candidates.length === 0) {
    throw new LaunchError(
      400,
      'unknown_platform',
      `No LTI 1.3 platform with ${known} is registered in this environment: register it in the academy's LTI settings.`,
      clientId ? 'client_id' : 'iss',
      clientId ? loginPurposes.client_id : loginPurposes.iss,
    );
  }
  const activated = candidates.filter((platform) => platform.activated);
  const [platform, ...others] = activated;
  if (!platform) {
    throw new LaunchError(401, 'platform_deactivated', `The LTI 1.3 platform with ${known} is deactivated in this environment.`, 'iss');
  }
  if (others.length > 0) {
    // Platforms sharing an issuer (Canvas cloud, Blackboard SaaS) are told apart by client_id, or by
    // the deployment when exactly one of them lists it.
    const deploymentId = login.params.lti_deployment_id;
    const listing = activated.filter((candidate) => deploymentId !== undefined && candidate.deploymentIds.includes(deploymentId));
    if (listing.length === 1) return { ...login, platform: listing[0]! };
    throw new LaunchError(
      400,
      'ambiguous_platform',
      `Several LTI 1.3 platforms with issuer ${iss} are registered in this environment: the login must send client_id ` +
        '(or a lti_deployment_id that exactly one of them lists).',
      'client_id',
      loginPurposes.client_id,
    );
  }
  return { ...login, platform };
}

/** LTI Core 1.3 §4.1.2: when sent, it is the deployment the launch will carry. */
const deploymentRegistered: Check<PlatformLogin> = (login) => {
  const deploymentId = login.params.lti_deployment_id;
  if (deploymentId !== undefined && !acceptsDeployment(login.platform, deploymentId)) {
    throw badParameter('lti_deployment_id', unlistedDeployment(login.platform, deploymentId), loginPurposes.lti_deployment_id);
  }
};

/** The checks of a login whose platform is known, in order. */
export const platformChecks: readonly Check<PlatformLogin>[] = [deploymentRegistered];

/** The login parameters: the query of a GET, the form of a POST (a platform may use either). */
export function readLogin(event: ApiEvent): LoginRequest {
  const params = event.requestContext.http.method === 'POST' ? formFields(event) : { ...(event.queryStringParameters ?? {}) };
  return { envId: pathParam(event, 'env'), params: params as Record<string, string> };
}

/** The authentication request (Security 1.0 §5.1.1.2) on the platform's OIDC authentication URL. */
export function authenticationRequest(
  platform: Platform,
  redirectUri: string,
  params: Readonly<Record<string, string>>,
  state: string,
  nonce: string,
): string {
  const url = new URL(platform.authUrl);
  const query: Record<string, string | undefined> = {
    scope: 'openid',
    response_type: 'id_token',
    response_mode: 'form_post',
    prompt: 'none',
    client_id: platform.clientId,
    redirect_uri: redirectUri,
    login_hint: params.login_hint,
    // Core 1.3 §4.1.1: opaque, handed back unaltered.
    lti_message_hint: params.lti_message_hint,
    state,
    nonce,
  };
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * The login, step by step: the environment first (LTI switched off answers 403 before anything
 * else), the parameters and the target, the platform, then the state is stored (one conditional
 * write, used once by the launch) and the browser is sent to the platform.
 */
export async function lti13ToolLogin(deps: ToolLoginDeps, event: ApiEvent): Promise<ApiResult> {
  const request = readLogin(event);
  const login = platformLogin(targetedLogin(request, await readContext(deps, request)));
  await passes(login, platformChecks, deps);
  const storage = storageOf(login);
  const random = randomToken();
  const state = storage ? storageState(random, storage) : random;
  const nonce = randomToken();
  const proof = storage ? randomToken() : undefined;
  const now = deps.clock.now();
  const stored: OidcState = {
    environmentId: login.envId,
    platformId: login.platform.id,
    externalKey: externalKeys.lti13(login.platform.issuer, login.platform.clientId),
    ...('activityId' in login.target ? { activityId: login.target.activityId } : {}),
    messageType: login.target.messageType,
    targetLinkUri: login.targetLinkUri,
    nonce,
    ...(proof ? { storageProofHash: sha256Base64url(proof) } : {}),
    expiresAt: Math.floor(now / 1000) + stateLifetimeSeconds,
  };
  await deps.singleUse.create('oidc-state', login.envId, sha256Base64url(state), stored, stored.expiresAt, now);
  const redirectUri = toolLaunchUrl(deps.config.publicUrl, login.envId);
  const next = authenticationRequest(login.platform, redirectUri, login.params, state, nonce);
  if (storage && proof) {
    // lti-cs-oidc: no cookie; the page keeps the proof and nonce in the platform's storage.
    return storageLoginPage({
      origin: storage.origin,
      target: storage.target,
      keys: { state: storageKeys.state(state), nonce: storageKeys.nonce(state) },
      proof,
      nonce,
      next,
      fallback: cookieLoginUrl(deps.config.publicUrl, login),
    });
  }
  return redirect(next, 302, {}, [stateCookie(login.envId, state)]);
}

/**
 * lti-cs-oidc: a login with `lti_storage_target` keeps its values in the platform's storage, which
 * answers from the origin of the platform's registered OIDC authentication URL (never from one the
 * request names). Without it, or with a frame name no platform sends, the cookie path.
 */
function storageOf(login: PlatformLogin): StorageLocation | undefined {
  const target = login.params[storageTargetParameter];
  return validStorageTarget(target) ? { origin: platformStorageOrigin(login.platform.authUrl), target } : undefined;
}

/** The same login without `lti_storage_target`, where a platform that did not answer sends the page. */
function cookieLoginUrl(publicUrl: string, login: PlatformLogin): string {
  const url = new URL(toolLoginUrl(publicUrl, login.envId));
  for (const [name, value] of Object.entries(login.params)) if (name !== storageTargetParameter) url.searchParams.set(name, value);
  return url.toString();
}
