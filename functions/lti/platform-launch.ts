/**
 * `GET /{env}/launch/{ticket}`: the browser's one-time entry to an external activity (docs/product.md
 * "Launch an external activity"). The ticket is consumed once, the environment, activity and user
 * are read in one round trip, and the launch continues by the activity's LTI version: each version
 * is one launcher, registered by the composition root (`../app/launchers.ts`), so that this file
 * imports no version of the protocol. A deep linking request's ticket (`POST …/deep-links`) takes
 * the same URL and continues with the deep linking launcher, which has no activity to read; so
 * does a dynamic registration's ticket (`POST …/tool-registrations`), with no activity and no user.
 */
import { count } from '../observability';
import type { Activity, Environment, ExternalLti, User } from '../academy/model';
import type { Config } from '../config';
import { HttpError } from '../errors';
import { pathParam } from '../http/request';
import type { ApiEvent, ApiResult } from '../http/types';
import { ltiDisabled } from './errors';
import type { Clock, DeepLinkTicket, LaunchTicket, PlatformStore, ResultSourcedId, SingleUseStore, ToolRegistrationTicket } from '../ports';
import { consumeLaunchTicket } from './platform-tickets';

export interface PlatformLaunchDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly singleUse: SingleUseStore;
  readonly platform: PlatformStore;
  readonly clock: Clock;
  readonly launchers: ExternalLaunchers;
}

/** A consumed ticket with what it refers to, checked to exist. */
export interface ExternalLaunch<L extends ExternalLti = ExternalLti> {
  readonly ticket: LaunchTicket;
  readonly environment: Environment;
  readonly activity: Activity & { readonly lti: L };
  readonly user: User;
  /** The learner's stored LTI 1.2 result sourcedId, when there is one. */
  readonly sourcedId?: ResultSourcedId;
}

/** Continues a launch in one LTI version: answers the page the browser gets. */
export type ExternalLauncher<L extends ExternalLti> = (launch: ExternalLaunch<L>) => Promise<ApiResult>;

/** A consumed deep linking ticket with its environment and user, checked to exist. */
export interface DeepLinkLaunch {
  readonly ticket: DeepLinkTicket;
  readonly environment: Environment;
  readonly user: User;
}

/** A consumed dynamic registration ticket in its environment, checked to exist with LTI on. */
export interface ToolRegistrationLaunch {
  readonly ticket: ToolRegistrationTicket;
  readonly environment: Environment;
}

/**
 * One launcher per LTI version of the activity, the deep linking request's and the dynamic
 * registration's (LTI 1.3 only).
 */
export type ExternalLaunchers = { readonly [V in ExternalLti['version']]: ExternalLauncher<Extract<ExternalLti, { version: V }>> } & {
  readonly deepLinking: (launch: DeepLinkLaunch) => Promise<ApiResult>;
  readonly toolRegistration: (launch: ToolRegistrationLaunch) => Promise<ApiResult>;
};

/** Consumes the ticket and answers the launch page of the activity's LTI version. */
export async function platformLaunch(deps: PlatformLaunchDeps, event: ApiEvent): Promise<ApiResult> {
  const environmentId = pathParam(event, 'env');
  let ticket: LaunchTicket | DeepLinkTicket | ToolRegistrationTicket;
  try {
    ticket = await consumeLaunchTicket(deps, environmentId, pathParam(event, 'ticket'));
  } catch (error) {
    // docs/product.md: every public LTI URL of an environment without LTI answers 403, ticket or not.
    const environment = (await deps.platform.context(environmentId)).environment;
    if (environment && !environment.ltiEnabled) throw ltiDisabled();
    throw error;
  }
  if ('registrationUrl' in ticket) {
    const { environment } = await deps.platform.context(environmentId);
    return deps.launchers.toolRegistration({ ticket, environment: ltiOn(environment) });
  }
  if ('deepLinkId' in ticket) {
    const { environment, user } = await deps.platform.context(environmentId, undefined, ticket.userId);
    return deps.launchers.deepLinking({ ticket, environment: ltiOn(environment), user: existing(user) });
  }
  const { environment, activity, user, sourcedId } = await deps.platform.context(environmentId, ticket.activityId, ticket.userId);
  ltiOn(environment);
  if (!activity?.lti) throw new HttpError(404, 'not_found', 'This activity no longer exists or is no longer an external LTI activity.');
  existing(user);
  const launch = { ticket, environment: ltiOn(environment), user: existing(user), sourcedId };
  const { lti } = activity;
  const answer =
    lti.version === '1.2'
      ? await deps.launchers['1.2']({ ...launch, activity: { ...activity, lti } })
      : await deps.launchers['1.3']({ ...launch, activity: { ...activity, lti } });
  count('LaunchAccepted', { side: 'platform', version: lti.version });
  return answer;
}

function ltiOn(environment: Environment | undefined): Environment {
  if (!environment) throw new HttpError(404, 'not_found', 'There is no such environment.');
  if (!environment.ltiEnabled) throw ltiDisabled();
  return environment;
}

function existing(user: User | undefined): User {
  if (!user) throw new HttpError(404, 'not_found', 'This user no longer exists in the academy.');
  return user;
}
