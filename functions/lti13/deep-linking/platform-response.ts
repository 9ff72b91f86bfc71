/**
 * `POST /{env}/lti13/deep-linking/return`: the academy as LTI 1.3 platform receives a tool's
 * `LtiDeepLinkingResponse` (Deep Linking 2.0 §2.3, §4.5), form-posted as `JWT` by the user's browser,
 * and every `ltiResourceLink` item (§3.2) becomes an external activity of that tool, all or nothing.
 *
 * The response is a Tool JWT (Security 1.0 "Tool-Originating Messages") verified like every JWT a
 * tool sends (`../core/jwt.ts`'s header rule, the tool's key set), in typed phases, each a list of
 * small checks that throw:
 *
 * 1. the environment, read first (LTI off answers 403 whatever is posted), with the tool its `iss`
 *    names and the deep link its `data` names, in one round trip;
 * 2. the JWT as sent: there, readable, RS256 with a `kid` and no key of its own; the tool registered
 *    and activated; the deep link there, and asked of this very tool (a response of another tool,
 *    or to another academy, is mis-addressed);
 * 3. the signature with the tool's key, `exp`, `iat`, `iss` = the tool's client id, `aud` = the
 *    academy's issuer and nothing else (Security 1.0, Tool JWT validation steps 1-3);
 * 4. the claims: message type and version (§4.5.2-4.5.3), the tool's deployment (§4.5.4), `data`
 *    equal to the request's (§4.5.5), the deep link still waiting, and the `nonce` used once;
 * 5. the content items (§4.5.6): each an `ltiResourceLink` the academy can launch. A response that
 *    passed 1-4 but brings an item the academy cannot take marks the deep link `failed` and creates
 *    nothing; one that fails 1-4 may not be the tool's at all, so it changes nothing.
 *
 * The activities are created with the deep link's move to `completed`, once (`DeepLinkStore`). The
 * browser then goes to the deep link's return URL with `deepLinkId`, or gets a page listing what was
 * added.
 */
import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { Activity, Environment, ExternalLineItem, Tool } from '../../academy/model';
import { validId } from '../../academy/validation';
import type { Config } from '../../config';
import { sha256Base64url } from '../../crypto';
import { ConditionFailedError, LaunchError } from '../../errors';
import { formFields, pathParam } from '../../http/request';
import { escapeHtml, html, page, redirect } from '../../http/responses';
import type { ApiEvent, ApiResult } from '../../http/types';
import { checkLtiEnvironment, requiredParameter, settled } from '../../lti/checks';
import type { Check } from '../../lti/pipeline';
import { passes } from '../../lti/pipeline';
import type { Clock, DeepLink, DeepLinkStore, EnvironmentStore, SingleUseStore, ToolStore } from '../../ports';
import { claims, ltiVersion } from '../core/claims';
import { headerProblem, jwsAlgorithm, readJwt } from '../core/jwt';
import { KeySetError, type VerificationKey } from '../core/key-sets';
import { platformIssuer } from '../core/platform-urls';
import { deepLinkIdOf } from './platform-request';
import { deepLinkingClaims, deepLinkingMessageTypes, ltiResourceLinkType } from './vocabulary';

/** More items than any picker sends at once, few enough to create in a few writes. */
export const maxContentItems = 100;
/** The oldest `iat` accepted: the deep link's own lifetime. */
const maxAgeSeconds = 60 * 60;

const jwtPurpose = "the tool's signed deep linking response: the activities chosen at the tool";

export const responsePurposes = {
  JWT: jwtPurpose,
  iss: "the tool's client id in the academy: the response must come from the tool the deep link asked",
  [claims.messageType]: 'the kind of LTI message; it must be LtiDeepLinkingResponse',
  [claims.version]: 'the LTI version; it must be 1.3.0',
  [claims.deploymentId]: "the tool's deployment id in the academy, as the request carried it",
  [deepLinkingClaims.data]: "the value the academy's deep linking request carried, which the response must echo unchanged",
  [deepLinkingClaims.contentItems]: 'the activities chosen at the tool, as ltiResourceLink items',
  nonce: 'a value the tool makes for each response, accepted once',
} as const;

