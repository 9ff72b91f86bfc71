/**
 * One-time launch tickets (docs/product.md `POST /admin/environments/{env}/launches`): the academy asks
 * for a launch URL for a user and an external activity, and sends the learner's browser to it. The
 * ticket is 256 random bits, stored only as its SHA-256 (a leaked table leaks no usable link), valid
 * for 5 minutes and consumed by one conditional delete. Creating one (the admin API, with its body
 * validation) is in `./platform-ticket-requests.ts`, so that the browser's launch does not load zod.
 */
import { sha256Base64url } from '../crypto';
import { HttpError } from '../errors';
import type { Clock, DeepLinkTicket, LaunchTicket, PlatformStore, SingleUseStore, ToolRegistrationTicket } from '../ports';

/** A launch URL works once, for 5 minutes. */
export const ticketLifetimeSeconds = 5 * 60;

export interface TicketDeps {
  readonly singleUse: SingleUseStore;
  readonly platform: PlatformStore;
  readonly clock: Clock;
  readonly publicUrl: string;
}

/** The browser's one-time entry: `{publicUrl}/{env}/launch/{ticket}`. */
export function ticketLaunchUrl(publicUrl: string, environmentId: string, ticket: string): string {
  return `${publicUrl}/${encodeURIComponent(environmentId)}/launch/${ticket}`;
}

/**
 * Consumes a ticket of the environment once: an activity's launch, a deep linking request's or a
 * dynamic registration's. An unknown, used or expired ticket is one answer: the store cannot tell
 * them apart, and the learner's remedy is the same.
 */
export async function consumeLaunchTicket(
  deps: Pick<TicketDeps, 'singleUse' | 'clock'>,
  environmentId: string,
  ticket: string,
): Promise<LaunchTicket | DeepLinkTicket | ToolRegistrationTicket> {
  const found = /^[A-Za-z0-9_-]{43}$/.test(ticket)
    ? await deps.singleUse.consume('launch-ticket', environmentId, sha256Base64url(ticket), deps.clock.now())
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
