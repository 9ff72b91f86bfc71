/**
 * The checks every LTI endpoint shares, whatever its version and role: the environment exists and
 * has LTI switched on (docs/product.md "Concepts": the feature switch), the activity is offered over
 * LTI, a required parameter is there. Each endpoint answers them in its own format (a launch page,
 * OAuth JSON, POX, AGS JSON), so the errors are given by the caller where they differ.
 */
import type { Activity, Environment } from '../academy/model';
import { validId } from '../academy/validation';
import { HttpError, LaunchError } from '../errors';
import type { EnvironmentStore } from '../ports';
import { ltiDisabled, missing } from './errors';

/** How one endpoint's format answers an unknown environment and an environment without LTI. */
export interface EnvironmentRefusals {
  readonly unknown: () => HttpError;
  readonly disabled: () => HttpError;
}

/** The launch pages' answers (LTI 1.x launch, LTI 1.3 login and launch, the platform's browser URLs). */
const launchRefusals: EnvironmentRefusals = {
  unknown: () => new LaunchError(404, 'not_found', 'There is no such environment.'),
  disabled: ltiDisabled,
};

/**
 * The environment of a public LTI URL, read first: an environment with LTI switched off answers 403
 * before any other check, so that nothing of its activities, tools, tickets or users is told (and
 * nothing is written) while LTI is off. One GetItem.
 */
export async function ltiEnvironment(
  deps: { readonly environments: Pick<EnvironmentStore, 'get'> },
  environmentId: string,
  refusals: EnvironmentRefusals = launchRefusals,
): Promise<Environment> {
  const environment = validId(environmentId) ? await deps.environments.get(environmentId) : undefined;
  return checkLtiEnvironment(environment, refusals);
}

/** The same check over an environment already read. */
export function checkLtiEnvironment(environment: Environment | undefined, refusals: EnvironmentRefusals = launchRefusals): Environment {
  if (!environment) throw refusals.unknown();
  if (!environment.ltiEnabled) throw refusals.disabled();
  return environment;
}

/** An academy activity that external LMSs may launch (`availableForLti`). */
export function availableActivity(activity: Activity | undefined): Activity {
  if (!activity?.availableForLti) throw new LaunchError(404, 'not_found', 'This activity does not exist or is not available for LTI.');
  return activity;
}

/** A parameter that must be there and not blank; answers it as sent. */
export function requiredParameter(params: Readonly<Record<string, string>>, name: string, purpose: string): string {
  const value = params[name];
  if (value === undefined || value.trim() === '') throw missing(name, purpose);
  return value;
}

/**
 * The value of one of several reads made at once (`Promise.allSettled`), or its error: so that an
 * endpoint reads everything in one round trip and still checks the results in its own order (the
 * environment first).
 */
export function settled<T>(read: PromiseSettledResult<T>): T {
  if (read.status === 'rejected') throw read.reason;
  return read.value;
}