export interface DeepLinkReturnDeps {
  readonly config: Pick<Config, 'publicUrl' | 'localMode' | 'jwtClockToleranceSeconds'>;
  readonly environments: Pick<EnvironmentStore, 'get'>;
  readonly tools: Pick<ToolStore, 'get'>;
  readonly deepLinks: DeepLinkStore;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
  /** The tools' key sets, cached per instance (`../core/key-sets.ts`). */
  readonly keySets: { key(jwksUrl: string, kid: string): Promise<VerificationKey> };
}

/** Phase 2: the response as sent, read (not trusted), in its environment, with what it names. */
export interface ReadResponse {
  readonly envId: string;
  readonly environment: Environment;
  readonly jwt: string;
  readonly header: ProtectedHeaderParameters;
  readonly unverified: JWTPayload;
  readonly tool: Tool | undefined;
  readonly deepLink: DeepLink | undefined;
}

/** Phase 3: the tool that sent it and the deep link it answers, which asked that tool. */
export interface AddressedResponse extends ReadResponse {
  readonly tool: Tool;
  readonly deepLink: DeepLink;
  readonly kid: string;
}

/** Phase 4: signature and times verified: only from here are the claims trusted. */
export interface VerifiedResponse extends AddressedResponse {
  readonly claims: JWTPayload & { readonly exp: number };
}

type DeepLinkCheck<Phase> = Check<Phase, DeepLinkReturnDeps>;

const refused = (field: string, message: string, code = 'invalid_response', status = 401) =>
  new LaunchError(status, code, message, field, (responsePurposes as Record<string, string>)[field]);

// --- Phase 1 -> 2: the read ------------------------------------------------------------------

/**
 * One round trip: the environment, the tool the (unverified) `iss` names and the deep link the
 * (unverified) `data` names; the environment is checked first.
 */
async function readResponse(deps: DeepLinkReturnDeps, event: ApiEvent): Promise<ReadResponse> {
  const envId = pathParam(event, 'env');
  const form = formFields(event);
  const read = form.JWT ? readJwt(form.JWT) : undefined;
  const iss = read?.claims.iss;
  const deepLinkId = deepLinkIdOf(read?.claims[deepLinkingClaims.data]);
  const valid = validId(envId);
  const [environment, tool, deepLink] = await Promise.allSettled([
    valid ? deps.environments.get(envId) : undefined,
    valid && typeof iss === 'string' && validId(iss) ? deps.tools.get(envId, iss) : undefined,
    valid && deepLinkId ? deps.deepLinks.get(envId, deepLinkId) : undefined,
  ]);
  const checked = checkLtiEnvironment(settled(environment));
  const jwt = requiredParameter(form, 'JWT', jwtPurpose);
  if (!read) throw refused('JWT', "The JWT is not a signed JSON Web Token: it must be the tool's LtiDeepLinkingResponse.");
  return {
    envId,
    environment: checked,
    jwt,
    header: read.header,
    unverified: read.claims,
    tool: settled(tool),
    deepLink: settled(deepLink),
  };
}

// --- Phase 2 -> 3: who sent it, and what it answers ------------------------------------------

/** `../core/jwt.ts`: RS256, no key named or carried, a `kid`. */
function headerRule(response: ReadResponse): string {
  const problem = headerProblem(response.header);
  if (problem?.kind === 'algorithm')
    refusedHeader(`The JWT is signed with ${JSON.stringify(problem.alg ?? null)}; only ${jwsAlgorithm} is accepted.`);
  if (problem?.kind === 'carries-key') {
    refusedHeader(`The JWT header carries "${problem.parameter}": keys are taken only from the tool's registered key set URL.`);
  }
  if (problem?.kind === 'no-kid' || typeof response.header.kid !== 'string') {
    refusedHeader("The JWT header has no kid: it must name the key in the tool's key set.");
  }
  return response.header.kid as string;
}

