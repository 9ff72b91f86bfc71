/**
 * A tool's client registration request, checked field by field (Dynamic Registration 1.0 §3.5.2 and
 * §2.2.1 "Tool configuration"; OIDC Dynamic Client Registration 1.0 §2): what the academy as platform
 * will store, or a 400 naming the field (§3.6.2: `invalid_redirect_uri` for a redirect URI,
 * `invalid_client_metadata` for anything else). Pure, and without zod, which only the admin API
 * bundles.
 *
 * What is asked is narrowed to what the academy does, not refused: scopes to the AGS and NRPS scopes
 * it grants, claims to the identity claims it sends, messages to the types it sends (a tool must
 * register one of them). Browser URLs (login initiation, redirect URIs, target link URIs) must be
 * absolute, without fragment, and https on AWS; the key set URL must also pass the outbound rules
 * (a public address on AWS), as for a tool an admin registers (`../core/platform-tools.ts`).
 */
import type { ToolMessage } from '../../academy/model';
import { HttpError } from '../../errors';
import { checkUrl, OutboundError } from '../../http/outbound';
import { toolScopes } from '../core/platform-id-token';
import { platformClaims, platformMessages } from './platform-openid-configuration';
import { registrationErrors, registrationValues, toolConfigurationClaim } from './vocabulary';

/** A refused client registration (§3.6.2): `code` is the `error`, the message its `error_description`. */
export class RegistrationError extends HttpError {
  override name = 'RegistrationError';
}

const invalidMetadata = (field: string, message: string) =>
  new RegistrationError(400, registrationErrors.invalidClientMetadata, message, { field });

/** As many as a tool registered by hand may have (`../core/platform-tools.ts`). */
const maxRedirectUris = 20;
const maxMessages = 20;

/** A client registration, checked: what the tool asked for, narrowed to what the academy does. */
export interface ClientRegistration {
  readonly clientName: string;
  readonly initiateLoginUri: string;
  readonly redirectUris: readonly string[];
  readonly jwksUri: string;
  /** The scopes asked for that the academy grants (§3.5.2 `scope`), in the academy's order. */
  readonly scopes: readonly string[];
  readonly domain: string;
  readonly secondaryDomains?: readonly string[];
  readonly targetLinkUri: string;
  /** The claims asked for that the academy sends. */
  readonly claims: readonly string[];
  /** The messages of the types the academy sends. */
  readonly messages: readonly ToolMessage[];
}

type Json = Readonly<Record<string, unknown>>;

function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidMetadata(field, `${field} must be a JSON object`);
  return value as Json;
}

function text(value: unknown, field: string, max = 2000): string {
  if (value === undefined || value === null) throw invalidMetadata(field, `${field} is required`);
  if (typeof value !== 'string' || value.trim() === '') throw invalidMetadata(field, `${field} must be a non-empty string`);
  if (value.length > max) throw invalidMetadata(field, `${field} must be at most ${max} characters`);
  return value.trim();
}

function strings(value: unknown, field: string): string[] {
  if (value === undefined || value === null) throw invalidMetadata(field, `${field} is required`);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalidMetadata(field, `${field} must be an array of strings`);
  }
  return value as string[];
}

