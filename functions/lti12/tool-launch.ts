/**
 * `POST /{env}/lti12/launch/{activityId}`: an LTI 1.0/1.1/1.2 basic launch into an academy
 * activity (LTI 1.1 IG §3-4, RFC 5849 §3.2), validated in phases that `lti12ToolLaunch` lists in
 * order: the request, its environment (first: with LTI off it answers 403 whatever the request
 * carries), the signed request, the verified request, the launch. Each phase is a type whose fields
 * are all there, built by one step from the phase before; a step runs the checks over the phase it
 * starts from (small functions that throw a `LaunchError`), and checks each value it reads. The
 * launch is then completed like every other (`academy/launch.ts`).
 */
import { passes, type Check as PhaseCheck } from '../lti/pipeline';
import type { Activity, Environment, LmsLti12Credential, Lti12Credential } from '../academy/model';
import { lti12CredentialsOf } from '../academy/credentials';
import { verifyingSecrets, type Lti12Secret } from '../academy/lti12-secrets';
import { validId } from '../academy/validation';
import { completeLaunch, type LaunchDeps, type ValidatedLaunch } from '../academy/launch';
import type { Config } from '../config';
import { renderErrorsWith } from '../http/error-context';
import { firstValues, formPairs, pathParam } from '../http/request';
import { redirect } from '../http/responses';
import type { ApiEvent, ApiResult } from '../http/types';
import type { EnvironmentStore, LaunchPrefetch, LaunchStore, Lti12Binding, SecretBox, SingleUseStore } from '../ports';
import { availableActivity, checkLtiEnvironment, requiredParameter } from '../lti/checks';
import { badParameter, missing, unauthorized } from '../lti/errors';
import { launchedPerson, launchValue } from '../lti/person';
import { checkedReturnUrl } from '../lti/return-url';
import { effectiveAccountLinking, externalKeys, type ExternalId } from '../academy/identity';
import { oauthSignature, signatureMethods, signaturesMatch, type SignatureMethod } from './oauth1';
import {
  isFreshTimestamp,
  isSupportedOauthVersion,
  isSupportedSignatureMethod,
  type OauthParameters,
  presentParameters,
  requiredOauthParameters,
  useNonceOnce,
} from './oauth-request';
import { parseRoles } from './roles';

export const ltiVersions = ['LTI-1p0', 'LTI-1p1', 'LTI-1p2'];

/** What each required parameter is for, shown when it is missing. */
export const purposes = {
  oauth_consumer_key: 'the LTI 1.2 key of the activity, which tells the academy which secret signed the launch',
  oauth_signature: 'the OAuth 1.0a signature that proves the launch comes from the LMS that holds the secret',
  oauth_signature_method: 'the signature algorithm (HMAC-SHA1 or HMAC-SHA256)',
  oauth_timestamp: 'the time of the launch, which keeps an old launch from being replayed',
  oauth_nonce: 'a value used once, which keeps a launch from being replayed',
  lti_message_type: 'the kind of LTI message; it must be basic-lti-launch-request',
  lti_version: 'the LTI version; it must be LTI-1p0 (LTI 1.0, 1.1 and 1.2 all send it)',
  resource_link_id: 'identifies the link in the LMS that the learner clicked',
  user_id: "the LMS's id of the learner, by which the academy recognises a returning learner",
  lis_person_contact_email_primary:
    "the learner's email address, by which the academy finds the learner's account or creates one at the first launch; in the LMS's tool settings, share the launcher's email with the tool",
} as const;

export interface Lti12LaunchDeps extends LaunchDeps {
  readonly config: Pick<Config, 'publicUrl' | 'localMode'>;
  readonly environments: Pick<EnvironmentStore, 'get'>;
  readonly launches: LaunchStore;
  readonly singleUse: SingleUseStore;
  /** Opens the secrets of the key that signed (docs/security.md "LTI 1.2 secrets at rest"). */
  readonly secrets: Pick<SecretBox, 'open'>;
}

/** The request: what the LMS posted, and the URL it signed. */
export interface Lti12LaunchRequest {
  readonly environmentId: string;
  readonly activityId: string;
  /** The URL the LMS signed: `PUBLIC_URL` + path, with the query string. */
  readonly url: string;
  /** Every form parameter in order, repeated names too (RFC 5849 §3.4.1.3: all are signed). */
  readonly pairs: readonly (readonly [string, string])[];
  /** Each parameter's first value. */
  readonly params: Readonly<Record<string, string>>;
}

