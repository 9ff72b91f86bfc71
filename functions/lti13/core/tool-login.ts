/**
 * `GET` and `POST /{env}/lti13/login`: OIDC third-party initiated login (Security 1.0 §5.1.1.1;
 * LTI Core 1.3 §4.1; OpenID Connect Core §4). The checks run in the order listed in `checks`, each
 * a small function that throws a `LaunchError`; then the login's state is stored and the browser is
 * sent to the platform's OIDC authentication URL with the authentication request (Security 1.0
 * §5.1.1.2).
 */
import type { Activity, Environment, Platform } from '../../academy/model';
import type { Config } from '../../config';
import { randomToken, sha256Base64url } from '../../crypto';
import { LaunchError } from '../../errors';
import { formFields, pathParam } from '../../http/request';
import { redirect } from '../../http/responses';
import type { ApiEvent, ApiResult } from '../../http/types';
import { badParameter, ltiDisabled, missing } from '../../lti/errors';
import type { Clock, Lti13LaunchStore, OidcState, PlatformRegistrationStore, SingleUseStore } from '../../ports';
import { stateCookie, stateLifetimeSeconds } from './tool-state';
import { activityOfTargetLink, toolLaunchUrl } from './tool-urls';

/** What each login parameter is for, shown when it is missing or wrong. */
export const loginPurposes = {
  iss: "the platform's issuer identifier, by which the academy finds the platform registration",
  login_hint: 'the platform\'s hint of who is logging in; the academy hands it back to the platform unchanged',
  target_link_uri: 'the LTI 1.3 resource URL of the activity to open (shown in the activity\'s LTI settings)',
  client_id: "the academy's client id at the platform, when one issuer has several registrations",
  lti_deployment_id: 'the deployment the launch will come from',
} as const;

export interface ToolLoginDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly lti13Launches: Lti13LaunchStore;
  readonly platformRegistrations: PlatformRegistrationStore;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
}

/** The state the checks read and fill in. */
export interface Lti13Login {
  readonly envId: string;
  readonly params: Readonly<Record<string, string>>;
  activityId?: string;
  environment?: Environment;
  activity?: Activity;
  candidates?: Platform[];
  platform?: Platform;
}

type Check = (login: Lti13Login, deps: ToolLoginDeps) => void | Promise<void>;

const required = (name: 'iss' | 'login_hint' | 'target_link_uri') => (login: Lti13Login) => {
  if (!login.params[name]?.trim()) throw missing(name, loginPurposes[name]);
};

const targetLinkOfThisEnvironment: Check = (login, deps) => {
  login.activityId = activityOfTargetLink(deps.config.publicUrl, login.envId, login.params.target_link_uri!.trim());
  if (!login.activityId) {
    throw badParameter(
      'target_link_uri',
      `The target_link_uri ${login.params.target_link_uri} is not an LTI 1.3 resource URL of this environment.`,
      loginPurposes.target_link_uri,
    );
  }
};

/** Two reads at once: the environment and activity (one BatchGetItem), and the issuer's platforms. */
const readContext: Check = async (login, deps) => {
  const clientId = login.params.client_id?.trim() || undefined;
  const [context, candidates] = await Promise.all([
    deps.lti13Launches.loginContext(login.envId, login.activityId!),
    deps.platformRegistrations.findByIssuer(login.envId, login.params.iss!.trim(), clientId),
  ]);
  login.environment = context.environment;
  login.activity = context.activity;
  login.candidates = candidates;
};

const environmentEnablesLti: Check = (login) => {
  if (!login.environment) throw new LaunchError(404, 'not_found', 'There is no such environment.');
  if (!login.environment.ltiEnabled) throw ltiDisabled();
};

const activityAvailable: Check = (login) => {
  if (!login.activity?.availableForLti) throw new LaunchError(404, 'not_found', 'This activity does not exist or is not available for LTI.');
};

/** The one activated platform of this issuer (and client id, when sent). */
const platformRegistered: Check = (login) => {
  const candidates = login.candidates ?? [];
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
  if (activated.length === 0) {
    throw new LaunchError(401, 'platform_deactivated', `The LTI 1.3 platform with ${known} is deactivated in this environment.`, 'iss');
  }
  if (activated.length > 1) {
    throw new LaunchError(
      400,
      'ambiguous_platform',
      `Several LTI 1.3 platforms with issuer ${iss} are registered in this environment: the login must send client_id.`,
      'client_id',
      loginPurposes.client_id,
    );
  }
  login.platform = activated[0];
};

/** LTI Core 1.3 §4.1.2: when sent, it is the deployment the launch will carry. */
const deploymentRegistered: Check = (login) => {
  const deploymentId = login.params.lti_deployment_id;
  if (deploymentId !== undefined && deploymentId !== login.platform!.deploymentId) {
    throw badParameter('lti_deployment_id', `The deployment ${deploymentId} is not the one registered for this platform.`, loginPurposes.lti_deployment_id);
  }
};

/** The checks, in order. */
export const checks: readonly Check[] = [
  required('iss'),
  required('login_hint'),
  required('target_link_uri'),
  targetLinkOfThisEnvironment,
  readContext,
  environmentEnablesLti,
  activityAvailable,
  platformRegistered,
  deploymentRegistered,
];

/** The login parameters: the query of a GET, the form of a POST (a platform may use either). */
export function readLogin(event: ApiEvent): Lti13Login {
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

/** Runs the checks, stores the state, and redirects the browser to the platform. */
export async function lti13ToolLogin(deps: ToolLoginDeps, event: ApiEvent): Promise<ApiResult> {
  const login = readLogin(event);
    for (const check of checks) await check(login, deps);
    const platform = login.platform!;
    const state = randomToken();
    const nonce = randomToken();
    const now = deps.clock.now();
    const stored: OidcState = {
      environmentId: login.envId,
      platformId: platform.id,
      activityId: login.activityId!,
      targetLinkUri: login.params.target_link_uri!.trim(),
      nonce,
      expiresAt: Math.floor(now / 1000) + stateLifetimeSeconds,
    };
    await deps.singleUse.create('oidc-state', login.envId, sha256Base64url(state), stored, stored.expiresAt, now);
    const redirectUri = toolLaunchUrl(deps.config.publicUrl, login.envId);
    return redirect(authenticationRequest(platform, redirectUri, login.params, state, nonce), 302, {}, [stateCookie(login.envId, state)]);
}
