/**
 * `GET` and `POST /{env}/lti13/authorize`: the academy's OIDC authorization endpoint, step 2-3 of an
 * LTI 1.3 launch (Security 1.0 §5.1.1.2-5.1.1.3; OpenID Connect Core §3.1.2.1-3.1.2.6, §3.2.2).
 *
 * The checks run in the order listed in `checks`, each a small function that throws. Until the
 * client and the redirect URI are known to be good, an error is an HTML page and never a redirect
 * (RFC 6749 §4.1.2.1: an unchecked redirect URI would make the endpoint an open redirector); after
 * that, an `AuthorizationError` goes back to the redirect URI, form-posted like the response, with
 * `error`, `error_description` and `state` (OIDC Core §3.1.2.6): the edge renders both
 * (`../../http/renderers/form-post.ts`). Then the pending login is consumed once and the id_token,
 * signed by one KMS `Sign`, is form-posted with `state`.
 */
import type { Environment, Tool } from '../../academy/model';
import { validId } from '../../academy/validation';
import type { Config } from '../../config';
import { sha256Base64url } from '../../crypto';
import { AuthorizationError, HttpError } from '../../errors';
import { renderErrorsWith } from '../../http/error-context';
import { bodyText, cookie, pathParam, singleValues } from '../../http/request';
import type { ApiEvent, ApiResult } from '../../http/types';
import { ltiDisabled } from '../../lti/errors';
import type { Clock, EnvironmentStore, PendingLogin, Signer, SingleUseStore, ToolStore } from '../../ports';
import { formPostPage } from '../../http/renderers/form-post';
import { idTokenClaims } from './platform-id-token';
import { loginCookie, loginCookieName } from './platform-login-initiation';

export interface AuthorizeDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly environments: EnvironmentStore;
  readonly tools: ToolStore;
  readonly singleUse: SingleUseStore;
  readonly signer: Signer;
  readonly clock: Clock;
}

/** Shown as a page, never redirected: `code` is the OAuth/OIDC error code. */
const shown = (status: number, code: string, message: string, parameter?: string) => new HttpError(status, code, message, { field: parameter });
/** Sent back to the redirect URI. */
const sentBack = (code: string, message: string, parameter?: string) => new AuthorizationError(code, message, { field: parameter });

/** The authentication request and what the checks found. */
export interface AuthorizationRequest {
  readonly envId: string;
  /** The first value of each parameter. */
  readonly params: Readonly<Record<string, string>>;
  /** Parameters sent more than once (RFC 6749 §3.1: they must not be). */
  readonly repeated: readonly string[];
  readonly cookie: (name: string) => string | undefined;
  environment?: Environment;
  tool?: Tool;
  login?: PendingLogin;
  /** Set once `redirect_uri` is known to be registered: from then on errors go back there. */
  redirectUri?: string;
}

type Check = (request: AuthorizationRequest, deps: AuthorizeDeps) => void | Promise<void>;

const loginHintHash = (request: AuthorizationRequest) => sha256Base64url(request.params.login_hint ?? '');

/** One round trip: the environment, the tool (its id is the client id) and the pending login, read in parallel. */
const prefetch: Check = async (request, deps) => {
  const { client_id: clientId, login_hint: loginHint } = request.params;
  const [environment, tool, login] = await Promise.all([
    validId(request.envId) ? deps.environments.get(request.envId) : undefined,
    clientId && validId(clientId) ? deps.tools.get(request.envId, clientId) : undefined,
    loginHint ? deps.singleUse.find('pending-login', request.envId, loginHintHash(request), deps.clock.now()) : undefined,
  ]);
  request.environment = environment;
  request.tool = tool;
  request.login = login;
};

const environmentEnablesLti: Check = (request) => {
  if (!request.environment) throw shown(404, 'not_found', 'There is no such environment.');
  if (!request.environment.ltiEnabled) throw ltiDisabled();
};

