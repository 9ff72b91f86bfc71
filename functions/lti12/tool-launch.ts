/**
 * `POST /{env}/lti12/launch/{activityId}`: an LTI 1.0/1.1/1.2 basic launch into an academy
 * activity (LTI 1.1 IG §3-4, RFC 5849 §3.2). The checks run in the order listed in `checks`, each a
 * small function that throws a `LaunchError`; then the launch is completed like every other
 * (`academy/launch.ts`).
 */
import type { Activity, Environment } from '../academy/model';
import { completeLaunch, type LaunchDeps } from '../academy/launch';
import type { Config } from '../config';
import { LaunchError } from '../errors';
import { renderErrorsWith } from '../http/error-context';
import { firstValues, formPairs, pathParam } from '../http/request';
import { redirect } from '../http/responses';
import type { ApiEvent, ApiResult } from '../http/types';
import type { LaunchStore, SingleUseStore } from '../ports';
import { badParameter, ltiDisabled, missing, unauthorized } from '../lti/errors';
import { oauthSignature, signatureMethods, signaturesMatch, type SignatureMethod } from './oauth1';
import { isFreshTimestamp, isSupportedOauthVersion, isSupportedSignatureMethod, requiredOauthParameters, useNonceOnce } from './oauth-request';
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
    "the learner's email address, by which the academy finds the learner's account or creates one; in the LMS's tool settings, share the launcher's email with the tool",
  lis_person_name_given:
    "the learner's given name, used when the academy creates the learner's account; in the LMS's tool settings, share the launcher's name with the tool",
  lis_person_name_family:
    "the learner's family name, used when the academy creates the learner's account; in the LMS's tool settings, share the launcher's name with the tool",
} as const;

export interface Lti12LaunchDeps extends LaunchDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly launches: LaunchStore;
  readonly singleUse: SingleUseStore;
}

/** The state the checks read and fill in. */
export interface Lti12Launch {
  readonly envId: string;
  readonly activityId: string;
  /** The URL the LMS signed: `PUBLIC_URL` + path, with the query string. */
  readonly url: string;
  readonly pairs: [string, string][];
  readonly params: Readonly<Record<string, string>>;
  environment?: Environment;
  activity?: Activity;
  knownUserId?: string;
  /** Set once the signature, timestamp and nonce have been verified. */
  verified: boolean;
}

type Check = (launch: Lti12Launch, deps: Lti12LaunchDeps) => void | Promise<void>;

const required = (name: keyof typeof purposes) => (launch: Lti12Launch) => {
  if (!launch.params[name]?.trim()) throw missing(name, purposes[name]);
};

const oauthParametersPresent: Check = (launch) => {
  for (const name of requiredOauthParameters) required(name)(launch);
};

/** One read for the environment, the activity and the learner's external id. */
const prefetch: Check = async (launch, deps) => {
  const found = await deps.launches.prefetch(
    launch.envId,
    launch.activityId,
    `lti12:${launch.params.oauth_consumer_key}`,
    launch.params.user_id?.trim() ?? '',
  );
  launch.environment = found.environment;
  launch.activity = found.activity;
  launch.knownUserId = launch.params.user_id?.trim() ? found.knownUserId : undefined;
};

const environmentEnablesLti: Check = (launch) => {
  if (!launch.environment) throw new LaunchError(404, 'not_found', 'There is no such environment.');
  if (!launch.environment.ltiEnabled) throw ltiDisabled();
};

const activityAvailable: Check = (launch) => {
  const { activity } = launch;
  if (!activity || !activity.availableForLti || !activity.lti12Credentials) {
    throw new LaunchError(404, 'not_found', 'This activity does not exist or is not available for LTI.');
  }
};

const keyBelongsToActivity: Check = (launch) => {
  if (launch.params.oauth_consumer_key !== launch.activity!.lti12Credentials!.key) {
    throw unauthorized('The oauth_consumer_key is not the LTI 1.2 key of this activity.', 'oauth_consumer_key', purposes.oauth_consumer_key);
  }
};

const supportedSignatureMethod: Check = (launch) => {
  if (!isSupportedSignatureMethod(launch.params.oauth_signature_method)) {
    throw badParameter('oauth_signature_method', `The signature method must be ${signatureMethods.join(' or ')}.`, purposes.oauth_signature_method);
  }
};

const oauthVersion: Check = (launch) => {
  if (!isSupportedOauthVersion(launch.params.oauth_version)) throw badParameter('oauth_version', 'oauth_version must be 1.0 when present.');
};

