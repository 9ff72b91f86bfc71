/**
 * The academy as LTI 1.3 tool receives an `LtiDeepLinkingRequest` (Deep Linking 2.0 §2.2, §4.4): the
 * deep linking row of the launch's message-type matrix (`../core/tool-launch.ts` `messageSteps`).
 * The request comes through the same OIDC login and launch URLs as a resource link launch and has
 * passed every check they share (signature, issuer, audience, nonce, deployment, message type,
 * version); these are its own, in order:
 *
 * 1. the `deep_linking_settings` claim (§4.4.1): present, a return URL the browser may be sent to,
 *    `ltiResourceLink` among the accepted types;
 * 2. the user may pick content: an instructor, content developer or administrator (the roles claim,
 *    §4.4.9); a learner gets a page that says so, and nothing is stored.
 *
 * Then the picker opens (`./tool-picker-page.ts`), its form carrying one single-use token bound to
 * what this request said (`DeepLinkingPicker`), so that the choice is signed for exactly this
 * request, once (`./tool-response.ts`). No account is created or linked: picking is not a launch
 * into the academy.
 */
import type { JWTPayload } from 'jose';
import { ltiOfferableTypes, type Activity, type Environment, type Platform } from '../../academy/model';
import type { Config } from '../../config';
import { randomToken, sha256Base64url } from '../../crypto';
import { LaunchError } from '../../errors';
import type { ApiResult } from '../../http/types';
import type { Check } from '../../lti/pipeline';
import { checkedReturnUrl } from '../../lti/return-url';
import type { ActivityStore, Clock, DeepLinkingPicker, SingleUseStore } from '../../ports';
import { claims, contextSubRolePrefix } from '../core/claims';
import { normalizeRoles } from '../core/tool-roles';
import { toolDeepLinkingUrl } from '../core/tool-urls';
import { pickerPage } from './tool-picker-page';
import { deepLinkingClaims, ltiResourceLinkType, pickerContextRoles, pickerRoles, type DeepLinkingSettings } from './vocabulary';

/** How long the picker waits for a choice: time to browse, short enough for a token in a page. */
export const pickerLifetimeSeconds = 30 * 60;

/** What the deep linking claims are for, shown when one is missing or wrong. */
export const deepLinkingPurposes = {
  [deepLinkingClaims.settings]:
    'what the platform accepts back from the academy\'s picker, and where to send it (its "deep_link_return_url")',
  [claims.roles]: "the user's roles in the course: only instructors, content developers and administrators may add activities",
} as const;

/** What the deep linking steps read of a verified launch (`VerifiedLaunch` of `../core/tool-launch.ts` has all of it). */
export interface DeepLinkingLaunch {
  readonly envId: string;
  readonly environment: Environment;
  readonly platform: Platform;
  /** The verified id_token's claims. */
  readonly claims: JWTPayload;
}

export interface PickerDeps {
  readonly config: Pick<Config, 'publicUrl' | 'localMode'>;
  readonly activities: Pick<ActivityStore, 'list'>;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
}

const settingsClaim = deepLinkingClaims.settings;

const invalidSettings = (message: string) =>
  new LaunchError(400, 'invalid_claim', message, settingsClaim, deepLinkingPurposes[settingsClaim]);

function settingsOf(launch: DeepLinkingLaunch): DeepLinkingSettings {
  const settings = launch.claims[settingsClaim];
  if (settings === undefined || settings === null) {
    throw new LaunchError(
      400,
      'missing_claim',
      `The deep linking request is missing the claim ${settingsClaim}.`,
      settingsClaim,
      deepLinkingPurposes[settingsClaim],
    );
  }
  if (typeof settings !== 'object' || Array.isArray(settings)) throw invalidSettings(`The claim ${settingsClaim} must be an object.`);
  return settings as DeepLinkingSettings;
}

