/**
 * The claims of the id_token the academy as platform sends when it launches an LTI 1.3 tool: the
 * OpenID Connect ID Token claims (Security 1.0 §5.1.2), the LTI claims every message carries (Core
 * 1.3 §5.3 required, §5.4 optional), and those of the pending login's message type: for a resource
 * link launch, the link, its context, the AGS endpoint claim (AGS 2.0 §3.1) and the NRPS claim
 * (NRPS 2.0 §3.6.1); for a deep linking request, its settings (`../deep-linking/platform-claims.ts`).
 * Pure: the caller signs them (one KMS `Sign`).
 *
 * What the academy's records become:
 * - `sub` is the academy user id (stable, never reassigned); the learner's names and email follow.
 * - The context of a resource link launch is the activity: each external activity has its own line item container
 *   (`…/ags/{activityId}/lineitems`, "the line item container for the current context", AGS §3.1),
 *   so the context id, and the resource link id, is the activity id.
 * - `tool_platform.guid` is the environment (one academy), as in LTI 1.2 launches.
 */
import type { Tool } from '../../academy/model';
import { agsEndpointClaim, agsScopes } from '../ags/vocabulary';
import { nrpsClaim, nrpsScope, nrpsServiceVersion } from '../nrps/vocabulary';
import { productFamilyCode } from '../../lti/product';
import { claims, contextRole, contextTypes, ltiVersion, messageTypes } from './claims';
import type { PendingLogin, PlatformMessageType, ResourceLinkPendingLogin } from '../../ports';
import { deepLinkingRequestClaims } from '../deep-linking/platform-claims';
import { deepLinkingMessageTypes } from '../deep-linking/vocabulary';
import { agsEndpoints, nrpsMembershipsUrl, platformIssuer } from './platform-urls';
import { substituteVariables } from './platform-variables';

/** Five minutes: long enough for a slow browser, short enough for a tool's nonce store. */
export const idTokenLifetimeSeconds = 5 * 60;

/** The AGS scopes a launched tool may have: the AGS endpoint claim lists these (AGS 2.0 §3.1). */
export const agsToolScopes: readonly string[] = [agsScopes.lineitem, agsScopes.lineitemReadonly, agsScopes.resultReadonly, agsScopes.score];

/** Every scope a launched tool may ask an access token for; the token endpoint grants no other. */
export const toolScopes: readonly string[] = [...agsToolScopes, nrpsScope];

/**
 * The scopes a tool may have: its own (dynamic registration narrows them to those it asked for, an
 * admin may narrow them further), else every one of {@link toolScopes}.
 */
export function scopesOf(tool: Pick<Tool, 'scopes'>): readonly string[] {
  const own = tool.scopes;
  return own ? toolScopes.filter((scope) => own.includes(scope)) : toolScopes;
}

export interface IdTokenInput {
  readonly publicUrl: string;
  readonly tool: Pick<Tool, 'clientId' | 'deploymentId' | 'scopes'>;
  readonly login: PendingLogin;
  /** The authentication request's nonce, passed through unchanged (Security 1.0 §5.1.2). */
  readonly nonce: string;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/**
 * Strings trimmed at every depth: the certification suite's "Payload is Free of Extra Whitespace"
 * (cert guide §5.1.1) holds for every value, whatever an administrator typed.
 */
export function withoutStrayWhitespace<T>(value: T): T {
  if (typeof value === 'string') return value.trim() as T;
  if (Array.isArray(value)) return value.map(withoutStrayWhitespace) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.trim(), withoutStrayWhitespace(v)])) as T;
  }
  return value;
}

/** `tool_platform.guid`: stable per environment and unique across deployments (Core 1.3 §5.4.2). */
export function platformInstanceGuid(publicUrl: string, environmentId: string): string {
  return `${environmentId}.${new URL(publicUrl).host}`;
}

