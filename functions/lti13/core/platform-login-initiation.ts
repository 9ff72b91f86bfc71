/**
 * Step 1 of an LTI 1.3 launch by the academy as platform: OIDC third-party login initiation
 * (Security 1.0 §5.1.1.1; OpenID Connect Core §4). The browser, holding a consumed launch ticket, is
 * redirected to the tool's login initiation URL with `iss`, `login_hint`, `target_link_uri`,
 * `lti_message_hint`, `client_id` and `lti_deployment_id`.
 *
 * The launch waits server-side as a pending login (ephemeral, 5 minutes), stored under the hash of
 * its `login_hint` (random, opaque) and bound to
 * - the `lti_message_hint` (random, opaque, single use: the login is consumed at authorization), and
 * - this browser, by a cookie holding a random secret whose hash the login keeps
 *   (`SameSite=None; Secure; HttpOnly; Partitioned`, path `/{env}/lti13`), so that a login link
 *   that leaks from one browser cannot be completed in another. `Partitioned` (CHIPS) keeps it
 *   working when the academy embeds the launch in a cross-site iframe, where browsers block
 *   unpartitioned third-party cookies.
 * Each login has its own cookie name (from its hint), so two launches in two tabs do not collide.
 */
import type { Activity, Environment, ExternalLti13, Tool, User } from '../../academy/model';
import type { Config } from '../../config';
import { randomToken, sha256Base64url } from '../../crypto';
import { HttpError } from '../../errors';
import { redirect } from '../../http/responses';
import type { ApiResult } from '../../http/types';
import type { Clock, LaunchTicket, PendingLogin, SingleUseStore, ToolStore } from '../../ports';
import { messageTypes } from './claims';
import { platformIssuer } from './platform-urls';
import { originsOf, platformHostPage } from '../platform-storage/platform-host-page';
import { parentTarget, storageTargetParameter } from '../platform-storage/vocabulary';

/** A pending login waits 5 minutes for the tool's authorization request. */
export const pendingLoginLifetimeSeconds = 5 * 60;

export interface PlatformLoginDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly tools: ToolStore;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
}

/** A consumed launch ticket of an LTI 1.3 activity, with what it refers to. */
export interface PlatformLti13Launch {
  readonly ticket: LaunchTicket;
  readonly environment: Environment;
  readonly activity: Activity & { readonly lti: ExternalLti13 };
  readonly user: User;
}

/** The cookie that binds the browser to the pending login of `loginHint`. */
export function loginCookieName(loginHint: string): string {
  return `lti13_login_${sha256Base64url(`cookie:${loginHint}`).slice(0, 16)}`;
}

/** The cookie's path: the environment's LTI 1.3 endpoints, below the public URL's own path (an API stage). */
export function loginCookiePath(publicUrl: string, environmentId: string): string {
  return `${new URL(publicUrl).pathname.replace(/\/+$/, '')}/${encodeURIComponent(environmentId)}/lti13`;
}

/** `Set-Cookie` for the browser binding; `maxAge` 0 clears it. */
export function loginCookie(publicUrl: string, environmentId: string, name: string, value: string, maxAge: number): string {
  return `${name}=${value}; Path=${loginCookiePath(publicUrl, environmentId)}; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=None; Partitioned`;
}

/** The tool a launch goes to: registered in the environment and activated, else the page that says why not. */
export function launchableTool(tool: Tool | undefined, what = 'this activity'): Tool {
  if (!tool) {
    throw new HttpError(
      404,
      'tool_unavailable',
      `The LTI 1.3 tool of ${what} is no longer registered in the academy. Please tell the academy administrator.`,
    );
  }
  if (!tool.activated) {
    throw new HttpError(403, 'tool_deactivated', `The LTI 1.3 tool of ${what} is deactivated. Please tell the academy administrator.`);
  }
  return tool;
}