/** A boolean setting as platforms send it: `true` or `"true"`, `false` or `"false"`; otherwise undefined. */
function flag(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

/** §4.4.1: the settings claim is there, and `deep_link_return_url` is an absolute URL the browser may be sent to. */
const returnUrlUsable: Check<DeepLinkingLaunch, PickerDeps> = (launch, deps) => {
  const url = settingsOf(launch).deep_link_return_url;
  if (typeof url !== 'string' || url.trim() === '') {
    throw invalidSettings(`The claim ${settingsClaim} has no deep_link_return_url, where the academy must send the chosen activities.`);
  }
  if (!checkedReturnUrl(url, deps.config.localMode)) {
    throw invalidSettings(
      `The deep_link_return_url of ${settingsClaim} must be an absolute https URL without credentials: the academy posts the chosen activities there.`,
    );
  }
};

/**
 * §4.4.1: `accept_types` is required, and the academy answers `ltiResourceLink` items only (§3.2);
 * `accept_presentation_document_targets`, also required, is checked to be a list when sent (the
 * academy's items name no target, so a platform that leaves it out loses nothing).
 */
const acceptsResourceLinks: Check<DeepLinkingLaunch> = (launch) => {
  const settings = settingsOf(launch);
  const types = settings.accept_types;
  if (!Array.isArray(types) || types.some((type) => typeof type !== 'string')) {
    throw invalidSettings(`The accept_types of ${settingsClaim} must be a list of content item types.`);
  }
  if (!types.includes(ltiResourceLinkType)) {
    throw new LaunchError(
      400,
      'unsupported_accept_types',
      `The platform accepts ${types.length > 0 ? types.join(', ') : 'no content item type'} here; the academy offers its activities only as ${ltiResourceLinkType} items.`,
      settingsClaim,
      deepLinkingPurposes[settingsClaim],
    );
  }
  const targets = settings.accept_presentation_document_targets;
  if (targets !== undefined && !Array.isArray(targets)) {
    throw invalidSettings(`The accept_presentation_document_targets of ${settingsClaim} must be a list.`);
  }
};

/** Whether one role (normalized to a URI) may use the picker: a picker role, or a sub-role of one (Core 1.3 A.2.3.1). */
export function mayPick(role: string): boolean {
  return pickerRoles.includes(role) || pickerContextRoles.some((principal) => role.startsWith(contextSubRolePrefix(principal)));
}

/** docs/product.md "Deep Linking 2.0": instructors, content developers and administrators pick; a learner is refused. */
const pickerRole: Check<DeepLinkingLaunch> = (launch) => {
  const roles = launch.claims[claims.roles];
  const list = Array.isArray(roles) ? normalizeRoles(roles.filter((role): role is string => typeof role === 'string')) : [];
  if (!list.some(mayPick)) {
    throw new LaunchError(
      403,
      'picker_not_allowed',
      "Only instructors, content developers and administrators can choose the academy's activities for a course, and your role in this course is none of them. If you are a learner, open the activities your instructor added.",
      claims.roles,
      deepLinkingPurposes[claims.roles],
    );
  }
};

/** The deep linking request's own checks, in order, after those every message passes. */
export const deepLinkingRequestChecks: readonly Check<DeepLinkingLaunch, PickerDeps>[] = [
  returnUrlUsable,
  acceptsResourceLinks,
  pickerRole,
];

/** The activities the picker offers: the environment's own activities available for LTI, by title. */
export function offeredActivities(activities: readonly Activity[]): Activity[] {
  return activities
    .filter((activity) => activity.availableForLti && !activity.lti && ltiOfferableTypes.includes(activity.type))
    .sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
}

/** What the response to this request needs, remembered under the picker token's hash. */
function pickerSession(launch: DeepLinkingLaunch, settings: DeepLinkingSettings, expiresAt: number): DeepLinkingPicker {
  return {
    environmentId: launch.envId,
    platformId: launch.platform.id,
    clientId: launch.platform.clientId,
    issuer: launch.platform.issuer,
    deploymentId: String(launch.claims[claims.deploymentId]),
    returnUrl: String(settings.deep_link_return_url),
    ...(settings.data !== undefined ? { dataJson: JSON.stringify(settings.data) } : {}),
    acceptMultiple: flag(settings.accept_multiple) === true,
    acceptLineItem: flag(settings.accept_lineitem) !== false,
    expiresAt,
  };
}

/**
 * Opens the picker of a checked deep linking request: the offered activities and the stored picker
 * session, at once (one Query, one conditional write), then the page.
 */
export async function openPicker(deps: PickerDeps, launch: DeepLinkingLaunch): Promise<ApiResult> {
  const settings = settingsOf(launch);
  const token = randomToken();
  const now = deps.clock.now();
  const session = pickerSession(launch, settings, Math.floor(now / 1000) + pickerLifetimeSeconds);
  const [activities] = await Promise.all([
    deps.activities.list(launch.envId),
    deps.singleUse.create('deep-linking-picker', launch.envId, sha256Base64url(token), session, session.expiresAt, now),
  ]);
  return pickerPage({
    action: toolDeepLinkingUrl(deps.config.publicUrl, launch.envId),
    token,
    environmentName: launch.environment.name,
    activities: offeredActivities(activities),
    multiple: session.acceptMultiple,
  });
}
