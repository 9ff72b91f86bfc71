/**
 * `POST /admin/environments/{env}/tool-registrations` (docs/product.md "Dynamic Registration 1.0",
 * platform side): a one-time launch URL that sends the admin's browser to a tool's registration
 * initiation URL (Dynamic Registration 1.0 §3.3), where the tool registers itself with the academy.
 *
 * The launch URL is a launch ticket (`../../lti/platform-tickets.ts`: 256 random bits kept as their
 * hash, once, for 5 minutes); the registration token the tool gets is made only when the browser
 * opens it (`./platform-registration-initiation.ts`), so that no answer of the admin API holds one.
 */
import * as z from 'zod/mini';
import { requireEnvironment } from '../../academy/environments';
import { absoluteUrl, parse } from '../../academy/validation';
import { randomToken, sha256Base64url } from '../../crypto';
import { conflict, invalid, ltiDisabledMessage } from '../../errors';
import { ticketLaunchUrl, ticketLifetimeSeconds } from '../../lti/platform-tickets';
import type { Clock, EnvironmentStore, SingleUseStore, ToolRegistrationTicket } from '../../ports';

export interface ToolRegistrationDeps {
  readonly environments: EnvironmentStore;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
  readonly publicUrl: string;
  /** Local mode accepts `http://` URLs; the AWS deployment requires `https://`. */
  readonly localMode: boolean;
}

const createBody = z.strictObject({
  /** The tool's registration initiation URL, which the LMS administrator pastes (§3.3). */
  registrationUrl: absoluteUrl('registrationUrl'),
});

/** The admin body schema, for the OpenAPI document (`../../admin/openapi.ts`). */
export const toolRegistrationSchemas = { create: createBody };

/** Opened in the admin's browser: https on AWS, and no fragment, since query parameters are added to it. */
function checkRegistrationUrl(deps: Pick<ToolRegistrationDeps, 'localMode'>, value: string): void {
  const url = new URL(value);
  if (url.hash) throw invalid('registrationUrl', 'registrationUrl must not have a fragment (#…)');
  if (!deps.localMode && url.protocol !== 'https:') throw invalid('registrationUrl', 'registrationUrl must be an https:// URL');
}

/** Creates the one-time launch URL of a dynamic registration; errors name the body field at fault. */
export async function createToolRegistration(
  deps: ToolRegistrationDeps,
  environmentId: string,
  body: unknown,
): Promise<{ launchUrl: string; expiresAt: string }> {
  const environment = await requireEnvironment(deps, environmentId);
  const input = parse(createBody, body);
  checkRegistrationUrl(deps, input.registrationUrl);
  if (!environment.ltiEnabled) throw conflict(ltiDisabledMessage, 'registrationUrl');
  const ticket = randomToken();
  const now = deps.clock.now();
  const expiresAt = Math.floor(now / 1000) + ticketLifetimeSeconds;
  const record: ToolRegistrationTicket = { environmentId, registrationUrl: input.registrationUrl, expiresAt };
  await deps.singleUse.create('launch-ticket', environmentId, sha256Base64url(ticket), record, expiresAt, now);
  return { launchUrl: ticketLaunchUrl(deps.publicUrl, environmentId, ticket), expiresAt: new Date(expiresAt * 1000).toISOString() };
}
