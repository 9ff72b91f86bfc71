/**
 * `GET` and `POST /{env}/lti13/authorize`: the academy's OIDC authorization endpoint, step 2-3 of an
 * LTI 1.3 launch (Security 1.0 §5.1.1.2-5.1.1.3; OpenID Connect Core §3.1.2.1-3.1.2.6, §3.2.2).
 *
 * The request goes through typed phases, in the order `authorize` lists them: the request → its
 * records (the environment, checked first: unknown 404, LTI off 403, whatever the request carries;
 * the tool and the pending login, read in the same round trip) → the client (a tool of this
 * environment, activated) → the redirect URI (registered) → the authentication request's parameters
 * → the pending login its `login_hint` names (of this tool, the `lti_message_hint` it was sent with,
 * bound to this browser, consumed once) → the id_token. Each phase's fields are all there; the step
 * that makes a phase and each of its checks is a small function that throws.
 *
 * Until the client and the redirect URI are known to be good, an error is an HTML page and never a
 * redirect (RFC 6749 §4.1.2.1: an unchecked redirect URI would make the endpoint an open
 * redirector); after that, an `AuthorizationError` goes back to the redirect URI, form-posted like
 * the response, with `error`, `error_description` and `state` (OIDC Core §3.1.2.6): the edge
 * renders both (`../../http/renderers/form-post.ts`). Then the id_token of the pending login's
 * message, signed by one KMS `Sign`, is form-posted with `state`; alongside the `Sign`, DynamoDB
 * writes record that this tool launched this learner into this activity, the only learners its
 * Assignment and Grade Services may score (docs/ags.md "Who a score may be for"), and enrol the
 * learner in it, a member of its Names and Role Provisioning Service (docs/nrps.md).
 */
import { passes, type Check as PhaseCheck } from '../../lti/pipeline';
import type { Environment, Tool } from '../../academy/model';
import { validId } from '../../academy/validation';
import type { Config } from '../../config';
import { sha256Base64url } from '../../crypto';
import { AuthorizationError, HttpError } from '../../errors';
import { renderErrorsWith } from '../../http/error-context';
import { bodyText, cookie, pathParam, singleValues } from '../../http/request';
import type { ApiEvent, ApiResult } from '../../http/types';
import { checkLtiEnvironment, settled } from '../../lti/checks';
import type { Clock, EnvironmentStore, PendingLogin, PlatformStore, Signer, SingleUseStore, ToolStore } from '../../ports';
import { formPostPage } from '../../http/renderers/form-post';
import { messageTypes } from './claims';
import { idTokenClaims } from './platform-id-token';
import { loginCookie, loginCookieName } from './platform-login-initiation';

export interface AuthorizeDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly environments: EnvironmentStore;
  readonly tools: ToolStore;
  readonly singleUse: SingleUseStore;
  /** Records the learner launched by the tool: what the tool's AGS may score (`../ags/platform-scores.ts`). */
  readonly platform: Pick<PlatformStore, 'recordLaunchedLearner'>;
  readonly signer: Signer;
  readonly clock: Clock;
}

/** Shown as a page, never redirected: `code` is the OAuth/OIDC error code. */
const shown = (status: number, code: string, message: string, parameter?: string) =>
  new HttpError(status, code, message, { field: parameter });
/** Sent back to the redirect URI. */
const sentBack = (code: string, message: string, parameter?: string) => new AuthorizationError(code, message, { field: parameter });

/** The authentication request as read from the event: nothing checked yet. */
export interface AuthorizationRequest {
  readonly envId: string;
  /** The first value of each parameter. */
  readonly params: Readonly<Record<string, string>>;
  /** Parameters sent more than once (RFC 6749 §3.1: they must not be). */
  readonly repeated: readonly string[];
  readonly cookie: (name: string) => string | undefined;
}

/**
 * The request in its environment, which exists and has LTI switched on, with the records it names,
 * read in the same round trip: the tool its `client_id` names and the pending login its `login_hint`
 * names, each undefined when there is none.
 */
export interface AuthorizationRecords extends AuthorizationRequest {
  readonly environment: Environment;
  readonly tool: Tool | undefined;
  readonly login: PendingLogin | undefined;
}

