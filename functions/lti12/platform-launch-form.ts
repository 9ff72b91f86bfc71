/**
 * The LTI 1.2 basic launch the academy sends to an external tool (LTI 1.1 IG §3, RFC 5849 §3.4):
 * the launch parameters, their OAuth 1.0a HMAC-SHA1 signature with the activity's key and secret,
 * and the HTML page whose form posts them to the tool's launch URL (`../http/auto-submit-form.ts`).
 * Pure: the caller supplies the nonce and the time.
 */
import type { Environment, ExternalLti12, User } from '../academy/model';
import { autoSubmitFormPage } from '../http/auto-submit-form';
import type { ApiResult } from '../http/types';
import { productFamilyCode } from '../lti/product';
import { oauthSignature } from './oauth1';

export type Pairs = [string, string][];

/**
 * The name a custom parameter is sent under (LTI 1.1 IG §3.5, consumer cert 3.1–3.2): `custom_` +
 * the name lower-cased, with every character other than a-z and 0-9 replaced by `_`.
 */
export function customParameterName(name: string): string {
  return `custom_${name.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
}

/**
 * `tool_consumer_instance_guid`: stable per environment and unique across deployments (the host
 * the deployment is reached at, and the environment id).
 */
export function toolConsumerInstanceGuid(publicUrl: string, environmentId: string): string {
  return `${environmentId}.${new URL(publicUrl).host}`;
}

/** The Basic Outcomes service URL of an environment (LTI 1.1 IG §6). */
export function outcomesServiceUrl(publicUrl: string, environmentId: string): string {
  return `${publicUrl}/${encodeURIComponent(environmentId)}/lti12/outcomes`;
}

export interface Lti12LaunchInput {
  readonly publicUrl: string;
  readonly environment: Environment;
  readonly activity: { readonly title: string; readonly lti: ExternalLti12 };
  readonly user: User;
  readonly sourcedId: string;
  /** The ticket's return URL, else the academy URL. */
  readonly returnUrl?: string;
}

/**
 * The launch parameters before signing (LTI 1.1 IG §3; consumer cert 1.1–8.1), values trimmed so
 * that none carries stray whitespace.
 */
export function lti12LaunchParameters(input: Lti12LaunchInput): Pairs {
  const { environment, activity, user } = input;
  const name = `${user.givenName.trim()} ${user.familyName.trim()}`;
  const pairs: Pairs = [
    ['lti_message_type', 'basic-lti-launch-request'],
    ['lti_version', 'LTI-1p0'],
    ['resource_link_id', activity.lti.resourceLinkId],
    ['resource_link_title', activity.title],
    ['user_id', user.id],
    ['roles', 'Learner'],
    ['lis_person_name_given', user.givenName],
    ['lis_person_name_family', user.familyName],
    ['lis_person_name_full', name],
    ['lis_person_contact_email_primary', user.email],
    ['context_id', environment.id],
    ['context_title', environment.name],
    ['context_label', environment.id],
    ['tool_consumer_info_product_family_code', productFamilyCode],
    ['tool_consumer_instance_guid', toolConsumerInstanceGuid(input.publicUrl, environment.id)],
    ['launch_presentation_return_url', input.returnUrl ?? environment.academyUrl],
    ['launch_presentation_document_target', 'window'],
    ['lis_outcome_service_url', outcomesServiceUrl(input.publicUrl, environment.id)],
    ['lis_result_sourcedid', input.sourcedId],
  ];
  const custom = new Map<string, string>();
  for (const [key, value] of Object.entries(activity.lti.customParameters ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const sent = customParameterName(key.trim());
    if (!custom.has(sent)) custom.set(sent, value);
  }
  pairs.push(...custom);
  return pairs.map(([k, v]) => [k, v.trim()]);
}

/**
 * Adds the OAuth 1.0a parameters and the HMAC-SHA1 signature (RFC 5849 §3.4) over `POST`, the
 * launch URL with its query string (whose parameters are signed but stay in the URL, not in the
 * body) and the body parameters; `oauth_callback=about:blank` (consumer cert 2.4).
 */
export function signLaunch(
  launchUrl: string,
  credentials: { readonly key: string; readonly secret: string },
  params: Pairs,
  nonce: string,
  timestampSeconds: number,
): Pairs {
  const pairs: Pairs = [
    ...params,
    ['oauth_callback', 'about:blank'],
    ['oauth_consumer_key', credentials.key],
    ['oauth_nonce', nonce],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', String(timestampSeconds)],
    ['oauth_version', '1.0'],
  ];
  pairs.push(['oauth_signature', oauthSignature('HMAC-SHA1', 'POST', launchUrl, pairs, credentials.secret)]);
  return pairs;
}

/**
 * The page that posts the signed launch to the tool's launch URL by itself, with a visible button
 * for browsers without script (`../http/auto-submit-form.ts`: escaping, the hash-pinned script, the
 * `form-action` policy of the tool's origin and `https:`).
 */
export function launchFormPage(action: string, pairs: Pairs, title: string): ApiResult {
  return autoSubmitFormPage({
    action,
    fields: pairs,
    title: `Opening ${title}`,
    heading: `Opening ${title}`,
    note: 'If the activity does not open by itself, press the button.',
    button: `Continue to ${title}`,
  });
}