/** An absolute http(s) URL for the browser: no fragment (RFC 6749 §3.1.2), https unless local. */
function browserUrl(value: unknown, field: string, localMode: boolean, error = invalidMetadata): string {
  const raw = text(value, field);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw error(field, `${field} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw error(field, `${field} must be an http(s) URL`);
  if (!localMode && url.protocol !== 'https:') throw error(field, `${field} must be an https:// URL`);
  if (url.hash) throw error(field, `${field} must not have a fragment (#…)`);
  return raw;
}

const redirectUriProblem = (field: string, message: string) =>
  new RegistrationError(400, registrationErrors.invalidRedirectUri, message, { field });

function redirectUris(value: unknown, localMode: boolean): string[] {
  const field = 'redirect_uris';
  if (value === undefined || value === null) throw redirectUriProblem(field, `${field} is required`);
  if (!Array.isArray(value) || value.length === 0) throw redirectUriProblem(field, `${field} must be a non-empty array of URLs`);
  if (value.length > maxRedirectUris) throw redirectUriProblem(field, `${field} must hold at most ${maxRedirectUris} URLs`);
  const uris = value.map((uri, i) => browserUrl(uri, `${field}[${i}]`, localMode, redirectUriProblem));
  const repeated = uris.findIndex((uri, i) => uris.indexOf(uri) !== i);
  if (repeated >= 0) throw redirectUriProblem(`${field}[${repeated}]`, `${field}[${repeated}] is listed twice`);
  return uris;
}

/** `application_type`, `grant_types`, `response_types`, `token_endpoint_auth_method`: the values §3.5.2 fixes. */
function fixedValues(body: Json): void {
  if (body.application_type !== registrationValues.applicationType) {
    throw invalidMetadata('application_type', `application_type must be "${registrationValues.applicationType}"`);
  }
  const grants = strings(body.grant_types, 'grant_types');
  for (const grant of registrationValues.grantTypes) {
    if (!grants.includes(grant)) throw invalidMetadata('grant_types', `grant_types must include "${grant}"`);
  }
  if (!strings(body.response_types, 'response_types').includes(registrationValues.responseType)) {
    throw invalidMetadata('response_types', `response_types must include "${registrationValues.responseType}"`);
  }
  if (body.token_endpoint_auth_method !== registrationValues.tokenEndpointAuthMethod) {
    throw invalidMetadata(
      'token_endpoint_auth_method',
      `token_endpoint_auth_method must be "${registrationValues.tokenEndpointAuthMethod}": tools authenticate with a JWT client assertion`,
    );
  }
}

/** The key set URL: the academy fetches it, so the outbound rules hold (a public https address on AWS). */
function jwksUri(value: unknown, localMode: boolean): string {
  const raw = browserUrl(value, 'jwks_uri', localMode);
  try {
    checkUrl(raw, localMode);
  } catch (error) {
    if (error instanceof OutboundError) throw invalidMetadata('jwks_uri', `jwks_uri is not allowed: ${error.message}`);
    throw error;
  }
  return raw;
}

/** §3.5.2 `scope`: space-separated, required (it may be empty); only the scopes the academy grants are kept. */
function grantedScopes(value: unknown): string[] {
  if (value === undefined || value === null)
    throw invalidMetadata('scope', 'scope is required: the space-separated scopes the tool asks for');
  if (typeof value !== 'string') throw invalidMetadata('scope', 'scope must be a string of space-separated scopes');
  const asked = value.split(/\s+/).filter(Boolean);
  return toolScopes.filter((scope) => asked.includes(scope));
}

/** A bare host, with a port when not the default: `tool.example`, `tool.example:8443` (§2.2.1 `domain`). */
function domain(value: unknown, field: string): string {
  const raw = text(value, field, 253);
  let host: string | undefined;
  try {
    const url = new URL(`https://${raw}`);
    host = url.host === raw.toLowerCase() && url.pathname === '/' && !url.username ? url.host : undefined;
  } catch {
    host = undefined;
  }
  if (!host) throw invalidMetadata(field, `${field} must be a host name without scheme or path, such as tool.example`);
  return raw;
}

function messages(value: unknown, field: string, localMode: boolean): ToolMessage[] {
  if (!Array.isArray(value)) throw invalidMetadata(field, `${field} must be an array of LTI message objects`);
  if (value.length > maxMessages) throw invalidMetadata(field, `${field} must hold at most ${maxMessages} messages`);
  const checked = value.map((item, i): ToolMessage => {
    const at = `${field}[${i}]`;
    const message = object(item, at);
    const type = text(message.type, `${at}.type`, 100);
    const target =
      message.target_link_uri === undefined ? undefined : browserUrl(message.target_link_uri, `${at}.target_link_uri`, localMode);
    const label = message.label === undefined ? undefined : text(message.label, `${at}.label`, 200);
    return { type, ...(target ? { targetLinkUri: target } : {}), ...(label ? { label } : {}) };
  });
  const sent = checked.filter((message) => platformMessages.includes(message.type));
  if (sent.length === 0) throw invalidMetadata(field, `${field} must include one of the message types ${platformMessages.join(', ')}`);
  return sent;
}

/** The `lti-tool-configuration` object (§2.2.1). */
function toolConfiguration(value: unknown, localMode: boolean) {
  const field = toolConfigurationClaim;
  if (value === undefined || value === null) throw invalidMetadata(field, `${field} is required`);
  const configuration = object(value, field);
  const secondary = configuration.secondary_domains;
  return {
    domain: domain(configuration.domain, `${field}.domain`),
    ...(secondary === undefined
      ? {}
      : {
          secondaryDomains: strings(secondary, `${field}.secondary_domains`).map((host, i) =>
            domain(host, `${field}.secondary_domains[${i}]`),
          ),
        }),
    targetLinkUri: browserUrl(configuration.target_link_uri, `${field}.target_link_uri`, localMode),
    claims: strings(configuration.claims, `${field}.claims`).filter((claim) => platformClaims.includes(claim)),
    messages: messages(configuration.messages, `${field}.messages`, localMode),
  };
}

/**
 * The client registration of a parsed JSON body, checked in the order of §3.5.2's table; throws a
 * `RegistrationError` naming the first field at fault.
 */
export function clientRegistration(body: unknown, localMode: boolean): ClientRegistration {
  const request = object(body, 'body');
  fixedValues(request);
  return {
    clientName: text(request.client_name, 'client_name', 200),
    initiateLoginUri: browserUrl(request.initiate_login_uri, 'initiate_login_uri', localMode),
    redirectUris: redirectUris(request.redirect_uris, localMode),
    jwksUri: jwksUri(request.jwks_uri, localMode),
    scopes: grantedScopes(request.scope),
    ...toolConfiguration(request[toolConfigurationClaim], localMode),
  };
}
