/**
 * `POST /{env}/lti13/deep-linking`: the picker's form (`./tool-picker-page.ts`) comes back, and the
 * academy as LTI 1.3 tool answers the platform's deep linking request (Deep Linking 2.0 §2.3, §4.5).
 *
 * - Search, or Add with nothing ticked: the picker again (its token only looked up, not used).
 * - Cancel: an empty `LtiDeepLinkingResponse` (§2.3: the tool redirects back "even if the user
 *   selects or creates no items").
 * - Add: one `ltiResourceLink` item (§3.2) per ticked activity, with its resource URL, title, text
 *   and, unless the platform said `accept_lineitem: false`, a line item (maximum 100, `resourceId`
 *   the activity id, label the title).
 *
 * The token is used once (one conditional delete), and what the response says of the request
 * (issuer, client id, deployment, return URL, `data`, `accept_multiple`) comes from what it was
 * stored with, never from the form. The choice is checked against the environment's activities
 * available for LTI: an id of another environment, or of an activity not offered, is refused. The
 * response is a JWT signed with the KMS key (Security 1.0 "Tool JWT": `iss` the academy's client
 * id, `aud` the platform's issuer, whole-second `iat` and `exp`, a fresh `nonce`), form-posted as
 * `JWT` to `deep_link_return_url` by a page that submits itself (§2.3).
 */
import type { Activity } from '../../academy/model';
import type { Config } from '../../config';
import { randomToken, sha256Base64url } from '../../crypto';
import { LaunchError } from '../../errors';
import { autoSubmitFormPage } from '../../http/auto-submit-form';
import { firstValues, formPairs, pathParam } from '../../http/request';
import type { ApiEvent, ApiResult } from '../../http/types';
import { ltiEnvironment, settled } from '../../lti/checks';
import { missing } from '../../lti/errors';
import type { ActivityStore, Clock, DeepLinkingPicker, EnvironmentStore, Signer, SingleUseStore } from '../../ports';
import { claims, ltiVersion } from '../core/claims';
import { toolDeepLinkingUrl, toolResourceUrl } from '../core/tool-urls';
import { pickerFields, pickerPage } from './tool-picker-page';
import { offeredActivities } from './tool-request';
import { deepLinkingClaims, deepLinkingMessageTypes, ltiResourceLinkType } from './vocabulary';

/** Long enough for a slow browser to post it, short enough for a platform's nonce store (as the academy's id_tokens). */
export const responseLifetimeSeconds = 5 * 60;
/** The line item of each activity: progress scores are percentages. */
export const lineItemScoreMaximum = 100;

const tokenPurpose = "the picker's one-time token, which ties the choice to the platform's deep linking request";

export interface PickerResponseDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly environments: Pick<EnvironmentStore, 'get'>;
  readonly activities: Pick<ActivityStore, 'list'>;
  readonly singleUse: SingleUseStore;
  readonly signer: Signer;
  readonly clock: Clock;
}

/** The picker's form as posted. */
export interface PickerForm {
  readonly envId: string;
  readonly token?: string;
  readonly query: string;
  /** The ticked activity ids, each once, in the order posted. */
  readonly chosen: readonly string[];
  readonly action: 'search' | 'cancel' | 'add';
}

export function readPickerForm(event: ApiEvent): PickerForm {
  const pairs = formPairs(event);
  const form = firstValues(pairs);
  const chosen = [...new Set(pairs.filter(([name]) => name === pickerFields.activity).map(([, value]) => value))];
  const action = form[pickerFields.search] !== undefined ? 'search' : form[pickerFields.cancel] !== undefined ? 'cancel' : 'add';
  return {
    envId: pathParam(event, 'env'),
    ...(form[pickerFields.token] ? { token: form[pickerFields.token] } : {}),
    query: form[pickerFields.query] ?? '',
    chosen,
    action,
  };
}

const expired = () =>
  new LaunchError(
    400,
    'picker_expired',
    "This choice was already sent, or the picker waited too long (30 minutes): open the academy's activities again from your course.",
    pickerFields.token,
    tokenPurpose,
  );

/** The ticked activities, each one the academy offers in this environment, as many as the platform accepts. */
function chosenActivities(session: DeepLinkingPicker, offered: readonly Activity[], chosen: readonly string[]): Activity[] {
  if (!session.acceptMultiple && chosen.length > 1) {
    throw new LaunchError(400, 'invalid_choice', 'The platform accepts one activity here: tick only one.', pickerFields.activity);
  }
  return chosen.map((id) => {
    const activity = offered.find((candidate) => candidate.id === id);
    if (!activity) {
      throw new LaunchError(
        400,
        'invalid_choice',
        `The activity ${JSON.stringify(id.slice(0, 64))} is not one this academy offers for LTI: nothing was sent. Open the academy's activities again from your course.`,
        pickerFields.activity,
      );
    }
    return activity;
  });
}

