/**
 * `POST {base}/{env}/lti13/register`: a tool's client registration with the academy as LTI 1.3
 * platform (Dynamic Registration 1.0 §3.5 "Step 3: Client Registration", §3.6 "Client Registration
 * Response"). The steps, in order:
 *
 * 1. the environment exists and has LTI switched on (read first, as at every public LTI URL);
 * 2. the request carries a registration token as `Authorization: Bearer` (§3.5.2) that the academy
 *    handed out (`./platform-registration-initiation.ts`) and that is neither used nor expired: else
 *    401 `invalid_token` (RFC 6750 §3.1), with the Bearer challenge;
 * 3. the body is JSON, checked field by field (`./platform-client-metadata.ts`): else 400
 *    `invalid_client_metadata` or `invalid_redirect_uri` naming the field (§3.6.2). The token is not
 *    used up by a refused body, so that the tool may correct it and register again;
 * 4. the token is used up (one conditional delete: of two registrations with one token, one wins),
 *    then the tool is created, inactive until an admin activates it (`PATCH …/tools/{id}`
 *    `{activated: true}`). Nothing is written before this step.
 *
 * The answer is 201 (OIDC Dynamic Client Registration 1.0 §3.2) with the registration as stored
 * (§3.6.1): the new `client_id`, the scopes, claims and messages as narrowed, and the deployment's
 * `deployment_id` in the `lti-tool-configuration` object.
 */
import { randomUUID } from 'node:crypto';
import type { Tool } from '../../academy/model';
import type { Config } from '../../config';
import { sha256Base64url } from '../../crypto';
import { bodyText, pathParam } from '../../http/request';
import { json } from '../../http/responses';
import type { ApiEvent, ApiResult } from '../../http/types';
import { ltiEnvironment } from '../../lti/checks';
import type { Clock, EnvironmentStore, RegistrationGrant, SingleUseStore, ToolStore } from '../../ports';
import { deepLinkingMessageTypes } from '../deep-linking/vocabulary';
import { clientRegistration, RegistrationError, type ClientRegistration } from './platform-client-metadata';
import { registrationRefusals } from './platform-openid-configuration';
import { registrationErrors, registrationValues, toolConfigurationClaim } from './vocabulary';

export interface RegistrationDeps {
  readonly config: Pick<Config, 'publicUrl' | 'localMode'>;
  readonly environments: EnvironmentStore;
  readonly tools: ToolStore;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
}

/** RFC 6750 §3.1 `invalid_token`, with the Bearer challenge; the token itself is never logged or shown. */
const invalidToken = (message: string) =>
  new RegistrationError(401, 'invalid_token', message, { field: 'authorization', challenge: 'Bearer' });

const unusableToken = () =>
  invalidToken(
    'The registration token is unknown, was already used, or has expired: a token registers one tool, within an hour. Ask the academy administrator to start the registration again.',
  );

/** The token of `Authorization: Bearer <token>` (RFC 6750 §2.1). */
function bearerToken(event: ApiEvent): string {
  const header = event.headers?.authorization;
  if (!header) {
    throw invalidToken('The registration request must carry the registration_token it was given, as Authorization: Bearer <token>.');
  }
  const token = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim())?.[1];
  if (!token) throw invalidToken('The Authorization header must be Bearer <registration_token>.');
  return token;
}

/** The body, as JSON: the client metadata (§3.5.2). */
function jsonRequest(event: ApiEvent): unknown {
  const contentType = event.headers?.['content-type'] ?? '';
  if (!/^application\/json\b/i.test(contentType)) {
    throw new RegistrationError(400, registrationErrors.invalidClientMetadata, 'The registration request body must be application/json.', {
      field: 'content-type',
    });
  }
  try {
    return JSON.parse(bodyText(event)) as unknown;
  } catch {
    throw new RegistrationError(400, registrationErrors.invalidClientMetadata, 'The registration request body is not valid JSON.', {
      field: 'body',
    });
  }
}

/**
 * The tool a registration creates: inactive, its id its client id (as for a tool registered by
 * hand), a new deployment, and its deep linking requests sent to the target link URI it gave for
 * them (Moodle does the same), else its default one.
 */
function registeredTool(environmentId: string, registration: ClientRegistration, now: number): Tool {
  const id = randomUUID();
  const at = new Date(now).toISOString();
  const deepLinking = registration.messages.find((message) => message.type === deepLinkingMessageTypes.request);
  return {
    id,
    environmentId,
    name: registration.clientName,
    oidcUrl: registration.initiateLoginUri,
    jwksUrl: registration.jwksUri,
    redirectUris: [...registration.redirectUris],
    ...(deepLinking ? { deepLinkingUrl: deepLinking.targetLinkUri ?? registration.targetLinkUri } : {}),
    activated: false,
    scopes: [...registration.scopes],
    messages: [...registration.messages],
    targetLinkUri: registration.targetLinkUri,
    clientId: id,
    deploymentId: randomUUID(),
    createdAt: at,
    updatedAt: at,
  };
}

/** §3.6.1: the registration as stored, with the client id and the deployment id. */
export function registrationAnswer(tool: Tool, registration: ClientRegistration): Record<string, unknown> {
  return {
    client_id: tool.clientId,
    application_type: registrationValues.applicationType,
    grant_types: [...registrationValues.grantTypes],
    response_types: [registrationValues.responseType],
    redirect_uris: tool.redirectUris,
    initiate_login_uri: tool.oidcUrl,
    client_name: tool.name,
    jwks_uri: tool.jwksUrl,
    token_endpoint_auth_method: registrationValues.tokenEndpointAuthMethod,
    scope: registration.scopes.join(' '),
    [toolConfigurationClaim]: {
      domain: registration.domain,
      ...(registration.secondaryDomains ? { secondary_domains: registration.secondaryDomains } : {}),
      target_link_uri: registration.targetLinkUri,
      claims: registration.claims,
      messages: registration.messages.map(({ type, targetLinkUri, label }) => ({
        type,
        ...(targetLinkUri ? { target_link_uri: targetLinkUri } : {}),
        ...(label ? { label } : {}),
      })),
      deployment_id: tool.deploymentId,
    },
  };
}

/** The registration, step by step (above); the edge answers a refusal (`../../http/renderers/registration-json.ts`). */
export async function toolRegistrationEndpoint(deps: RegistrationDeps, event: ApiEvent): Promise<ApiResult> {
  const environment = await ltiEnvironment(deps, pathParam(event, 'env'), registrationRefusals);
  const tokenHash = sha256Base64url(bearerToken(event));
  const now = deps.clock.now();
  const grant: RegistrationGrant | undefined = await deps.singleUse.find('registration-token', environment.id, tokenHash, now);
  if (!grant) throw unusableToken();
  const registration = clientRegistration(jsonRequest(event), deps.config.localMode);
  if (!(await deps.singleUse.consume('registration-token', environment.id, tokenHash, now))) throw unusableToken();
  const tool = registeredTool(environment.id, registration, now);
  await deps.tools.create(tool);
  return json(201, registrationAnswer(tool, registration));
}
