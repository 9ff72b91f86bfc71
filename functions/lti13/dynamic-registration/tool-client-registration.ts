/**
 * The academy's client registration (Dynamic Registration 1.0 §3.5.2 "Client Registration Request",
 * OpenID Connect Registration 1.0 §2) and what it reads of the platform's answer (§3.6.1
 * "Successful Registration", §3.6.2 "Client Registration Error Response"). Pure: the endpoint
 * (`./tool-register.ts`) sends it.
 *
 * The academy registers everything it supports, narrowed to what the platform offers (§3.5.2: a
 * tool asks only for scopes in `scopes_supported` and message types in `messages_supported`): the
 * resource link and deep linking messages, the identity claims it needs to find or create a learner,
 * and the AGS and NRPS scopes its passbacks and roster syncs use.
 */
import { HttpError } from '../../errors';
import { agsScopes } from '../ags/vocabulary';
import { messageTypes } from '../core/claims';
import { toolConfiguration } from '../core/tool-urls';
import { deepLinkingMessageTypes } from '../deep-linking/vocabulary';
import { nrpsScope } from '../nrps/vocabulary';
import type { PlatformConfiguration } from './tool-platform-configuration';
import { canvasDeepLinkingPlacements, canvasPrivacyLevelClaim, registrationValues, toolConfigurationClaim } from './vocabulary';

/**
 * The scopes the academy's services use as tool: AGS scores and line items (`../ags/tool-client.ts`
 * reads or creates the activity's line item when the launch gave none), NRPS memberships
 * (`../nrps/tool-memberships.ts`).
 */
export const toolScopes = [agsScopes.score, agsScopes.lineitem, agsScopes.lineitemReadonly, nrpsScope] as const;

/**
 * OpenID claims the academy needs in every id_token (§2.2.1 `claims`): `sub` and `iss` identify the
 * learner, the names and email create or link the account (docs/product.md "Who is who").
 */
export const toolClaims = ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'] as const;

/** What the registration says of the academy. */
export interface RegistrationSubject {
  readonly publicUrl: string;
  readonly environmentId: string;
  /** The environment's name: the client name the LMS administrator sees. */
  readonly name: string;
}

/** Whether the platform lists a message type (every one when it lists none). */
function supports(config: PlatformConfiguration, type: string): boolean {
  return config.messagesSupported.length === 0 || config.messagesSupported.some((message) => message.type === type);
}

/** The Canvas deep linking placements the platform offers (Canvas names them; other platforms list none of these). */
function deepLinkingPlacements(config: PlatformConfiguration): string[] {
  const offered = config.messagesSupported.find((message) => message.type === deepLinkingMessageTypes.request)?.placements ?? [];
  return canvasDeepLinkingPlacements.filter((placement) => offered.includes(placement));
}

/**
 * §3.5.2: the registration request's body. Its `target_link_uri` is the deep linking URL: the
 * academy's links are made by deep linking (each carries its activity's resource URL), so a
 * platform that falls back to the tool's URL (Brightspace, when a link has none) opens the picker.
 */
export function clientRegistration(subject: RegistrationSubject, config: PlatformConfiguration): Record<string, unknown> {
  const tool = toolConfiguration(subject.publicUrl, subject.environmentId);
  const scopes = toolScopes.filter((scope) => !config.scopesSupported || config.scopesSupported.includes(scope));
  const placements = deepLinkingPlacements(config);
  const messages = [
    ...(supports(config, messageTypes.resourceLink) ? [{ type: messageTypes.resourceLink, label: subject.name }] : []),
    ...(supports(config, deepLinkingMessageTypes.request)
      ? [
          {
            type: deepLinkingMessageTypes.request,
            target_link_uri: tool.deepLinkingUrl,
            label: `${subject.name}: choose activities`,
            ...(placements.length > 0 ? { placements } : {}),
          },
        ]
      : []),
  ];
  return {
    application_type: registrationValues.applicationType,
    response_types: [registrationValues.responseType],
    grant_types: [...registrationValues.grantTypes],
    initiate_login_uri: tool.loginUrl,
    redirect_uris: [tool.redirectUrl],
    client_name: subject.name,
    jwks_uri: tool.jwksUrl,
    token_endpoint_auth_method: registrationValues.tokenEndpointAuthMethod,
    scope: scopes.join(' '),
    [toolConfigurationClaim]: {
      domain: new URL(subject.publicUrl).host,
      target_link_uri: tool.deepLinkingUrl,
      description: `The activities of ${subject.name}, launched over LTI 1.3 with lti-bridge.`,
      claims: [...toolClaims],
      messages,
      // Canvas sends names and email only at privacy level "public" (ignored by other platforms).
      [canvasPrivacyLevelClaim]: 'public',
    },
  };
}

/** What the academy keeps of a successful registration (§3.6.1). */
export interface RegisteredClient {
  readonly clientId: string;
  /** Given when the platform deployed the tool as it registered it (Moodle); else learned at the first launch. */
  readonly deploymentId?: string;
  /** The scopes granted, when the platform says (it may grant fewer than asked). */
  readonly scope?: string;
}

/** A platform's id may come as a JSON number (numeric ids); it is kept as the string it is. */
function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** The platform's error, as OIDC Registration §3.3 has it (`error`, `error_description`), or its text, shortened. */
function platformError(body: string): string {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const { error, error_description: description } = parsed as Record<string, unknown>;
      const text = [error, description].filter((part) => typeof part === 'string' && part).join(': ');
      if (text) return text.slice(0, 300);
    }
    if (typeof parsed === 'string' && parsed) return parsed.slice(0, 300);
  } catch {
    // Moodle answers its errors as bare text.
  }
  return body.trim().slice(0, 300) || 'no reason given';
}

/** The platform's answer to the registration: its client (and deployment) id, or the error it gave. */
export function registeredClient(status: number, body: string): RegisteredClient {
  if (status < 200 || status > 299) {
    throw new HttpError(502, 'registration_refused', `The platform refused the registration (HTTP ${status}): ${platformError(body)}.`, {
      field: 'registration_endpoint',
      expose: true,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const answer = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const clientId = idOf(answer.client_id);
  if (!clientId) {
    throw new HttpError(502, 'registration_refused', 'The platform answered the registration without a client_id.', {
      field: 'client_id',
      expose: true,
    });
  }
  const lti = answer[toolConfigurationClaim];
  const deploymentId = typeof lti === 'object' && lti !== null ? idOf((lti as Record<string, unknown>).deployment_id) : undefined;
  return {
    clientId,
    ...(deploymentId !== undefined ? { deploymentId } : {}),
    ...(typeof answer.scope === 'string' ? { scope: answer.scope } : {}),
  };
}
