/**
 * The browser at a dynamic registration's launch URL (`POST …/tool-registrations`), its ticket
 * consumed: it is sent on to the tool's registration initiation URL with `openid_configuration` and
 * a fresh `registration_token` (Dynamic Registration 1.0 §3.3, "Registration Initiation Request").
 *
 * The token is 256 random bits, kept only as its hash (`registration-token` of the single-use store),
 * good for one client registration within {@link registrationTokenLifetimeSeconds} (P3, P4 of the
 * spec summary's checklist: short-lived and single-use).
 */
import type { Config } from '../../config';
import { randomToken, sha256Base64url } from '../../crypto';
import { redirect } from '../../http/responses';
import type { ApiResult } from '../../http/types';
import type { ToolRegistrationLaunch } from '../../lti/platform-launch';
import type { Clock, RegistrationGrant, SingleUseStore } from '../../ports';
import { openidConfigurationUrl } from './platform-openid-configuration';
import { initiationParameters } from './vocabulary';

/**
 * An hour: the tool may put its own sign-in in front of its registration (Canvas's guide suggests
 * it), and the admin may have to read before the tool registers.
 */
export const registrationTokenLifetimeSeconds = 60 * 60;

export interface RegistrationInitiationDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
}

/** Stores the token (one conditional write) and answers the 302 to the tool, keeping its URL's own query. */
export async function registrationInitiation(deps: RegistrationInitiationDeps, launch: ToolRegistrationLaunch): Promise<ApiResult> {
  const { ticket, environment } = launch;
  const token = randomToken();
  const now = deps.clock.now();
  const expiresAt = Math.floor(now / 1000) + registrationTokenLifetimeSeconds;
  const grant: RegistrationGrant = { environmentId: environment.id, registrationUrl: ticket.registrationUrl, expiresAt };
  await deps.singleUse.create('registration-token', environment.id, sha256Base64url(token), grant, expiresAt, now);
  const location = new URL(ticket.registrationUrl);
  location.searchParams.set(initiationParameters.openidConfiguration, openidConfigurationUrl(deps.config.publicUrl, environment.id));
  location.searchParams.set(initiationParameters.registrationToken, token);
  return redirect(location.toString(), 302);
}