const knownClient: Check = (request) => {
  if (request.repeated.includes('client_id')) throw shown(400, 'invalid_request', 'The parameter client_id is sent more than once.', 'client_id');
  if (!request.params.client_id) throw shown(400, 'invalid_request', 'The authentication request is missing the parameter client_id.', 'client_id');
  if (!request.tool) {
    throw shown(400, 'unauthorized_client', 'The client_id is not the client id of an LTI 1.3 tool registered in this environment.', 'client_id');
  }
};

const activatedClient: Check = (request) => {
  if (!request.tool!.activated) throw shown(403, 'unauthorized_client', 'This LTI 1.3 tool is deactivated in the academy.', 'client_id');
};

/**
 * Exactly one of the tool's registered redirect URIs (simple string comparison, RFC 6749 §3.1.2.3);
 * a tool without any accepts exactly the resource URL of the activity being launched.
 */
const registeredRedirectUri: Check = (request) => {
  const { redirect_uri: uri } = request.params;
  if (request.repeated.includes('redirect_uri')) throw shown(400, 'invalid_request', 'The parameter redirect_uri is sent more than once.', 'redirect_uri');
  if (!uri) throw shown(400, 'invalid_request', 'The authentication request is missing the parameter redirect_uri.', 'redirect_uri');
  const tool = request.tool!;
  if (tool.redirectUris) {
    if (!tool.redirectUris.includes(uri)) {
      throw shown(400, 'invalid_request', 'The redirect_uri is not one of the redirect URIs registered for this tool in the academy.', 'redirect_uri');
    }
  } else {
    const login = request.login;
    if (!login || login.toolId !== tool.id) {
      throw shown(
        400,
        'invalid_request',
        'This tool has no registered redirect URIs, so the redirect_uri must be the resource URL of the activity being launched, and this launch is unknown, was already used or has expired. Please start the activity again from the academy.',
        'redirect_uri',
      );
    }
    if (uri !== login.targetLinkUri) {
      throw shown(400, 'invalid_request', 'The redirect_uri is not the resource URL of the activity, the only one a tool without registered redirect URIs accepts.', 'redirect_uri');
    }
  }
  request.redirectUri = uri;
};

const eachParameterOnce: Check = (request) => {
  const [first] = request.repeated;
  if (first) throw sentBack('invalid_request', `The parameter ${first} is sent more than once.`, first);
};

/** OIDC Core §6: request objects are not supported. */
const noRequestObject: Check = (request) => {
  if (request.params.request !== undefined) throw sentBack('request_not_supported', 'Request objects (request) are not supported.', 'request');
  if (request.params.request_uri !== undefined) {
    throw sentBack('request_uri_not_supported', 'Request objects by reference (request_uri) are not supported.', 'request_uri');
  }
};

const responseType: Check = (request) => {
  const value = request.params.response_type;
  if (!value) throw sentBack('invalid_request', 'The parameter response_type is missing: it must be id_token.', 'response_type');
  if (value !== 'id_token') throw sentBack('unsupported_response_type', 'The response_type must be id_token.', 'response_type');
};

const formPostResponseMode: Check = (request) => {
  if (request.params.response_mode !== 'form_post') {
    throw sentBack('invalid_request', 'The response_mode must be form_post.', 'response_mode');
  }
};

const openidScope: Check = (request) => {
  const scopes = (request.params.scope ?? '').split(' ').filter(Boolean);
  if (!scopes.includes('openid')) throw sentBack('invalid_scope', 'The scope must be openid.', 'scope');
};

/** The learner is signed in to the academy already: nothing here can show a login, consent or account choice. */
const promptNone: Check = (request) => {
  const value = request.params.prompt;
  if (value === undefined || value === 'none') return;
  const prompts = value.split(' ').filter(Boolean);
  if (prompts.includes('none')) throw sentBack('invalid_request', 'prompt=none cannot be combined with other prompt values.', 'prompt');
  const unmet: Record<string, string> = { login: 'login_required', consent: 'consent_required', select_account: 'account_selection_required' };
  const known = prompts.find((p) => p in unmet);
  if (known) throw sentBack(unmet[known]!, `prompt=${known} cannot be honoured: the launch comes from the academy, where the learner is signed in; use prompt=none.`, 'prompt');
  throw sentBack('invalid_request', 'The prompt must be none.', 'prompt');
};