/** The request in an environment that exists and has LTI switched on. */
export interface Lti12LaunchInEnvironment extends Lti12LaunchRequest {
  readonly environment: Environment;
}

type Lti12Credentials = Lti12Credential | LmsLti12Credential;

/** The signed request: its OAuth parameters, and the activity whose LTI 1.2 key signed it. */
export interface SignedLti12Launch extends Lti12LaunchInEnvironment {
  readonly oauth: OauthParameters;
  readonly signatureMethod: SignatureMethod;
  readonly activity: Activity;
  readonly credentials: Lti12Credentials;
  /** The key's secrets that may have signed: the current one, and the one a rotation replaced during its overlap. */
  readonly secrets: readonly Lti12Secret[];
  /** The academy user an earlier launch linked this `user_id` to, if any (read with the activity). */
  readonly knownUserId: string | undefined;
}

/** The verified request: signature, timestamp and nonce checked, so its parameters are the LMS's own. */
export interface VerifiedLti12Launch extends SignedLti12Launch {
  /** Only a verified request has it: its launch parameters cannot be read before. */
  readonly verified: true;
  /** The secret that signed it: the passback to this LMS is signed with it while it verifies. */
  readonly signedWith: Lti12Secret;
  /** The LMS's return URL, when it may be followed (`lti/return-url.ts`). */
  readonly returnUrl?: string;
}

type Check<Phase> = PhaseCheck<Phase, Lti12LaunchDeps>;

const present = (params: Readonly<Record<string, string>>, name: keyof typeof purposes) => requiredParameter(params, name, purposes[name]);

// --- The request -> the environment ---

/** What the launch reads, all in one round trip before any check. */
type LaunchReads = LaunchPrefetch;

/**
 * Every read of the launch at once, before any check: the environment, the activity and the
 * academy user of this LMS's `user_id` (one BatchGetItem), or the environment alone (one GetItem)
 * when the request names no consumer key to read with.
 */
async function readLaunchContext(request: Lti12LaunchRequest, deps: Lti12LaunchDeps): Promise<LaunchReads> {
  if (!validId(request.environmentId)) return { knownUserIds: [] };
  const key = request.params.oauth_consumer_key;
  if (key === undefined || key.trim() === '') return { environment: await deps.environments.get(request.environmentId), knownUserIds: [] };
  return deps.launches.prefetch(request.environmentId, request.activityId, [externalIdOf(request.params)]);
}

/**
 * The learner's id under the key of this LMS (docs/product.md "Who is who"): the consumer key, with
 * the LMS instance's `tool_consumer_instance_guid` when sent, so that two LMSs given one key never
 * share learners (Moodle's user ids are small integers).
 */
function externalIdOf(params: Readonly<Record<string, string>>): ExternalId {
  const key = externalKeys.lti12(params.oauth_consumer_key ?? '', launchValue(params.tool_consumer_instance_guid));
  return { key, userId: launchValue(params.user_id) ?? '' };
}

/** docs/product.md "Concepts": checked first, so that an environment with LTI off answers 403 whatever the request carries. */
function inEnvironment(request: Lti12LaunchRequest, reads: LaunchReads): Lti12LaunchInEnvironment {
  return { ...request, environment: checkLtiEnvironment(reads.environment) };
}

// --- The environment -> the signed request ---

/** An activity without an LTI 1.2 key is not offered over LTI 1.2, and is answered as unknown. */
const withLti12Key = (activity: Activity | undefined) => (activity?.lti12Credentials ? activity : undefined);

/**
 * LTI 1.1 IG §4: `oauth_consumer_key` is one of the activity's LTI 1.2 keys (its own, or one issued
 * for an LMS), which says which secret signed the launch.
 */
function credentialsOfTheKey(activity: Activity, key: string): Lti12Credentials {
  const credentials = lti12CredentialsOf(activity).find((credential) => credential.key === key);
  if (!credentials) {
    throw unauthorized(
      'The oauth_consumer_key is not an LTI 1.2 key of this activity (or it was revoked).',
      'oauth_consumer_key',
      purposes.oauth_consumer_key,
    );
  }
  return credentials;
}

/** LTI 1.1 IG §4: HMAC-SHA1 (and HMAC-SHA256). */
function supportedSignatureMethod(method: string): SignatureMethod {
  if (!isSupportedSignatureMethod(method)) {
    throw badParameter(
      'oauth_signature_method',
      `The signature method must be ${signatureMethods.join(' or ')}.`,
      purposes.oauth_signature_method,
    );
  }
  return method;
}