function refusedHeader(message: string): never {
  throw refused('JWT', message, 'invalid_token');
}

/** The tool and the deep link, and that the deep link asked this tool (else the response is mis-addressed). */
function addressedResponse(response: ReadResponse): AddressedResponse {
  const kid = headerRule(response);
  const { tool, deepLink } = response;
  if (!tool) refusedFor('iss', 'The response does not come from an LTI 1.3 tool of this academy: its iss is no client id registered here.');
  if (!deepLink) {
    refusedFor(
      deepLinkingClaims.data,
      'The response answers no deep linking request of this academy: its data is not one the academy sent. Nothing was added.',
    );
  }
  if (deepLink.toolId !== tool.id) {
    refusedFor('iss', 'The response comes from another tool than the one this deep linking request was sent to. Nothing was added.');
  }
  if (!tool.activated)
    throw new LaunchError(403, 'tool_deactivated', 'This LTI 1.3 tool is deactivated in the academy. Nothing was added.', 'iss');
  return { ...response, tool, deepLink, kid };
}

function refusedFor(field: string, message: string): never {
  throw refused(field, message);
}

// --- Phase 3 -> 4: the signature -------------------------------------------------------------

const keySetProblems: Record<KeySetError['code'], string> = {
  unknown_kid: "The tool's key set has no RS256 key with the JWT's kid.",
  unavailable: "The tool's key set could not be fetched from its registered key set URL.",
  invalid_key_set: "The tool's key set at its registered key set URL is not a valid JWK set.",
};

/** Security 1.0 Tool JWT validation, steps 1-3, and RFC 7519's `exp`, `iat` (whole seconds or not, jose reads numbers). */
async function verifiedResponse(deps: DeepLinkReturnDeps, response: AddressedResponse): Promise<VerifiedResponse> {
  const issuer = platformIssuer(deps.config.publicUrl, response.envId);
  let key: VerificationKey;
  try {
    key = await deps.keySets.key(response.tool.jwksUrl, response.kid);
  } catch (error) {
    if (!(error instanceof KeySetError)) throw error;
    if (error.code === 'unknown_kid') throw refused('JWT', keySetProblems[error.code], 'invalid_token');
    throw new LaunchError(502, 'tool_keys_unavailable', keySetProblems[error.code], 'jwks', undefined, { expose: true, cause: error });
  }
  try {
    const { payload } = await jwtVerify(response.jwt, key, {
      algorithms: [jwsAlgorithm],
      issuer: response.tool.clientId,
      audience: issuer,
      requiredClaims: ['exp', 'iat', 'nonce'],
      currentDate: new Date(deps.clock.now()),
      clockTolerance: deps.config.jwtClockToleranceSeconds,
      maxTokenAge: maxAgeSeconds,
    });
    return { ...response, claims: { ...payload, exp: Number(payload.exp) } };
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      throw refused(
        'JWT',
        "The JWT's signature does not verify with the tool's key: the tool did not sign it. Nothing was added.",
        'invalid_token',
      );
    }
    if (error instanceof errors.JWTExpired)
      throw refused('exp', 'The response has expired (exp is in the past). Nothing was added.', 'invalid_token');
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'aud') {
        throw refused(
          'aud',
          `The response is addressed to another platform: its aud must be this academy's issuer ${issuer}. Nothing was added.`,
          'invalid_token',
        );
      }
      if (error.claim === 'iss')
        throw refused('iss', "The response's iss is not the tool's client id. Nothing was added.", 'invalid_token');
      if (error.reason === 'missing')
        throw refused(error.claim, `The response has no ${error.claim} claim: it is required.`, 'invalid_token');
      throw refused(error.claim, `The response's ${error.claim} claim is not valid: ${error.message}.`, 'invalid_token');
    }
    if (error instanceof errors.JOSEError) throw refused('JWT', 'The JWT is not a valid signed JSON Web Token.', 'invalid_token');
    throw error;
  }
}