/** The request of a registered tool (OIDC Core §3.1.2.1 `client_id`). */
export interface ClientRequest extends AuthorizationRecords {
  readonly tool: Tool;
}

/** The request whose redirect URI is registered (RFC 6749 §3.1.2.3): from here errors go back there. */
export interface RedirectableRequest extends ClientRequest {
  readonly redirectUri: string;
}

/** The authentication request of a pending login of this tool (Security 1.0 §5.1.1.2). */
export interface LoginRequest extends RedirectableRequest {
  /** Passed through to the id_token unchanged (Security 1.0 §5.1.2). */
  readonly nonce: string;
  readonly loginHint: string;
  readonly login: PendingLogin;
}

type Check<Phase> = PhaseCheck<Phase, AuthorizeDeps>;

/** Runs a phase's checks in order and answers the phase. */

const loginHintHash = (loginHint: string) => sha256Base64url(loginHint);

/**
 * One round trip: the environment, the tool (its id is the client id) and the pending login, read in
 * parallel; the environment is checked first (`../../lti/checks.ts`), so an environment with LTI off
 * answers the launch page's 403 whatever the request carries.
 */
async function records(request: AuthorizationRequest, deps: AuthorizeDeps): Promise<AuthorizationRecords> {
  const { client_id: clientId, login_hint: loginHint } = request.params;
  const [environment, tool, login] = await Promise.allSettled([
    validId(request.envId) ? deps.environments.get(request.envId) : undefined,
    clientId && validId(clientId) ? deps.tools.get(request.envId, clientId) : undefined,
    loginHint ? deps.singleUse.find('pending-login', request.envId, loginHintHash(loginHint), deps.clock.now()) : undefined,
  ]);
  return { ...request, environment: checkLtiEnvironment(settled(environment)), tool: settled(tool), login: settled(login) };
}

/** `client_id` (OIDC Core §3.1.2.1): once, and the client id of a tool of this environment. */
function clientRequest(request: AuthorizationRecords): ClientRequest {
  if (request.repeated.includes('client_id'))
    throw shown(400, 'invalid_request', 'The parameter client_id is sent more than once.', 'client_id');
  if (!request.params.client_id)
    throw shown(400, 'invalid_request', 'The authentication request is missing the parameter client_id.', 'client_id');
  const { tool } = request;
  if (!tool) {
    throw shown(
      400,
      'unauthorized_client',
      'The client_id is not the client id of an LTI 1.3 tool registered in this environment.',
      'client_id',
    );
  }
  return { ...request, tool };
}

/** A tool the academy has deactivated is not launched (RFC 6749 §4.1.2.1 `unauthorized_client`), shown as a page. */
const activatedClient: Check<ClientRequest> = (request) => {
  if (!request.tool.activated) throw shown(403, 'unauthorized_client', 'This LTI 1.3 tool is deactivated in the academy.', 'client_id');
};

/**
 * Exactly one of the tool's registered redirect URIs (simple string comparison, RFC 6749 §3.1.2.3);
 * a tool without any accepts exactly the resource URL of the activity being launched.
 */
function registeredRedirectUri(request: ClientRequest): RedirectableRequest {
  const { redirect_uri: uri } = request.params;
  if (request.repeated.includes('redirect_uri'))
    throw shown(400, 'invalid_request', 'The parameter redirect_uri is sent more than once.', 'redirect_uri');
  if (!uri) throw shown(400, 'invalid_request', 'The authentication request is missing the parameter redirect_uri.', 'redirect_uri');
  const { tool, login } = request;
  if (tool.redirectUris) {
    if (!tool.redirectUris.includes(uri)) {
      throw shown(
        400,
        'invalid_request',
        'The redirect_uri is not one of the redirect URIs registered for this tool in the academy.',
        'redirect_uri',
      );
    }
  } else {
    if (!login || login.toolId !== tool.id) {
      throw shown(
        400,
        'invalid_request',
        'This tool has no registered redirect URIs, so the redirect_uri must be the resource URL of the activity being launched, and this launch is unknown, was already used or has expired. Please start the activity again from the academy.',
        'redirect_uri',
      );
    }
    if (uri !== login.targetLinkUri) {
      throw shown(
        400,
        'invalid_request',
        'The redirect_uri is not the resource URL of the activity, the only one a tool without registered redirect URIs accepts.',
        'redirect_uri',
      );
    }
  }
  return { ...request, redirectUri: uri };
}