/** The random values of one login: its `login_hint`, its `lti_message_hint` and the browser's secret. */
export interface LoginSecrets {
  readonly loginHint: string;
  readonly messageHint: string;
  readonly browserSecret: string;
}

export function loginSecrets(): LoginSecrets {
  return { loginHint: randomToken(), messageHint: randomToken(), browserSecret: randomToken() };
}

/** What every pending login keeps of its browser binding and lifetime, by the login's secrets. */
export function pendingLoginBinding(secrets: LoginSecrets, now: number) {
  return {
    messageHintHash: sha256Base64url(secrets.messageHint),
    browserHash: sha256Base64url(secrets.browserSecret),
    expiresAt: Math.floor(now / 1000) + pendingLoginLifetimeSeconds,
  };
}

/**
 * Stores the pending login (one conditional write) and answers the 302 to the tool's login
 * initiation URL (keeping that URL's own query parameters), with the browser cookie.
 */
export async function initiateLogin(
  deps: PlatformLoginDeps,
  tool: Tool,
  login: PendingLogin,
  secrets: LoginSecrets,
  now: number,
): Promise<ApiResult> {
  const { loginHint, messageHint, browserSecret } = secrets;
  await deps.singleUse.create('pending-login', login.environmentId, sha256Base64url(loginHint), login, login.expiresAt, now);
  const location = new URL(tool.oidcUrl);
  location.searchParams.set('iss', platformIssuer(deps.config.publicUrl, login.environmentId));
  location.searchParams.set('login_hint', loginHint);
  location.searchParams.set('target_link_uri', login.targetLinkUri);
  location.searchParams.set('lti_message_hint', messageHint);
  location.searchParams.set('client_id', tool.clientId);
  location.searchParams.set('lti_deployment_id', tool.deploymentId);
  const cookie = loginCookie(
    deps.config.publicUrl,
    login.environmentId,
    loginCookieName(loginHint),
    browserSecret,
    pendingLoginLifetimeSeconds,
  );
  if (tool.platformStorage) {
    // lti-cs-oidc R1: the tool's frame keeps its login in this page (`_parent`), which answers it.
    location.searchParams.set(storageTargetParameter, parentTarget);
    return platformHostPage(
      {
        loginUrl: location.toString(),
        origins: originsOf([tool.oidcUrl, ...(tool.redirectUris ?? []), tool.deepLinkingUrl, tool.targetLinkUri, login.targetLinkUri]),
        title: login.messageType === 'LtiResourceLinkRequest' ? login.activity.title : tool.name,
      },
      [cookie],
    );
  }
  return redirect(location.toString(), 302, {}, [cookie]);
}

/**
 * Starts the LTI 1.3 launch of a consumed ticket: stores the pending login, whose message is a
 * resource link launch (`LtiResourceLinkRequest`, Core 1.3 §5.3.1), and answers the 302 to the tool's
 * login initiation URL, with the browser cookie.
 */
export async function lti13LoginInitiation(deps: PlatformLoginDeps, launch: PlatformLti13Launch): Promise<ApiResult> {
  const { environment, activity, user, ticket } = launch;
  const tool = launchableTool(await deps.tools.get(environment.id, activity.lti.toolId));
  const secrets = loginSecrets();
  const now = deps.clock.now();
  const login: PendingLogin = {
    messageType: messageTypes.resourceLink,
    environmentId: environment.id,
    toolId: tool.id,
    activityId: activity.id,
    userId: user.id,
    targetLinkUri: activity.lti.resourceUrl,
    user: { email: user.email, givenName: user.givenName, familyName: user.familyName },
    activity: { title: activity.title, ...(activity.lti.customParameters ? { customParameters: activity.lti.customParameters } : {}) },
    environmentName: environment.name,
    returnUrl: ticket.returnUrl ?? environment.academyUrl,
    ...pendingLoginBinding(secrets, now),
  };
  return initiateLogin(deps, tool, login, secrets, now);
}
