/**
 * `GET /{env}/lti13/registrations/{registrationId}`: a one-time registration link opened by an LMS
 * (Dynamic Registration 1.0 §3.3 "Registration Initiation Request"), the academy as tool. In order:
 *
 * 1. the environment (LTI on), then the link: unexpired and unused (the single-use store);
 * 2. `openid_configuration` (and the optional `registration_token`) from the query (§3.3);
 * 3. the platform's configuration, fetched (the token as Bearer, as Canvas wants it) and checked:
 *    the issuer against the URL (§3.5.1), the endpoints, RS256 and private_key_jwt (§3.4);
 * 4. the client registration, posted to `registration_endpoint` (§3.5.2), and the platform's
 *    answer: its client id and, when it deployed the tool at once, the deployment id (§3.6);
 * 5. the link used up (one conditional delete) and the platform stored, inactive unless the link
 *    said `activate`, with the configuration's `authorization_server` as its token audience;
 * 6. a page that shows what happened, whose Close button posts `org.imsglobal.lti.close` (§3.7).
 *
 * Every refusal (an unknown, used or expired link, a configuration that breaks the rules, the
 * platform refusing the registration) stores nothing and answers a page naming the problem
 * (`../../http/renderers/registration-page.ts`). The link is used up only by a registration that
 * is stored, so an LMS administrator whose first attempt failed can fix the LMS and try again.
 */
import { randomUUID } from 'node:crypto';
import type { Environment, Platform } from '../../academy/model';
import type { Config } from '../../config';
import { sha256Base64url } from '../../crypto';
import { ConditionFailedError, HttpError, ltiDisabledMessage } from '../../errors';
import { closePage } from '../../http/close-page';
import { checkUrl, OutboundError } from '../../http/outbound';
import { pathParam } from '../../http/request';
import { escapeHtml } from '../../http/responses';
import type { ApiEvent, ApiResult } from '../../http/types';
import { ltiEnvironment, type EnvironmentRefusals } from '../../lti/checks';
import { log } from '../../observability';
import type { Clock, EnvironmentStore, HttpClient, PlatformRegistrationStore, RegistrationLink, SingleUseStore } from '../../ports';
import { clientRegistration, registeredClient, type RegisteredClient } from './tool-client-registration';
import { checkPlatformConfiguration, invalidConfiguration, type PlatformConfiguration } from './tool-platform-configuration';
import { registrationIdExpiry } from './tool-registration-urls';
import { initiationParameters } from './vocabulary';

export interface ToolRegistrationDeps {
  readonly config: Pick<Config, 'publicUrl' | 'localMode'>;
  readonly environments: EnvironmentStore;
  readonly platformRegistrations: PlatformRegistrationStore;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
  readonly http: HttpClient;
}

/** Each outbound call's limits: both calls and the writes fit the function's timeout. */
const outboundTimeoutMs = 8000;
const outboundMaxBytes = 256 * 1024;

const purposes = {
  openid_configuration: "the URL of the LMS's OpenID configuration, which the LMS adds to the registration link when it opens it",
} as const;

/**
 * The refusals of this page are not launches: they are plain errors, so that the launch-refused
 * metric and its alarm count launches only.
 */
const environmentRefusals: EnvironmentRefusals = {
  unknown: () => new HttpError(404, 'not_found', 'There is no such environment.'),
  disabled: () => new HttpError(403, 'lti_disabled', `${ltiDisabledMessage}: the academy cannot be registered.`),
};

const badParameter = (parameter: keyof typeof purposes, message: string) =>
  new HttpError(400, 'invalid_parameter', `${message} (${parameter}: ${purposes[parameter]}).`, { field: parameter });