/** RFC 6749 §3.1: each parameter once. */
const eachParameterOnce: Check<RedirectableRequest> = (request) => {
  const [first] = request.repeated;
  if (first) throw sentBack('invalid_request', `The parameter ${first} is sent more than once.`, first);
};

/** OIDC Core §6: request objects are not supported. */
const noRequestObject: Check<RedirectableRequest> = (request) => {
  if (request.params.request !== undefined)
    throw sentBack('request_not_supported', 'Request objects (request) are not supported.', 'request');
  if (request.params.request_uri !== undefined) {
    throw sentBack('request_uri_not_supported', 'Request objects by reference (request_uri) are not supported.', 'request_uri');
  }
};

/** Security 1.0 §5.1.1.2: `response_type=id_token`. */
const responseType: Check<RedirectableRequest> = (request) => {
  const value = request.params.response_type;
  if (!value) throw sentBack('invalid_request', 'The parameter response_type is missing: it must be id_token.', 'response_type');
  if (value !== 'id_token') throw sentBack('unsupported_response_type', 'The response_type must be id_token.', 'response_type');
};

/** Security 1.0 §5.1.1.2: `response_mode=form_post`. */
const formPostResponseMode: Check<RedirectableRequest> = (request) => {
  if (request.params.response_mode !== 'form_post') {
    throw sentBack('invalid_request', 'The response_mode must be form_post.', 'response_mode');
  }
};

/** Security 1.0 §5.1.1.2: `scope=openid`. */
const openidScope: Check<RedirectableRequest> = (request) => {
  const scopes = (request.params.scope ?? '').split(' ').filter(Boolean);
  if (!scopes.includes('openid')) throw sentBack('invalid_scope', 'The scope must be openid.', 'scope');
};

/** The error of each prompt the academy cannot honour (OIDC Core §3.1.2.6). */
const unmetPrompts: Readonly<Record<string, string>> = {
  login: 'login_required',
  consent: 'consent_required',
  select_account: 'account_selection_required',
};

/**
 * Security 1.0 §5.1.1.2 `prompt=none` (OIDC Core §3.1.2.6 for the others): the learner is signed in
 * to the academy already, so nothing here can show a login, consent or account choice.
 */
const promptNone: Check<RedirectableRequest> = (request) => {
  const value = request.params.prompt;
  if (value === undefined || value === 'none') return;
  const prompts = value.split(' ').filter(Boolean);
  if (prompts.includes('none')) throw sentBack('invalid_request', 'prompt=none cannot be combined with other prompt values.', 'prompt');
  for (const prompt of prompts) {
    const code = Object.hasOwn(unmetPrompts, prompt) ? unmetPrompts[prompt] : undefined;
    if (code)
      throw sentBack(
        code,
        `prompt=${prompt} cannot be honoured: the launch comes from the academy, where the learner is signed in; use prompt=none.`,
        'prompt',
      );
  }
  throw sentBack('invalid_request', 'The prompt must be none.', 'prompt');
};

/**
 * The `nonce` (Security 1.0 §5.1.1.2), and the pending login that `login_hint` names (§5.1.1.1):
 * unknown, used or expired, or another tool's, the learner must start again.
 */
function loginRequest(request: RedirectableRequest): LoginRequest {
  const { nonce, login_hint: loginHint } = request.params;
  if (!nonce) throw sentBack('invalid_request', 'The parameter nonce is missing.', 'nonce');
  if (!loginHint) throw sentBack('invalid_request', 'The parameter login_hint is missing.', 'login_hint');
  const { login, tool } = request;
  if (!login || login.toolId !== tool.id) {
    throw sentBack(
      'login_required',
      'This launch is unknown, was already used or has expired: please start the activity again from the academy.',
      'login_hint',
    );
  }
  return { ...request, nonce, loginHint, login };
}

