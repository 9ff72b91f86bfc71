/**
 * `POST /admin/environments/{env}/registrations` `{activate?}`: a one-time Dynamic Registration
 * link (Dynamic Registration 1.0 §3.3) for an LMS administrator to paste into the LMS. The link is a
 * `registration-link` of the single-use store, under the hash of its id, for seven days; the
 * registration it completes uses it up (`./tool-register.ts`).
 *
 * The id starts with its expiry (epoch seconds, base 36) so that the page can tell an expired link
 * from an unknown or used one without storing anything more; the random part makes it unguessable,
 * and the whole id is what is hashed, so the expiry cannot be changed.
 *
 * Only the admin API imports this module (it validates with zod).
 */
import * as z from 'zod/mini';
import { requireEnvironment } from '../../academy/environments';
import { parse } from '../../academy/validation';
import { randomToken, sha256Base64url } from '../../crypto';
import type { Clock, EnvironmentStore, RegistrationLink, SingleUseStore } from '../../ports';
import { toolRegistrationUrl } from './tool-registration-urls';

/** How long a registration link may be used: seven days (docs/product.md "Dynamic Registration 1.0"). */
export const registrationLinkLifetimeSeconds = 7 * 24 * 3600;

const createBody = z.strictObject({
  activate: z.optional(z.boolean({ error: 'activate must be true or false' })),
});

export interface RegistrationLinkDeps {
  readonly environments: EnvironmentStore;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
  readonly publicUrl: string;
}

export interface IssuedRegistrationLink {
  readonly registrationUrl: string;
  readonly expiresAt: string;
  readonly activate: boolean;
}

/** Issues a one-time registration link of the environment. */
export async function createRegistrationLink(
  deps: RegistrationLinkDeps,
  environmentId: string,
  body: unknown,
): Promise<IssuedRegistrationLink> {
  await requireEnvironment(deps, environmentId);
  const { activate = false } = parse(createBody, body);
  const now = deps.clock.now();
  const expiresAt = Math.floor(now / 1000) + registrationLinkLifetimeSeconds;
  const registrationId = `${expiresAt.toString(36)}.${randomToken()}`;
  const link: RegistrationLink = { environmentId, activate, createdAt: new Date(now).toISOString(), expiresAt };
  await deps.singleUse.create('registration-link', environmentId, sha256Base64url(registrationId), link, expiresAt, now);
  return {
    registrationUrl: toolRegistrationUrl(deps.publicUrl, environmentId, registrationId),
    expiresAt: new Date(expiresAt * 1000).toISOString(),
    activate,
  };
}

/** The bodies this module validates, for the OpenAPI document (`functions/admin/openapi.ts`). */
export const registrationLinkSchemas = { create: createBody };