/** The link, read without using it up: unknown or used, expired (its id says when), or the stored link. */
async function registrationLink(deps: ToolRegistrationDeps, envId: string, registrationId: string): Promise<RegistrationLink> {
  const now = deps.clock.now();
  const link = await deps.singleUse.find('registration-link', envId, sha256Base64url(registrationId), now);
  if (link) return link;
  const expiry = registrationIdExpiry(registrationId);
  if (expiry !== undefined && expiry * 1000 <= now) {
    throw new HttpError(
      410,
      'registration_link_expired',
      `This registration link expired on ${new Date(expiry * 1000).toISOString()}: ask the academy's administrator for a new one.`,
      { field: 'registrationId' },
    );
  }
  throw new HttpError(
    404,
    'registration_link_unknown',
    "This registration link is unknown or has been used already: ask the academy's administrator for a new one.",
    { field: 'registrationId' },
  );
}

/** An outbound failure as the page tells it, naming the URL's field. */
function unreachable(field: string, what: string, error: unknown): HttpError {
  if (error instanceof OutboundError) {
    if (error.code === 'blocked_url') return invalidConfiguration(field, `${field} is not allowed: ${error.message}`);
    return new HttpError(502, 'platform_unavailable', `The academy could not read ${what}: ${error.message}.`, {
      field,
      expose: true,
      cause: error,
    });
  }
  return new HttpError(502, 'platform_unavailable', `The academy could not read ${what}.`, { field, expose: true, cause: error });
}

const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/** Step 3: the platform's configuration, fetched and checked (§3.4, §3.5.1). */
async function platformConfiguration(deps: ToolRegistrationDeps, url: string, token: string | undefined): Promise<PlatformConfiguration> {
  const field = initiationParameters.openidConfiguration;
  try {
    checkUrl(url, deps.config.localMode);
  } catch (error) {
    if (error instanceof OutboundError) throw badParameter(field, `The ${field} URL is not allowed: ${error.message}`);
    throw error;
  }
  let response;
  try {
    response = await deps.http.send({
      method: 'GET',
      url,
      headers: { accept: 'application/json', ...bearer(token) },
      timeoutMs: outboundTimeoutMs,
      maxBytes: outboundMaxBytes,
    });
  } catch (error) {
    throw unreachable(field, "the LMS's configuration", error);
  }
  if (response.status !== 200) {
    throw new HttpError(502, 'platform_unavailable', `The LMS's configuration answered HTTP ${response.status}.`, { field, expose: true });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    throw invalidConfiguration(field, 'the configuration is not JSON');
  }
  return checkPlatformConfiguration(parsed, url, deps.config.localMode);
}

/** Step 4: the client registration (§3.5.2) and the platform's answer (§3.6). */
async function register(
  deps: ToolRegistrationDeps,
  environment: Environment,
  config: PlatformConfiguration,
  token: string | undefined,
): Promise<RegisteredClient> {
  const body = clientRegistration({ publicUrl: deps.config.publicUrl, environmentId: environment.id, name: environment.name }, config);
  let response;
  try {
    response = await deps.http.send({
      method: 'POST',
      url: config.registrationEndpoint,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...bearer(token) },
      body: JSON.stringify(body),
      timeoutMs: outboundTimeoutMs,
      maxBytes: outboundMaxBytes,
    });
  } catch (error) {
    throw unreachable('registration_endpoint', "the LMS's registration endpoint", error);
  }
  return registeredClient(response.status, response.body);
}

/** The platform as stored: the configuration's endpoints, the client and deployment ids, activated as the link said. */
function platformOf(envId: string, link: RegistrationLink, config: PlatformConfiguration, client: RegisteredClient, now: number): Platform {
  const at = new Date(now).toISOString();
  const host = new URL(config.issuer).host;
  return {
    id: randomUUID(),
    environmentId: envId,
    name: `${config.productFamilyCode} at ${host}`.slice(0, 200),
    issuer: config.issuer,
    clientId: client.clientId,
    deploymentIds: client.deploymentId !== undefined ? [client.deploymentId] : [],
    authUrl: config.authorizationEndpoint,
    tokenUrl: config.tokenEndpoint,
    ...(config.authorizationServer !== undefined ? { tokenAudience: config.authorizationServer } : {}),
    jwksUrl: config.jwksUri,
    activated: link.activate,
    createdAt: at,
    updatedAt: at,
  };
}

