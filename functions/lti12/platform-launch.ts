/**
 * The LTI 1.2 branch of a platform launch: the learner's result sourcedId, then the signed launch
 * page (`./platform-launch-form.ts`) with a fresh nonce and the current time.
 */
import { randomBytes } from 'node:crypto';
import { externalToolSecret } from '../academy/lti12-secrets';
import type { ExternalLti12 } from '../academy/model';
import type { ApiResult } from '../http/types';
import type { Config } from '../config';
import type { ExternalLaunch } from '../lti/platform-launch';
import type { Clock, PlatformStore, SecretBox } from '../ports';
import { launchFormPage, lti12LaunchParameters, signLaunch } from './platform-launch-form';
import { issueSourcedId } from './platform-sourcedid';

export interface Lti12PlatformLaunchDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly platform: PlatformStore;
  readonly clock: Clock;
  /** Opens the tool's secret, which signs the launch. */
  readonly secrets: Pick<SecretBox, 'open'>;
}

export async function lti12PlatformLaunch(deps: Lti12PlatformLaunchDeps, launch: ExternalLaunch<ExternalLti12>): Promise<ApiResult> {
  const { environment, activity, user, ticket } = launch;
  const sourcedId = await issueSourcedId(deps, activity, user.id, launch.sourcedId);
  const params = lti12LaunchParameters({
    publicUrl: deps.config.publicUrl,
    environment,
    activity,
    user,
    sourcedId,
    ...(ticket.returnUrl ? { returnUrl: ticket.returnUrl } : {}),
  });
  // The URL as WHATWG normalises it: what the browser posts to, so what the tool verifies.
  const action = new URL(activity.lti.launchUrl).href;
  const credentials = { key: activity.lti.key, secret: await externalToolSecret(deps, activity, activity.lti) };
  const signed = signLaunch(action, credentials, params, randomBytes(16).toString('hex'), Math.floor(deps.clock.now() / 1000));
  return launchFormPage(action, signed, activity.title);
}
