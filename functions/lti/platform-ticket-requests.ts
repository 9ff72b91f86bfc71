/**
 * `POST /admin/environments/{env}/launches` (docs/product.md "Admin API"): a launch ticket for a user and
 * an external activity of the environment, after checking the body field by field.
 */
import * as z from 'zod/mini';
import type { Activity, Environment, User } from '../academy/model';
import { absoluteUrl, nonEmpty, parse, validId } from '../academy/validation';
import { randomToken, sha256Base64url } from '../crypto';
import { conflict, invalid, ltiDisabledMessage, notFound } from '../errors';
import type { LaunchTicket } from '../ports';
import { ticketLaunchUrl, ticketLifetimeSeconds, type TicketDeps } from './platform-tickets';

const launchBody = z.strictObject({
  activityId: nonEmpty('activityId', 64),
  userId: nonEmpty('userId', 64),
  returnUrl: z.optional(absoluteUrl('returnUrl')),
});

/**
 * Creates a ticket for a user and an external activity of the environment; answers the launch URL
 * and when it expires. Errors name the body field at fault.
 */
export async function createLaunchTicket(
  deps: TicketDeps,
  environmentId: string,
  body: unknown,
): Promise<{ launchUrl: string; expiresAt: string }> {
  const input = parse(launchBody, body);
  const context = await deps.platform.context(
    environmentId,
    validId(input.activityId) ? input.activityId : undefined,
    validId(input.userId) ? input.userId : undefined,
  );
  launchable(environmentId, input, context.environment, context.activity, context.user);
  const ticket = randomToken();
  const now = deps.clock.now();
  const expiresAt = Math.floor(now / 1000) + ticketLifetimeSeconds;
  const record: LaunchTicket = {
    environmentId,
    activityId: input.activityId,
    userId: input.userId,
    ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
    expiresAt,
  };
  await deps.singleUse.create('launch-ticket', environmentId, sha256Base64url(ticket), record, expiresAt, now);
  return { launchUrl: ticketLaunchUrl(deps.publicUrl, environmentId, ticket), expiresAt: new Date(expiresAt * 1000).toISOString() };
}

/** The checks of a ticket request, in order; each throws an error that names the field. */
function launchable(
  environmentId: string,
  input: { activityId: string; userId: string },
  environment: Environment | undefined,
  activity: Activity | undefined,
  user: User | undefined,
): void {
  if (!environment) throw notFound(`environment ${environmentId}`);
  if (!environment.ltiEnabled) throw conflict(ltiDisabledMessage, 'activityId');
  if (!activity) throw invalid('activityId', `activityId: no activity ${input.activityId} in this environment`);
  if (!activity.lti) {
    throw invalid('activityId', `activityId: activity ${input.activityId} is not an external LTI activity (it has no lti block)`);
  }
  if (!user) throw invalid('userId', `userId: no user ${input.userId} in this environment`);
}

/** The bodies this module validates, for the OpenAPI document (`functions/admin/openapi.ts`). */
export const launchSchemas = { create: launchBody };