const validSignature: Check = (launch) => {
  const expected = oauthSignature(
    launch.params.oauth_signature_method as SignatureMethod,
    'POST',
    launch.url,
    launch.pairs,
    launch.activity!.lti12Credentials!.secret,
  );
  if (!signaturesMatch(expected, launch.params.oauth_signature!)) {
    throw unauthorized(
      'The OAuth signature (oauth_signature) is not valid: check the key, the secret and the launch URL in the LMS.',
      'oauth_signature',
      purposes.oauth_signature,
    );
  }
};

const freshTimestamp: Check = (launch, deps) => {
  if (!isFreshTimestamp(launch.params.oauth_timestamp, deps.clock.now())) {
    throw unauthorized(
      'The launch has expired or its clock is off (oauth_timestamp must be within 5 minutes); please launch again.',
      'oauth_timestamp',
      purposes.oauth_timestamp,
    );
  }
};

/** Nonces are per consumer key (RFC 5849 §3.3). */
const nonceUsedOnce: Check = async (launch, deps) => {
  const { oauth_consumer_key: key, oauth_nonce: nonce, oauth_timestamp: timestamp } = launch.params;
  if (!(await useNonceOnce(deps.singleUse, `lti12:${key}`, nonce!, timestamp!, deps.clock.now()))) {
    throw unauthorized('This launch was already used (oauth_nonce replayed); please launch again from the LMS.', 'oauth_nonce', purposes.oauth_nonce);
  }
  launch.verified = true;
};

const messageType: Check = (launch) => {
  required('lti_message_type')(launch);
  if (launch.params.lti_message_type !== 'basic-lti-launch-request') {
    throw badParameter('lti_message_type', 'lti_message_type must be basic-lti-launch-request.', purposes.lti_message_type);
  }
};

const ltiVersion: Check = (launch) => {
  required('lti_version')(launch);
  if (!ltiVersions.includes(launch.params.lti_version!)) {
    throw badParameter('lti_version', `lti_version ${launch.params.lti_version} is not supported: it must be LTI-1p0.`, purposes.lti_version);
  }
};

const validEmail: Check = (launch) => {
  required('lis_person_contact_email_primary')(launch);
  if (!/^[^\s@]+@[^\s@]+$/.test(launch.params.lis_person_contact_email_primary!.trim())) {
    throw badParameter('lis_person_contact_email_primary', 'lis_person_contact_email_primary is not an email address.', purposes.lis_person_contact_email_primary);
  }
};

/** The checks, in order. Those before `nonceUsedOnce` never redirect: the request is not yet trusted. */
export const checks: readonly Check[] = [
  oauthParametersPresent,
  prefetch,
  environmentEnablesLti,
  activityAvailable,
  keyBelongsToActivity,
  supportedSignatureMethod,
  oauthVersion,
  validSignature,
  freshTimestamp,
  nonceUsedOnce,
  messageType,
  ltiVersion,
  required('resource_link_id'),
  required('user_id'),
  validEmail,
  required('lis_person_name_given'),
  required('lis_person_name_family'),
];

/** Reads the launch from the event. */
export function readLaunch(event: ApiEvent, publicUrl: string): Lti12Launch {
  const pairs = formPairs(event);
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return {
    envId: pathParam(event, 'env'),
    activityId: pathParam(event, 'activityId'),
    url: `${publicUrl}${event.rawPath}${query}`,
    pairs,
    params: firstValues(pairs),
    verified: false,
  };
}

/**
 * Runs the checks and completes the launch: a 303 to the academy with a single sign-on code. Its
 * errors are launch pages, or, once the signature is verified, go back to the LMS's return URL.
 */
export async function lti12ToolLaunch(deps: Lti12LaunchDeps, event: ApiEvent): Promise<ApiResult> {
  const launch = readLaunch(event, deps.config.publicUrl);
  renderErrorsWith(event, () => ({ returnUrl: launch.verified ? launch.params.launch_presentation_return_url : undefined }));
    for (const check of checks) await check(launch, deps);
    const p = launch.params;
    const { location } = await completeLaunch(deps, {
      environment: launch.environment!,
      activity: launch.activity!,
      version: '1.2',
      externalKey: `lti12:${p.oauth_consumer_key}`,
      externalUserId: p.user_id!.trim(),
      knownUserId: launch.knownUserId,
      person: {
        email: p.lis_person_contact_email_primary!.trim(),
        givenName: p.lis_person_name_given!.trim(),
        familyName: p.lis_person_name_family!.trim(),
      },
      roles: parseRoles(p.roles),
      returnUrl: p.launch_presentation_return_url?.trim() || undefined,
      binding:
        p.lis_outcome_service_url?.trim() && p.lis_result_sourcedid?.trim()
          ? {
              version: '1.2',
              consumerKey: p.oauth_consumer_key!,
              serviceUrl: p.lis_outcome_service_url.trim(),
              sourcedId: p.lis_result_sourcedid.trim(),
            }
          : undefined,
    });
    return redirect(location, 303);
}
