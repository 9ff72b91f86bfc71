/**
 * LTI Platform Storage (1EdTech LTI Client Side postMessages, lti-cs-pm; LTI postMessage Storage,
 * lti-pm-s; LTI OIDC Login with LTI Client Side postMessages, lti-cs-oidc; all v0.1): the names on
 * the wire, once.
 */

/** lti-cs-oidc: the login initiation parameter that names the frame the platform's storage answers in. */
export const storageTargetParameter = 'lti_storage_target';

/** lti-cs-pm `#target-frame`: this value names the parent (or opener) window itself. */
export const parentTarget = '_parent';

/** The subjects lti-bridge sends and answers; each answer's subject is the request's plus `.response` (lti-cs-pm). */
export const subjects = {
  capabilities: 'lti.capabilities',
  putData: 'lti.put_data',
  getData: 'lti.get_data',
} as const;

/** lti-cs-pm error codes, as the platforms that implement it use them. */
export const storageErrors = {
  badRequest: 'bad_request',
  unsupportedSubject: 'unsupported_subject',
  storageExhaustion: 'storage_exhaustion',
} as const;

/**
 * The keys the academy as tool stores per login (lti-cs-oidc leaves key names to the tool): both
 * carry the login's state, so that concurrent launches in one LMS page never clash.
 */
export const storageKeys = {
  state: (state: string) => `lti_state_${state}`,
  nonce: (state: string) => `lti_nonce_${state}`,
} as const;

/** The fields the launch check page posts back with the id_token and state (docs/platform-storage.md). */
export const checkFields = {
  proof: 'lti_storage_proof',
  nonce: 'lti_storage_nonce',
} as const;

/** A frame name a platform may ask for: `_parent` or a plain window name (what Canvas and Sakai send). */
export function validStorageTarget(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9_.-]{1,64}$/.test(value);
}

/**
 * How long a page waits for a platform's answer before it gives up on storage. The 1EdTech library
 * waits 1 s; a platform that answers does so in milliseconds, and the wait only costs when it does
 * not, so a busy device is given more.
 */
export const answerTimeoutMs = 5000;
