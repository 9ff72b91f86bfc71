/**
 * The academy as LTI 1.3 platform sends a deep linking request (Deep Linking 2.0 §2.1, §4.4): the
 * browser holding a consumed deep linking ticket is sent through the same OIDC login initiation as
 * a resource link launch (Security 1.0 §5.1.1.1), to the tool's deep linking URL, and the pending
 * login asks the authorization endpoint for an `LtiDeepLinkingRequest` (`./platform-claims.ts`).
 */
import type { Tool } from '../../academy/model';
import { validId } from '../../academy/validation';
import { HttpError } from '../../errors';
import type { ApiResult } from '../../http/types';
import type { DeepLinkLaunch } from '../../lti/platform-launch';
import type { DeepLinkingPendingLogin } from '../../ports';
import {
  initiateLogin,
  launchableTool,
  loginSecrets,
  pendingLoginBinding,
  type PlatformLoginDeps,
} from '../core/platform-login-initiation';
import { deepLinkingMessageTypes } from './vocabulary';

/** The `data` of a deep link's request: its id, then the secret (`.` never occurs in a UUID nor in base64url). */
export function deepLinkData(deepLinkId: string, secret: string): string {
  return `${deepLinkId}.${secret}`;
}

/** The deep link a response's `data` names, when it has the shape `deepLinkData` gives. */
export function deepLinkIdOf(data: unknown): string | undefined {
  if (typeof data !== 'string') return undefined;
  const [id, secret, ...rest] = data.split('.');
  return id && secret && rest.length === 0 && validId(id) ? id : undefined;
}

/**
 * The target link URI of a tool's deep linking requests: its `deepLinkingUrl`, else its first
 * redirect URI (where tools that take every message at one URL, as ltijs does, receive them).
 */
export function deepLinkingTarget(tool: Pick<Tool, 'deepLinkingUrl' | 'redirectUris'>): string | undefined {
  return tool.deepLinkingUrl ?? tool.redirectUris?.[0];
}

/** Starts the deep linking request of a consumed ticket: the pending login, and the 302 to the tool's login initiation URL. */
export async function deepLinkingInitiation(deps: PlatformLoginDeps, launch: DeepLinkLaunch): Promise<ApiResult> {
  const { ticket, environment, user } = launch;
  const tool = launchableTool(await deps.tools.get(environment.id, ticket.toolId), 'this deep linking request');
  const targetLinkUri = deepLinkingTarget(tool);
  if (!targetLinkUri) {
    throw new HttpError(
      409,
      'no_deep_linking_url',
      'The LTI 1.3 tool of this deep linking request has neither a deep linking URL nor a redirect URI. Please tell the academy administrator.',
    );
  }
  const secrets = loginSecrets();
  const now = deps.clock.now();
  const login: DeepLinkingPendingLogin = {
    messageType: deepLinkingMessageTypes.request,
    environmentId: environment.id,
    toolId: tool.id,
    userId: user.id,
    targetLinkUri,
    deepLinkId: ticket.deepLinkId,
    data: ticket.data,
    user: { email: user.email, givenName: user.givenName, familyName: user.familyName },
    environmentName: environment.name,
    returnUrl: ticket.returnUrl ?? environment.academyUrl,
    ...pendingLoginBinding(secrets, now),
  };
  return initiateLogin(deps, tool, login, secrets, now);
}
