/**
 * One-time launch tickets (PRODUCT.md `POST /admin/environments/{env}/launches`): the academy asks
 * for a launch URL for a user and an external activity, and sends the learner's browser to it. The
 * ticket is 256 random bits, stored only as its SHA-256 (a leaked table leaks no usable link), valid
 * for 5 minutes and consumed by one conditional delete.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { conflict, HttpError, invalid, notFound } from '../errors';
import type { Activity, Environment, User } from '../academy/model';
import { absoluteUrl, nonEmpty, parse, validId } from '../academy/validation';
import type { Clock, LaunchTicket, PlatformStore, TicketStore } from '../ports';

/** A launch URL works once, for 5 minutes. */
export const ticketLifetimeSeconds = 5 * 60;

const launchBody = z.strictObject({
  activityId: nonEmpty('activityId', 64),
  userId: nonEmpty('userId', 64),
  returnUrl: absoluteUrl('returnUrl').optional(),
});

export interface TicketDeps {
  readonly tickets: TicketStore;
  readonly platform: PlatformStore;
  readonly clock: Clock;
  readonly publicUrl: string;
}

/** The hash a ticket is stored under. */
export function ticketHash(ticket: string): string {
  return createHash('sha256').update(ticket).digest('base64url');
}

/** The browser's one-time entry: `{publicUrl}/{env}/launch/{ticket}`. */
export function launchUrl(publicUrl: string, environmentId: string, ticket: string): string {
  return `${publicUrl}/${encodeURIComponent(environmentId)}/launch/${ticket}`;
}

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
  const ticket = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const expiresAt = Math.floor(now / 1000) + ticketLifetimeSeconds;
  const record: LaunchTicket = {
    environmentId,
    activityId: input.activityId,
    userId: input.userId,
    ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
    expiresAt,
  };
  await deps.tickets.create(ticketHash(ticket), record);
  return { launchUrl: launchUrl(deps.publicUrl, environmentId, ticket), expiresAt: new Date(expiresAt * 1000).toISOString() };
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
  if (!environment.ltiEnabled) throw conflict('LTI is not enabled in this environment', 'activityId');
  if (!activity) throw invalid('activityId', `activityId: no activity ${input.activityId} in this environment`);
  if (!activity.lti) {
    throw invalid('activityId', `activityId: activity ${input.activityId} is not an external LTI activity (it has no lti block)`);
  }
  if (!user) throw invalid('userId', `userId: no user ${input.userId} in this environment`);
}

/**
 * Consumes a ticket of the environment once. An unknown, used or expired ticket is one answer:
 * the store cannot tell them apart, and the learner's remedy is the same.
 */
export async function consumeLaunchTicket(deps: Pick<TicketDeps, 'tickets' | 'clock'>, environmentId: string, ticket: string): Promise<LaunchTicket> {
  const found = /^[A-Za-z0-9_-]{43}$/.test(ticket)
    ? await deps.tickets.consume(environmentId, ticketHash(ticket), deps.clock.now())
    : undefined;
  if (!found) {
    throw new HttpError(
      404,
      'ticket_unavailable',
      'This launch link is unknown, was already used, or has expired: a link works once, for 5 minutes. Please start the activity again from the academy.',
    );
  }
  return found;
}
