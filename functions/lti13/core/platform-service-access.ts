/**
 * Who may reach an activity's LTI Advantage services (academy as platform): Assignment and Grade
 * Services and Names and Role Provisioning Services alike, a bearer token that grants the endpoint's
 * scope (Security 1.0 §4.1; RFC 6750; AGS 2.0 §3.2, §3.3.2, §3.4.2; NRPS 2.0 §3.6.1), issued in this
 * environment to the very tool the activity launches. "The Assignment and Grade Services only expose
 * gradebook information directly tied to the tool deployment" (AGS 2.0 §1), and NRPS "must deny
 * access ... if the Resource Link is not owned by the Tool making the request" (NRPS 2.0 §3.1), so
 * another tool's activity answers 404 as if it did not exist (as AGS §3.2.9 answers a link of another
 * tool).
 *
 * Also the media types (AGS §3.2.1, §3.3.4, §3.4.3; NRPS §2.1, §2.4): what a request must send and
 * may accept.
 */
import type { Activity, ExternalLti13 } from '../../academy/model';
import { HttpError, ltiDisabledMessage, notFound } from '../../errors';
import { checkLtiEnvironment, type EnvironmentRefusals, settled } from '../../lti/checks';
import type { AccessTokenGrant, ActivityStore, EnvironmentStore, ToolStore } from '../../ports';
import { requireAccessToken, type PlatformAccessTokenDeps } from './platform-access-tokens';

export interface ServiceAccessDeps extends PlatformAccessTokenDeps {
  readonly environments: EnvironmentStore;
  readonly activities: ActivityStore;
  readonly tools: ToolStore;
}

/** What every service request works on once it is allowed. */
export interface ServiceContext {
  readonly environmentId: string;
  readonly activity: Activity & { readonly lti: ExternalLti13 };
  readonly grant: AccessTokenGrant;
}

/** The services' answers to an unknown environment (404) and to one with LTI switched off (403 `lti_disabled`). */
const serviceRefusals = (environmentId: string): EnvironmentRefusals => ({
  unknown: () => notFound(`environment ${environmentId}`),
  disabled: () => new HttpError(403, 'lti_disabled', ltiDisabledMessage),
});

/**
 * The environment first (404, 403 when LTI is off, whatever the request carries:
 * `../../lti/checks.ts`), then the token (401 `invalid_token`, 403 `insufficient_scope`), then the
 * activity: an external LTI 1.3 activity of the token's tool, else 404; last the tool, which must
 * still be activated (a deactivated tool's tokens stop working at once, not when they expire: 401
 * `invalid_token`, as for a revoked token). The environment, the token and the activity are read at
 * once; the checks still run in this order.
 */
export async function requireServiceAccess(
  deps: ServiceAccessDeps,
  environmentId: string,
  activityId: string,
  authorization: string | undefined,
  scope: string | readonly string[],
): Promise<ServiceContext> {
  const [environmentRead, grantRead, activityRead] = await Promise.allSettled([
    deps.environments.get(environmentId),
    requireAccessToken(deps, environmentId, authorization, scope),
    deps.activities.get(environmentId, activityId),
  ]);
  checkLtiEnvironment(settled(environmentRead), serviceRefusals(environmentId));
  const grant = settled(grantRead);
  const activity = settled(activityRead);
  if (!activity || activity.lti?.version !== '1.3' || activity.lti.toolId !== grant.toolId) {
    throw notFound(`activity ${activityId}`);
  }
  const tool = await deps.tools.get(environmentId, grant.toolId);
  if (!tool?.activated) {
    const message = 'the access token was issued to a tool that is deactivated or removed';
    throw new HttpError(401, 'invalid_token', message, { field: 'authorization', challenge: 'Bearer' });
  }
  return { environmentId, activity: activity as ServiceContext['activity'], grant };
}

/** The bare media type of a `Content-Type` or `Accept` entry, lower-cased. */
const bareType = (value: string) => value.split(';')[0]!.trim().toLowerCase();

/** 415 unless the body is sent as `mediaType` (parameters such as `charset` are allowed). */
export function requireContentType(contentType: string | undefined, mediaType: string): void {
  if (!contentType || bareType(contentType) !== mediaType) {
    throw new HttpError(415, 'unsupported_media_type', `the body must be sent as Content-Type: ${mediaType}`, { field: 'content-type' });
  }
}

/**
 * 406 when an `Accept` header is sent and it accepts neither `mediaType` nor JSON nor a wildcard
 * that covers it (the services' media types are JSON: RFC 6839 `+json`).
 */
export function requireAcceptable(accept: string | undefined, mediaType: string): void {
  if (!accept?.trim()) return;
  const accepted = accept.split(',').map(bareType);
  const fits = accepted.some((type) => [mediaType, 'application/json', 'application/*', '*/*'].includes(type));
  if (!fits) throw new HttpError(406, 'not_acceptable', `this endpoint answers ${mediaType}`, { field: 'accept' });
}