/** The claims one message type adds to those every message carries, from its own kind of pending login. */
export type MessageClaims<L extends PendingLogin = PendingLogin> = (input: IdTokenInput & { readonly login: L }) => Record<string, unknown>;

/**
 * `LtiResourceLinkRequest` (Core 1.3 §5.3.3-5.3.4, §5.4.1): the link launched is the activity, at its
 * resource URL, in the activity as context, with its custom parameters (§5.4.6), its AGS endpoints
 * (AGS 2.0 §3.1) and its memberships URL (NRPS 2.0 §3.6.1: "fully resolved, and matches the context
 * of the launch", the activity), each service only when the tool may have its scope (AGS: the
 * claim lists those it may have).
 */
const resourceLinkClaims: MessageClaims<ResourceLinkPendingLogin> = ({ login, publicUrl, tool }) => {
  const custom = login.activity.customParameters;
  const scopes = scopesOf(tool);
  const ags = agsToolScopes.filter((scope) => scopes.includes(scope));
  return {
    [claims.targetLinkUri]: login.targetLinkUri,
    [claims.resourceLink]: { id: login.activityId, title: login.activity.title },
    [claims.context]: {
      id: login.activityId,
      label: login.activity.title,
      title: login.activity.title,
      type: [contextTypes.courseOffering],
    },
    ...(custom && Object.keys(custom).length > 0 ? { [claims.custom]: substituteVariables(custom, login) } : {}),
    ...(ags.length > 0 ? { [agsEndpointClaim]: { scope: ags, ...agsEndpoints(publicUrl, login.environmentId, login.activityId) } } : {}),
    ...(scopes.includes(nrpsScope)
      ? {
          [nrpsClaim]: {
            context_memberships_url: nrpsMembershipsUrl(publicUrl, login.environmentId, login.activityId),
            service_versions: [nrpsServiceVersion],
          },
        }
      : {}),
  };
};

/**
 * The claims of each message type the academy sends, by the pending login's `messageType`; the
 * compiler asks for an entry for each message type the port's `PlatformMessageType` names.
 */
export const messageClaims: { readonly [T in PlatformMessageType]: MessageClaims<Extract<PendingLogin, { messageType: T }>> } = {
  [messageTypes.resourceLink]: resourceLinkClaims,
  [deepLinkingMessageTypes.request]: deepLinkingRequestClaims,
};

/** The claims of the pending login's own message type. */
function ownClaims(input: IdTokenInput): Record<string, unknown> {
  const { login } = input;
  return login.messageType === messageTypes.resourceLink
    ? messageClaims[login.messageType]({ ...input, login })
    : messageClaims[login.messageType]({ ...input, login });
}

/**
 * The id_token payload of the pending login's message: the OIDC claims and the LTI claims every
 * message carries (Security 1.0 §5.1.2; Core 1.3 §5.3-5.4), then those of its message type.
 */
export function idTokenClaims(input: IdTokenInput): Record<string, unknown> {
  const { login, tool, publicUrl } = input;
  const env = login.environmentId;
  const iat = Math.floor(input.now / 1000);
  const { givenName, familyName, email } = login.user;
  return withoutStrayWhitespace({
    iss: platformIssuer(publicUrl, env),
    aud: tool.clientId,
    azp: tool.clientId,
    sub: login.userId,
    iat,
    exp: iat + idTokenLifetimeSeconds,
    nonce: input.nonce,
    given_name: givenName,
    family_name: familyName,
    name: `${givenName.trim()} ${familyName.trim()}`,
    email,
    [claims.messageType]: login.messageType,
    [claims.version]: ltiVersion,
    [claims.deploymentId]: tool.deploymentId,
    [claims.roles]: [contextRole('Learner')],
    [claims.toolPlatform]: {
      guid: platformInstanceGuid(publicUrl, env),
      name: login.environmentName,
      product_family_code: productFamilyCode,
    },
    [claims.launchPresentation]: { document_target: 'window', return_url: login.returnUrl },
    ...ownClaims(input),
  });
}