// --- Phase 4: the claims ---------------------------------------------------------------------

/** Security 1.0: `aud` is the academy and no other party ("additional audiences not trusted"). */
const onlyThisAudience: DeepLinkCheck<VerifiedResponse> = ({ claims: claimSet }) => {
  const { aud } = claimSet;
  if (Array.isArray(aud) && aud.length !== 1) {
    throw refused('aud', 'The response names other audiences besides this academy. Nothing was added.', 'invalid_token');
  }
};

const exactClaim =
  (name: typeof claims.messageType | typeof claims.version, wanted: string): DeepLinkCheck<VerifiedResponse> =>
  ({ claims: claimSet }) => {
    if (claimSet[name] !== wanted) {
      throw refused(
        name,
        `The response's ${name} is ${JSON.stringify(claimSet[name] ?? null)}; it must be ${wanted}.`,
        'invalid_claim',
        400,
      );
    }
  };

/** §4.5.4: the deployment the request carried, the tool's. */
const deploymentOfTheTool: DeepLinkCheck<VerifiedResponse> = ({ claims: claimSet, tool }) => {
  if (claimSet[claims.deploymentId] !== tool.deploymentId) {
    throw refused(claims.deploymentId, "The response's deployment_id is not the tool's deployment in this academy.", 'invalid_claim', 400);
  }
};

/** §4.5.5: `data` exactly as the request sent it (compared by hash: the deep link keeps nothing else). */
const dataOfTheRequest: DeepLinkCheck<VerifiedResponse> = ({ claims: claimSet, deepLink }) => {
  const data = claimSet[deepLinkingClaims.data];
  if (typeof data !== 'string' || sha256Base64url(data) !== deepLink.dataHash) {
    refusedFor(
      deepLinkingClaims.data,
      'The response does not echo the data of the deep linking request it claims to answer. Nothing was added.',
    );
  }
};

/** The deep link still waits for its response (a second response, or a late one, creates nothing). */
const stillPending: DeepLinkCheck<VerifiedResponse> = ({ deepLink }, deps) => {
  if (deepLink.state !== 'pending') {
    throw new LaunchError(
      409,
      'deep_link_answered',
      `This deep linking request was answered already (${deepLink.state}): nothing more was added.`,
      'JWT',
      jwtPurpose,
    );
  }
  if (Date.parse(deepLink.expiresAt) <= deps.clock.now()) {
    throw new LaunchError(
      410,
      'deep_link_expired',
      'This deep linking request has expired: nothing was added. Please start again from the academy.',
      'JWT',
      jwtPurpose,
    );
  }
};

/** Security 1.0 Tool JWT `nonce`: once per tool, remembered until the response expires (one conditional write). */
const nonceUsedOnce: DeepLinkCheck<VerifiedResponse> = async (response, deps) => {
  const { nonce, exp } = response.claims;
  if (typeof nonce !== 'string' || nonce === '')
    throw refused('nonce', "The response's nonce must be a non-empty string.", 'invalid_token');
  const fresh = await deps.singleUse.useOnce(
    `deep-linking:${response.envId}:${response.tool.clientId}`,
    nonce,
    exp + deps.config.jwtClockToleranceSeconds,
    deps.clock.now(),
  );
  if (!fresh)
    throw refused(
      'nonce',
      'This response was posted before (its nonce was seen): it is a replay, and nothing was added.',
      'replayed_response',
    );
};