const nonce: Check = (request) => {
  if (!request.params.nonce) throw sentBack('invalid_request', 'The parameter nonce is missing.', 'nonce');
};

const pendingLogin: Check = (request) => {
  if (!request.params.login_hint) throw sentBack('invalid_request', 'The parameter login_hint is missing.', 'login_hint');
  const { login, tool } = request;
  if (!login || login.toolId !== tool!.id) {
    throw sentBack('login_required', 'This launch is unknown, was already used or has expired: please start the activity again from the academy.', 'login_hint');
  }
};

const messageHint: Check = (request) => {
  const hint = request.params.lti_message_hint;
  if (!hint) throw sentBack('invalid_request', 'The parameter lti_message_hint is missing.', 'lti_message_hint');
  if (sha256Base64url(hint) !== request.login!.messageHintHash) {
    throw sentBack('login_required', 'The lti_message_hint does not belong to this launch.', 'lti_message_hint');
  }
};

/** The browser that started the launch (its cookie) is the one completing it. */
const browserBound: Check = (request) => {
  const secret = request.cookie(loginCookieName(request.params.login_hint!));
  if (!secret || sha256Base64url(secret) !== request.login!.browserHash) {
    throw sentBack('login_required', 'This browser did not start this launch (its launch cookie is missing): please start the activity again from the academy.');
  }
};

/** Single use: one conditional delete, which a concurrent or replayed request loses. */
const consumeOnce: Check = async (request, deps) => {
  const login = request.login!;
  const consumed = await deps.singleUse.consume('pending-login', request.envId, loginHintHash(request), deps.clock.now(), {
    messageHintHash: login.messageHintHash,
    browserHash: login.browserHash,
  });
  if (!consumed) throw sentBack('login_required', 'This launch was already used or has expired: please start the activity again from the academy.', 'lti_message_hint');
};

/** The checks, in order. Those before `eachParameterOnce` never redirect. */
export const checks: readonly Check[] = [
  prefetch,
  environmentEnablesLti,
  knownClient,
  activatedClient,
  registeredRedirectUri,
  eachParameterOnce,
  noRequestObject,
  responseType,
  formPostResponseMode,
  openidScope,
  promptNone,
  nonce,
  pendingLogin,
  messageHint,
  browserBound,
  consumeOnce,
];

/** The parameters of a GET (query) or POST (form body) authentication request, keeping repeats. */
export function readAuthorizationRequest(event: ApiEvent): AuthorizationRequest {
  const source = event.requestContext.http.method === 'POST' ? bodyText(event) : (event.rawQueryString ?? '');
  const { params, repeated } = singleValues(new URLSearchParams(source));
  return { envId: pathParam(event, 'env'), params, repeated, cookie: (name) => cookie(event, name) };
}

/** Runs the checks and answers the form post of the id_token; the edge answers an error's. */
export async function authorize(deps: AuthorizeDeps, event: ApiEvent): Promise<ApiResult> {
  const request = readAuthorizationRequest(event);
  renderErrorsWith(event, () => ({ redirect: request.redirectUri ? { uri: request.redirectUri, state: request.params.state } : undefined }));
    for (const check of checks) await check(request, deps);
    const login = request.login!;
    const idToken = await deps.signer.signJwt(
      idTokenClaims({ publicUrl: deps.config.publicUrl, tool: request.tool!, login, nonce: request.params.nonce!, now: deps.clock.now() }),
      { typ: 'JWT' },
    );
    const { state } = request.params;
    const done = loginCookie(deps.config.publicUrl, request.envId, loginCookieName(request.params.login_hint!), '', 0);
    return formPostPage(request.redirectUri!, { id_token: idToken, ...(state !== undefined ? { state } : {}) }, [done]);
}