const alreadyRegistered = (platform: { issuer: string; clientId: string }) =>
  new HttpError(
    409,
    'platform_already_registered',
    `A platform with issuer ${platform.issuer} and client id ${platform.clientId} is registered in this environment already.`,
    { field: 'client_id' },
  );

/** Step 5: the link used up, then the platform stored; a link used meanwhile stores nothing. */
async function store(deps: ToolRegistrationDeps, envId: string, registrationId: string, platform: Platform): Promise<void> {
  if ((await deps.platformRegistrations.findByIssuer(envId, platform.issuer, platform.clientId)).length > 0) {
    throw alreadyRegistered(platform);
  }
  const used = await deps.singleUse.consume('registration-link', envId, sha256Base64url(registrationId), deps.clock.now());
  if (!used) await registrationLink(deps, envId, registrationId);
  try {
    await deps.platformRegistrations.create(platform);
  } catch (error) {
    if (error instanceof ConditionFailedError && error.reason === 'issuer-client-taken') throw alreadyRegistered(platform);
    throw error;
  }
}

/** Step 6: what the LMS administrator reads before closing the window. */
function registeredPage(platform: Platform, config: PlatformConfiguration, client: RegisteredClient): ApiResult {
  const row = (label: string, value: string) => `<li>${escapeHtml(label)}: <code>${escapeHtml(value)}</code></li>`;
  const body =
    `<p>The academy registered this LMS as an LTI 1.3 platform (${escapeHtml(config.productFamilyCode)}${
      config.version ? ` ${escapeHtml(config.version)}` : ''
    }).</p><ul>` +
    row('Issuer', platform.issuer) +
    row('Client ID', platform.clientId) +
    row('Deployment ID', client.deploymentId ?? 'none yet: the first launch of each deployment is accepted and remembered') +
    (client.scope !== undefined ? row('Services granted', client.scope || 'none') : '') +
    row('Platform id in the academy', platform.id) +
    '</ul>' +
    (platform.activated
      ? '<p>The platform is <strong>active</strong>: launches from this LMS are accepted once the LMS enables the tool.</p>'
      : "<p>The platform is <strong>not active yet</strong>: the academy's administrator activates it " +
        `(<code>PATCH …/platforms/${escapeHtml(platform.id)}</code> with <code>{"activated": true}</code>) before launches are accepted.</p>`) +
    '<p>Close this window to review and enable the tool in the LMS.</p>';
  return closePage(200, 'The academy is registered', body);
}

export async function toolRegistration(deps: ToolRegistrationDeps, event: ApiEvent): Promise<ApiResult> {
  const envId = pathParam(event, 'env');
  const registrationId = pathParam(event, 'registrationId');
  const environment = await ltiEnvironment(deps, envId, environmentRefusals);
  const link = await registrationLink(deps, envId, registrationId);
  const query = event.queryStringParameters ?? {};
  const configurationUrl = query[initiationParameters.openidConfiguration]?.trim();
  if (!configurationUrl) {
    throw new HttpError(
      400,
      'missing_parameter',
      `The registration is missing the parameter openid_configuration (${purposes.openid_configuration}).`,
      {
        field: initiationParameters.openidConfiguration,
      },
    );
  }
  const token = query[initiationParameters.registrationToken]?.trim() || undefined;
  const config = await platformConfiguration(deps, configurationUrl, token);
  const client = await register(deps, environment, config, token);
  const platform = platformOf(envId, link, config, client, deps.clock.now());
  await store(deps, envId, registrationId, platform);
  log.info('platform registered by dynamic registration', {
    environmentId: envId,
    platformId: platform.id,
    issuer: platform.issuer,
    activated: platform.activated,
  });
  return registeredPage(platform, config, client);
}