/** The verified response's checks, in order: the nonce is used only once everything else holds. */
export const verifiedChecks: readonly DeepLinkCheck<VerifiedResponse>[] = [
  onlyThisAudience,
  exactClaim(claims.messageType, deepLinkingMessageTypes.response),
  exactClaim(claims.version, ltiVersion),
  deploymentOfTheTool,
  dataOfTheRequest,
  stillPending,
  nonceUsedOnce,
];

// --- Phase 5: the content items --------------------------------------------------------------

/** An item the academy cannot take: the deep link fails with it, and nothing is created. */
class ItemError extends LaunchError {
  constructor(message: string) {
    super(400, 'invalid_content_item', message, deepLinkingClaims.contentItems, responsePurposes[deepLinkingClaims.contentItems]);
  }
}

const shortened = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const plainText = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** §3.2 `custom`: a map of strings ("Map values must be strings"). */
function customOf(value: unknown, at: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ItemError(`${at}.custom must be an object of strings.`);
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [name, text] of entries) {
    if (typeof text !== 'string' || name.trim() === '' || name.length > 200 || text.length > 2000) {
      throw new ItemError(`${at}.custom.${name.slice(0, 50)} must be a string (§3.2: custom values are strings).`);
    }
  }
  return entries.length > 0 ? Object.fromEntries(entries as [string, string][]) : undefined;
}

/** §3.2 `lineItem`: `scoreMaximum` a positive number; the label falls back to the item's title. */
function lineItemOf(value: unknown, title: string, at: string): ExternalLineItem | undefined {
  if (value === undefined || value === null) return undefined;
  const item = value as { scoreMaximum?: unknown; label?: unknown; resourceId?: unknown; tag?: unknown };
  if (
    typeof item !== 'object' ||
    typeof item.scoreMaximum !== 'number' ||
    !(item.scoreMaximum > 0) ||
    !Number.isFinite(item.scoreMaximum)
  ) {
    throw new ItemError(`${at}.lineItem.scoreMaximum must be a number greater than 0.`);
  }
  const resourceId = plainText(item.resourceId);
  const tag = plainText(item.tag);
  return {
    label: shortened(plainText(item.label) ?? title, 500),
    scoreMaximum: item.scoreMaximum,
    ...(resourceId ? { resourceId: shortened(resourceId, 255) } : {}),
    ...(tag ? { tag: shortened(tag, 255) } : {}),
  };
}

