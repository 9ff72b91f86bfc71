/**
 * The platform's OpenID configuration as the academy as tool reads it (Dynamic Registration 1.0
 * §3.4 "Discovery and openid Configuration", §3.5.1 "Issuer and OpenID Configuration URL Match";
 * OpenID Connect Discovery 1.0 §3): one list of checks, each naming the configuration field at
 * fault, so that a platform that breaks the spec's rules stores nothing and the LMS administrator
 * reads which field to fix.
 *
 * Where the spec and real platforms leave room (docs/dynamic-registration.md "Tool side"):
 * `scopes_supported`, `claims_supported` and `subject_types_supported` may be left out (the tool
 * then asks for its scopes and claims anyway, and the platform narrows them); the LTI object's
 * `messages_supported` may list plain strings (an older Moodle) or objects.
 */
import { HttpError } from '../../errors';
import { checkUrl, OutboundError } from '../../http/outbound';
import { platformConfigurationClaim, registrationValues } from './vocabulary';

/** A message type the platform supports, with the placements it offers for it. */
export interface SupportedMessage {
  readonly type: string;
  readonly placements?: readonly string[];
}

/** The configuration, checked: what the registration and the stored platform use. */
export interface PlatformConfiguration {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly registrationEndpoint: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  /** The `aud` of client assertions at the token endpoint, when not the token URL. */
  readonly authorizationServer?: string;
  /** Undefined when the platform does not say: the tool asks for its scopes anyway. */
  readonly scopesSupported?: readonly string[];
  readonly productFamilyCode: string;
  readonly version?: string;
  readonly messagesSupported: readonly SupportedMessage[];
}

/** A configuration that breaks the spec's rules: the page names the field. */
export function invalidConfiguration(field: string, message: string): HttpError {
  return new HttpError(400, 'invalid_platform_configuration', `The platform's configuration is not usable: ${message}.`, { field });
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredString(config: Json, field: string): string {
  const value = config[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalidConfiguration(field, `${field} is missing`);
  return value.trim();
}

function stringList(config: Json, field: string, required: boolean): string[] | undefined {
  const value = config[field];
  if (value === undefined && !required) return undefined;
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    throw invalidConfiguration(field, value === undefined ? `${field} is missing` : `${field} must be a list of strings`);
  }
  return value as string[];
}

function mustInclude(config: Json, field: string, wanted: string): void {
  const values = stringList(config, field, true)!;
  if (!values.includes(wanted)) {
    throw invalidConfiguration(field, `${field} must include ${wanted} (it lists ${values.join(', ') || 'nothing'})`);
  }
}

/** An endpoint the academy calls or sends browsers to: an absolute URL, and on AWS a public `https://` one. */
function endpoint(config: Json, field: string, localMode: boolean): string {
  const value = requiredString(config, field);
  try {
    checkUrl(value, localMode);
  } catch (error) {
    if (error instanceof OutboundError) throw invalidConfiguration(field, `${field} ${value} is not allowed: ${error.message}`);
    throw error;
  }
  return value;
}

/**
 * §3.5.1: the `openid_configuration` URL must be the issuer's: the same scheme, host and port, and
 * its path within the issuer's path (the issuer a prefix of the URL, on a path segment boundary).
 * Moodle (issuer `$CFG->wwwroot`, configuration under `/mod/lti/`) and Canvas (issuer and
 * configuration on `canvas.instructure.com`) pass it.
 */
function issuerMatches(issuer: string, configurationUrl: string): boolean {
  let iss: URL;
  let url: URL;
  try {
    iss = new URL(issuer);
    url = new URL(configurationUrl);
  } catch {
    return false;
  }
  if (iss.search || iss.hash || iss.origin !== url.origin) return false;
  const base = iss.pathname.replace(/\/+$/, '');
  return url.pathname === base || url.pathname.startsWith(`${base}/`);
}

/** Canvas and the spec's examples send objects; an older Moodle sent the type names alone. */
function supportedMessages(lti: Json): SupportedMessage[] {
  const field = `${platformConfigurationClaim}.messages_supported`;
  const value = lti.messages_supported;
  if (!Array.isArray(value)) throw invalidConfiguration(field, `${field} is missing`);
  return value.map((entry) => {
    if (typeof entry === 'string') return { type: entry };
    if (isObject(entry) && typeof entry.type === 'string') {
      const placements = Array.isArray(entry.placements) ? entry.placements.filter((p): p is string => typeof p === 'string') : undefined;
      return { type: entry.type, ...(placements ? { placements } : {}) };
    }
    throw invalidConfiguration(field, `${field} must list message types`);
  });
}

/** RFC 7519 §4.1.3: a StringOrURI, as the platform PATCH accepts for `tokenAudience`. */
function authorizationServer(config: Json): string | undefined {
  const value = config.authorization_server;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || /\s/.test(value) || (value.includes(':') && !URL.canParse(value))) {
    throw invalidConfiguration('authorization_server', 'authorization_server must be a URL or a string without spaces');
  }
  return value;
}

/**
 * Checks a platform's configuration, read from `configurationUrl`, in the order of §3.4 and §3.5.1:
 * the issuer (and that it matches the URL), the endpoints (`https://` on AWS), what the tool needs
 * of them (private_key_jwt with RS256 at the token endpoint, id_token by RS256), the LTI object.
 */
export function checkPlatformConfiguration(config: unknown, configurationUrl: string, localMode: boolean): PlatformConfiguration {
  if (!isObject(config)) throw invalidConfiguration('openid_configuration', 'the configuration is not a JSON object');
  const issuer = endpoint(config, 'issuer', localMode);
  if (!issuerMatches(issuer, configurationUrl)) {
    throw invalidConfiguration(
      'issuer',
      `the issuer ${issuer} does not match the configuration URL ${configurationUrl} (Dynamic Registration 1.0 §3.5.1: the URL must start with the issuer)`,
    );
  }
  const authorizationEndpoint = endpoint(config, 'authorization_endpoint', localMode);
  const registrationEndpoint = endpoint(config, 'registration_endpoint', localMode);
  const jwksUri = endpoint(config, 'jwks_uri', localMode);
  const tokenEndpoint = endpoint(config, 'token_endpoint', localMode);
  mustInclude(config, 'token_endpoint_auth_methods_supported', registrationValues.tokenEndpointAuthMethod);
  mustInclude(config, 'token_endpoint_auth_signing_alg_values_supported', registrationValues.signingAlgorithm);
  mustInclude(config, 'response_types_supported', registrationValues.responseType);
  mustInclude(config, 'id_token_signing_alg_values_supported', registrationValues.signingAlgorithm);
  const scopesSupported = stringList(config, 'scopes_supported', false);
  const lti = config[platformConfigurationClaim];
  if (!isObject(lti)) throw invalidConfiguration(platformConfigurationClaim, `${platformConfigurationClaim} is missing`);
  const productFamilyCode = requiredString(lti, 'product_family_code');
  const audience = authorizationServer(config);
  return {
    issuer,
    authorizationEndpoint,
    registrationEndpoint,
    jwksUri,
    tokenEndpoint,
    ...(audience !== undefined ? { authorizationServer: audience } : {}),
    ...(scopesSupported ? { scopesSupported } : {}),
    productFamilyCode,
    ...(typeof lti.version === 'string' ? { version: lti.version } : {}),
    messagesSupported: supportedMessages(lti),
  };
}