/**
 * RFC 5849 §3.1: the OAuth parameters are there; the activity (read with the environment) is
 * offered over LTI with the key that signed, whose secrets are then opened.
 */
async function signedLaunch(launch: Lti12LaunchInEnvironment, reads: LaunchReads, deps: Lti12LaunchDeps): Promise<SignedLti12Launch> {
  const oauth = presentParameters(requiredOauthParameters, (name) => present(launch.params, name));
  const userId = launchValue(launch.params.user_id);
  const activity = availableActivity(withLti12Key(reads.activity));
  const credentials = credentialsOfTheKey(activity, oauth.oauth_consumer_key);
  const signatureMethod = supportedSignatureMethod(oauth.oauth_signature_method);
  const secrets = await verifyingSecrets(deps, activity, credentials);
  return { ...launch, oauth, signatureMethod, activity, credentials, secrets, knownUserId: userId ? reads.knownUserIds[0] : undefined };
}

// --- The signed request -> the verified request ---

/** RFC 5849 §3.1: `oauth_version` is optional, and 1.0 when present. */
const oauthVersion: Check<SignedLti12Launch> = ({ params }) => {
  if (!isSupportedOauthVersion(params.oauth_version)) throw badParameter('oauth_version', 'oauth_version must be 1.0 when present.');
};

/**
 * RFC 5849 §3.2, §3.4: the secret whose signature over the method, the URL and every form parameter
 * is the request's.
 */
function secretThatSigned({ signatureMethod, url, pairs, secrets, oauth }: SignedLti12Launch): Lti12Secret {
  const signer = secrets.find((secret) =>
    signaturesMatch(oauthSignature(signatureMethod, 'POST', url, pairs, secret.value), oauth.oauth_signature),
  );
  if (!signer) {
    throw unauthorized(
      'The OAuth signature (oauth_signature) is not valid: check the key, the secret and the launch URL in the LMS.',
      'oauth_signature',
      purposes.oauth_signature,
    );
  }
  return signer;
}

/** RFC 5849 §3.2: signed with one of the key's secrets. */
const validSignature: Check<SignedLti12Launch> = (launch) => {
  secretThatSigned(launch);
};

/** RFC 5849 §3.3: a timestamp within the window (`./oauth-request.ts`). */
const freshTimestamp: Check<SignedLti12Launch> = ({ oauth }, deps) => {
  if (!isFreshTimestamp(oauth.oauth_timestamp, deps.clock.now())) {
    throw unauthorized(
      'The launch has expired or its clock is off (oauth_timestamp must be within 5 minutes); please launch again.',
      'oauth_timestamp',
      purposes.oauth_timestamp,
    );
  }
};

/** RFC 5849 §3.3: a nonce used once, per consumer key. */
const nonceUsedOnce: Check<SignedLti12Launch> = async ({ oauth }, deps) => {
  const key = `lti12:${oauth.oauth_consumer_key}`;
  if (!(await useNonceOnce(deps.singleUse, key, oauth.oauth_nonce, oauth.oauth_timestamp, deps.clock.now()))) {
    throw unauthorized(
      'This launch was already used (oauth_nonce replayed); please launch again from the LMS.',
      'oauth_nonce',
      purposes.oauth_nonce,
    );
  }
};

/** The checks of a signed request, in order (RFC 5849 §3.2); the nonce last, once the rest holds. */
export const signedLaunchChecks: readonly Check<SignedLti12Launch>[] = [oauthVersion, validSignature, freshTimestamp, nonceUsedOnce];

async function verifiedLaunch(launch: SignedLti12Launch, deps: Lti12LaunchDeps): Promise<VerifiedLti12Launch> {
  const verified = await passes(launch, signedLaunchChecks, deps);
  const returnUrl = checkedReturnUrl(launchValue(verified.params.launch_presentation_return_url), deps.config.localMode);
  return { ...verified, verified: true, signedWith: secretThatSigned(verified), ...(returnUrl ? { returnUrl } : {}) };
}

// --- The verified request -> the launch ---

/** LTI 1.1 IG §3: a basic launch. */
const messageType: Check<VerifiedLti12Launch> = ({ params }) => {
  if (present(params, 'lti_message_type') !== 'basic-lti-launch-request') {
    throw badParameter('lti_message_type', 'lti_message_type must be basic-lti-launch-request.', purposes.lti_message_type);
  }
};