/** An absolute https URL (http too in local mode) without credentials: what the academy may launch. */
function launchableUrl(value: string, localMode: boolean): string | undefined {
  try {
    const url = new URL(value);
    const scheme = url.protocol === 'https:' || (localMode && url.protocol === 'http:');
    return scheme && url.hostname !== '' && !url.username && !url.password && value.length <= 2000 ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** One `ltiResourceLink` item as an external activity of the tool (not yet stored). */
function activityOf(deps: DeepLinkReturnDeps, response: VerifiedResponse, value: unknown, index: number, now: string): Activity {
  const at = `content_items[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ItemError(`${at} is not a content item.`);
  const item = value as Record<string, unknown>;
  if (item.type !== ltiResourceLinkType) {
    throw new ItemError(`${at} is a ${JSON.stringify(item.type ?? null)} item: the academy asked for ${ltiResourceLinkType} items only.`);
  }
  const { tool, deepLink } = response;
  // §3.2: "If absent, the base LTI URL of the tool must be used": its first redirect URI.
  const rawUrl = item.url ?? tool.redirectUris?.[0];
  const url = typeof rawUrl === 'string' ? launchableUrl(rawUrl, deps.config.localMode) : undefined;
  if (!url) throw new ItemError(`${at}.url must be an absolute https URL without credentials: the address the academy launches.`);
  const title = shortened(
    plainText(item.title) ?? plainText((item.lineItem as { label?: unknown } | undefined)?.label) ?? `${tool.name} activity ${index + 1}`,
    200,
  );
  const text = plainText(item.text);
  const customParameters = customOf(item.custom, at);
  const lineItem = lineItemOf(item.lineItem, title, at);
  return {
    id: randomUUID(),
    environmentId: response.envId,
    type: deepLink.activityType,
    title,
    ...(text ? { description: shortened(text, 5000) } : {}),
    ...(deepLink.minScore !== undefined ? { minScore: deepLink.minScore } : {}),
    availableForLti: false,
    lti: {
      version: '1.3',
      toolId: tool.id,
      resourceUrl: url,
      ...(customParameters ? { customParameters } : {}),
      ...(lineItem ? { lineItem } : {}),
    },
    createdAt: now,
    updatedAt: now,
  };
}

/** §4.5.6: the items (absent or empty: nothing chosen), each one an activity; any other item fails the whole response. */
function activitiesOf(deps: DeepLinkReturnDeps, response: VerifiedResponse): Activity[] {
  const items = response.claims[deepLinkingClaims.contentItems] ?? [];
  if (!Array.isArray(items)) throw new ItemError(`The response's ${deepLinkingClaims.contentItems} claim must be a list.`);
  if (items.length > maxContentItems)
    throw new ItemError(`The response carries ${items.length} items; the academy takes at most ${maxContentItems} at once.`);
  const now = new Date(deps.clock.now()).toISOString();
  return items.map((item, index) => activityOf(deps, response, item, index, now));
}

/** §4.5.9: a tool that answers with an error message and no item. */
function toolError(response: VerifiedResponse, activities: readonly Activity[]): string | undefined {
  return activities.length === 0 ? plainText(response.claims[deepLinkingClaims.errormsg]) : undefined;
}

// --- The answer --------------------------------------------------------------------------------

/** The page that lists what was added, when the deep link has no return URL. */
function addedPage(activities: readonly Activity[], message: string | undefined): ApiResult {
  const title = activities.length > 0 ? 'Activities added to the academy' : 'Nothing was added';
  const list =
    activities.length > 0
      ? `<ul>${activities.map((activity) => `<li>${escapeHtml(activity.title)}</li>`).join('')}</ul>`
      : '<p>The tool sent no activity back.</p>';
  const note = message ? `<p>The tool says: ${escapeHtml(message)}</p>` : '';
  return html(200, page(title, `<h1>${escapeHtml(title)}</h1>${list}${note}`));
}

function returnTo(returnUrl: string, deepLinkId: string): ApiResult {
  const url = new URL(returnUrl);
  url.searchParams.set('deepLinkId', deepLinkId);
  return redirect(url.toString(), 303);
}

/** Phase by phase; then the activities are created, or the deep link fails with the item at fault. */
export async function deepLinkingReturn(deps: DeepLinkReturnDeps, event: ApiEvent): Promise<ApiResult> {
  const addressed = addressedResponse(await readResponse(deps, event));
  const response = await passes(await verifiedResponse(deps, addressed), verifiedChecks, deps);
  const { deepLink } = response;
  let activities: Activity[];
  try {
    activities = activitiesOf(deps, response);
  } catch (error) {
    if (error instanceof ItemError) await deps.deepLinks.fail(deepLink, { code: error.code, message: error.message }, deps.clock.now());
    throw error;
  }
  const failure = toolError(response, activities);
  if (failure) {
    await deps.deepLinks.fail(deepLink, { code: 'tool_error', message: shortened(failure, 1000) }, deps.clock.now());
  } else {
    try {
      await deps.deepLinks.complete(deepLink, activities, deps.clock.now());
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        throw new LaunchError(
          409,
          'deep_link_answered',
          'This deep linking request was answered already: nothing more was added.',
          'JWT',
          jwtPurpose,
        );
      }
      throw error;
    }
  }
  if (deepLink.returnUrl) return returnTo(deepLink.returnUrl, deepLink.id);
  return addedPage(activities, failure ?? plainText(response.claims[deepLinkingClaims.msg]));
}