/** §3.2: the `ltiResourceLink` item of an activity. */
export function contentItem(publicUrl: string, session: DeepLinkingPicker, activity: Activity): Record<string, unknown> {
  return {
    type: ltiResourceLinkType,
    url: toolResourceUrl(publicUrl, session.environmentId, activity.id),
    title: activity.title,
    ...(activity.description ? { text: activity.description } : {}),
    ...(session.acceptLineItem ? { lineItem: { scoreMaximum: lineItemScoreMaximum, label: activity.title, resourceId: activity.id } } : {}),
  };
}

/** §4.5 and Security 1.0 "Tool JWT": the claims of the response, for the KMS signer. */
export function responseClaims(
  session: DeepLinkingPicker,
  items: readonly Record<string, unknown>[],
  now: number,
): Record<string, unknown> {
  const iat = Math.floor(now / 1000);
  return {
    iss: session.clientId,
    aud: session.issuer,
    iat,
    exp: iat + responseLifetimeSeconds,
    nonce: randomToken(),
    [claims.deploymentId]: session.deploymentId,
    [claims.messageType]: deepLinkingMessageTypes.response,
    [claims.version]: ltiVersion,
    [deepLinkingClaims.contentItems]: items,
    ...(session.dataJson !== undefined ? { [deepLinkingClaims.data]: JSON.parse(session.dataJson) as unknown } : {}),
    ...(items.length > 0
      ? { [deepLinkingClaims.msg]: `${items.length} ${items.length === 1 ? 'activity' : 'activities'} chosen in the academy.` }
      : {}),
  };
}

/** The picker again (search, or Add with nothing ticked): the token is looked up, not used. */
async function pickerAgain(deps: PickerResponseDeps, form: PickerForm): Promise<ApiResult> {
  const { token } = form;
  const [environment, session, activities] = await Promise.allSettled([
    ltiEnvironment(deps, form.envId),
    token ? deps.singleUse.find('deep-linking-picker', form.envId, sha256Base64url(token), deps.clock.now()) : undefined,
    deps.activities.list(form.envId),
  ]);
  const { name } = settled(environment);
  if (!token) throw missing(pickerFields.token, tokenPurpose);
  const found = settled(session);
  if (!found) throw expired();
  return pickerPage({
    action: toolDeepLinkingUrl(deps.config.publicUrl, form.envId),
    token,
    environmentName: name,
    activities: offeredActivities(settled(activities)),
    multiple: found.acceptMultiple,
    query: form.query,
    chosen: found.acceptMultiple ? form.chosen : form.chosen.slice(0, 1),
    ...(form.action === 'add' ? { notice: 'Nothing was ticked: tick the activities to add, or cancel.' } : {}),
  });
}

/**
 * The picker's form, step by step: the environment first (LTI switched off answers 403 whatever the
 * form carries), read with the token's use and the environment's activities in one round trip;
 * then the choice, checked; then one KMS `Sign`, and the page that posts the response.
 */
export async function pickerChoice(deps: PickerResponseDeps, event: ApiEvent): Promise<ApiResult> {
  const form = readPickerForm(event);
  if (form.action === 'search' || (form.action === 'add' && form.chosen.length === 0)) {
    return pickerAgain(deps, form);
  }
  const now = deps.clock.now();
  const [environment, session, activities] = await Promise.allSettled([
    ltiEnvironment(deps, form.envId),
    form.token ? deps.singleUse.consume('deep-linking-picker', form.envId, sha256Base64url(form.token), now) : undefined,
    form.action === 'add' ? deps.activities.list(form.envId) : [],
  ]);
  settled(environment);
  if (!form.token) throw missing(pickerFields.token, tokenPurpose);
  const found = settled(session);
  if (!found) throw expired();
  const chosen = form.action === 'cancel' ? [] : chosenActivities(found, offeredActivities(settled(activities)), form.chosen);
  const items = chosen.map((activity) => contentItem(deps.config.publicUrl, found, activity));
  const jwt = await deps.signer.signJwt(responseClaims(found, items, now), { typ: 'JWT' });
  return autoSubmitFormPage({
    action: found.returnUrl,
    fields: [['JWT', jwt]],
    title: 'Back to your learning platform',
    note: items.length > 0 ? 'Sending the chosen activities to your learning platform…' : 'Going back to your learning platform…',
    noscriptNote: 'Script is off in this browser: press Continue.',
    button: 'Continue',
  });
}