/** The `lti_message_hint` the login initiation sent with this login (Security 1.0 §5.1.1.1). */
const messageHint: Check<LoginRequest> = (request) => {
  const hint = request.params.lti_message_hint;
  if (!hint) throw sentBack('invalid_request', 'The parameter lti_message_hint is missing.', 'lti_message_hint');
  if (sha256Base64url(hint) !== request.login.messageHintHash) {
    throw sentBack('login_required', 'The lti_message_hint does not belong to this launch.', 'lti_message_hint');
  }
};

/** The browser that started the launch (its cookie) is the one completing it. */
const browserBound: Check<LoginRequest> = (request) => {
  const secret = request.cookie(loginCookieName(request.loginHint));
  if (!secret || sha256Base64url(secret) !== request.login.browserHash) {
    throw sentBack(
      'login_required',
      'This browser did not start this launch (its launch cookie is missing): please start the activity again from the academy.',
    );
  }
};

/** Single use: one conditional delete, which a concurrent or replayed request loses. */
const consumedOnce: Check<LoginRequest> = async (request, deps) => {
  const { login } = request;
  const consumed = await deps.singleUse.consume('pending-login', request.envId, loginHintHash(request.loginHint), deps.clock.now(), {
    messageHintHash: login.messageHintHash,
    browserHash: login.browserHash,
  });
  if (!consumed)
    throw sentBack(
      'login_required',
      'This launch was already used or has expired: please start the activity again from the academy.',
      'lti_message_hint',
    );
};

/** The parameters of a GET (query) or POST (form body) authentication request, keeping repeats. */
export function readAuthorizationRequest(event: ApiEvent): AuthorizationRequest {
  const source = event.requestContext.http.method === 'POST' ? bodyText(event) : (event.rawQueryString ?? '');
  const { params, repeated } = singleValues(new URLSearchParams(source));
  return { envId: pathParam(event, 'env'), params, repeated, cookie: (name) => cookie(event, name) };
}

/**
 * The steps, in order: each makes the next phase from the one before (and throws when it cannot),
 * then that phase's checks run in order. Until the redirect URI is checked an error is a page; from
 * then on it goes back to the redirect URI. Last, the id_token of the pending login's message, signed
 * by one KMS `Sign`, is form-posted with `state` (Security 1.0 §5.1.1.3), once the launch is recorded
 * (two UpdateItems, the launch record and the learner's enrollment, sent alongside the `Sign`: no
 * round trip added).
 */
export async function authorize(deps: AuthorizeDeps, event: ApiEvent): Promise<ApiResult> {
  const request = readAuthorizationRequest(event);
  const found = await records(request, deps);
  const client = await passes(clientRequest(found), [activatedClient], deps);
  const redirectable = registeredRedirectUri(client);
  renderErrorsWith(event, () => ({ redirect: { uri: redirectable.redirectUri, state: request.params.state } }));
  const authentication = await passes(
    redirectable,
    [eachParameterOnce, noRequestObject, responseType, formPostResponseMode, openidScope, promptNone],
    deps,
  );
  const launch = await passes(loginRequest(authentication), [messageHint, browserBound, consumedOnce], deps);

  const now = deps.clock.now();
  const { login, tool } = launch;
  const [idToken] = await Promise.all([
    deps.signer.signJwt(idTokenClaims({ publicUrl: deps.config.publicUrl, tool, login, nonce: launch.nonce, now }), { typ: 'JWT' }),
    // A deep linking request launches no activity: no learner to record for AGS, nor to enrol.
    login.messageType === messageTypes.resourceLink
      ? deps.platform.recordLaunchedLearner(
          { environmentId: login.environmentId, activityId: login.activityId, userId: login.userId, toolId: tool.id },
          now,
        )
      : undefined,
  ]);
  const { state } = request.params;
  const done = loginCookie(deps.config.publicUrl, request.envId, loginCookieName(launch.loginHint), '', 0);
  return formPostPage(launch.redirectUri, { id_token: idToken, ...(state !== undefined ? { state } : {}) }, [done]);
}