/** LTI 1.1 IG §3: LTI 1.0, 1.1 and 1.2 all send LTI-1p0 (some LMSs send LTI-1p1 or LTI-1p2). */
const ltiVersion: Check<VerifiedLti12Launch> = ({ params }) => {
  const version = present(params, 'lti_version');
  if (!ltiVersions.includes(version)) {
    throw badParameter('lti_version', `lti_version ${version} is not supported: it must be LTI-1p0.`, purposes.lti_version);
  }
};

/** LTI 1.1 IG §3; TP cert 1.1-1.2: every launch names the link it comes from. */
const resourceLinkId: Check<VerifiedLti12Launch> = ({ params }) => {
  present(params, 'resource_link_id');
};

/** The checks of a verified request, in order, before its launch parameters are read. */
export const verifiedLaunchChecks: readonly Check<VerifiedLti12Launch>[] = [messageType, ltiVersion, resourceLinkId];

/**
 * LTI 1.1 IG §3 (TP cert 4.1-4.6): the learner, with the email and names docs/product.md requires,
 * the roles, the LMS's return URL and, when the LMS accepts outcomes (IG §6), the passback binding.
 */
async function launchParameters(launch: VerifiedLti12Launch, deps: Lti12LaunchDeps): Promise<ValidatedLaunch> {
  const { params: p, oauth } = await passes(launch, verifiedLaunchChecks, deps);
  const external = externalIdOf(p);
  if (!external.userId) throw missing('user_id', purposes.user_id);
  const emailParameter = {
    name: 'lis_person_contact_email_primary',
    purpose: purposes.lis_person_contact_email_primary,
    kind: 'parameter',
  } as const;
  const person = launchedPerson(
    {
      email: launchValue(p.lis_person_contact_email_primary),
      givenName: launchValue(p.lis_person_name_given),
      familyName: launchValue(p.lis_person_name_family),
      name: launchValue(p.lis_person_name_full),
    },
    launch.knownUserId === undefined,
    emailParameter,
  );
  const serviceUrl = p.lis_outcome_service_url?.trim();
  const sourcedId = p.lis_result_sourcedid?.trim();
  return {
    environment: launch.environment,
    activity: launch.activity,
    version: '1.2',
    identity: { ...external, aliases: [{ key: externalKeys.legacyLti12(oauth.oauth_consumer_key), userId: external.userId }] },
    knownUserId: launch.knownUserId,
    accountLinking: effectiveAccountLinking(launch.activity.accountLinking, launch.environment.accountLinking),
    lmsName: ('name' in launch.credentials ? launch.credentials.name : launchValue(p.tool_consumer_instance_name)) ?? 'your LMS',
    emailParameter,
    person,
    roles: parseRoles(p.roles),
    returnUrl: launch.returnUrl,
    binding: serviceUrl && sourcedId ? lti12Binding(oauth.oauth_consumer_key, serviceUrl, sourcedId, launch.signedWith) : undefined,
  };
}

/** LTI 1.1 IG §6: where progress goes back to, and with which of the key's secrets the LMS signs. */
function lti12Binding(consumerKey: string, serviceUrl: string, sourcedId: string, signedWith: Lti12Secret): Lti12Binding {
  return { version: '1.2', consumerKey, serviceUrl, sourcedId, ...(signedWith.issuedAt ? { secretIssuedAt: signedWith.issuedAt } : {}) };
}

/** Reads the request from the event. */
export function readLaunch(event: ApiEvent, publicUrl: string): Lti12LaunchRequest {
  const pairs = formPairs(event);
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return {
    environmentId: pathParam(event, 'env'),
    activityId: pathParam(event, 'activityId'),
    url: `${publicUrl}${event.rawPath}${query}`,
    pairs,
    params: firstValues(pairs),
  };
}

/**
 * The launch, step by step; then a 303 to the academy with a single sign-on code. Its errors are
 * launch pages or, once the request is verified, go back to the LMS's return URL (LTI 1.1 IG §4.3).
 */
export async function lti12ToolLaunch(deps: Lti12LaunchDeps, event: ApiEvent): Promise<ApiResult> {
  const request = readLaunch(event, deps.config.publicUrl);
  let returnUrl: string | undefined;
  renderErrorsWith(event, () => ({ returnUrl }));
  const reads = await readLaunchContext(request, deps);
  const signed = await signedLaunch(inEnvironment(request, reads), reads, deps);
  const verified = await verifiedLaunch(signed, deps);
  returnUrl = verified.returnUrl;
  const launch = await launchParameters(verified, deps);
  const { location } = await completeLaunch(deps, launch);
  return redirect(location, 303);
}
