/**
 * `POST /admin/environments/{env}/deep-links` and `GET …/deep-links/{id}` (docs/product.md "Deep
 * Linking 2.0", academy as platform): a deep linking request to one of the environment's LTI 1.3
 * tools, for a user of the environment, and what came of it.
 *
 * The request is a deep link (`pending`, for an hour) and a one-time launch URL (5 minutes, the
 * launch ticket's URL and lifetime) that sends the browser through the OIDC login to the tool
 * (`./platform-request.ts`). Its `data` (Deep Linking 2.0 §4.4.1) is the deep link's id and 256
 * random bits, of which the deep link keeps only the hash: the response must echo it (§4.5.5), and
 * it names the deep link the response answers (`./platform-response.ts`).
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { requireEnvironment } from '../../academy/environments';
import { absoluteUrl, nonEmpty, parse, validId } from '../../academy/validation';
import { randomToken, sha256Base64url } from '../../crypto';
import { conflict, invalid, ltiDisabledMessage, notFound } from '../../errors';
import { ticketLaunchUrl, ticketLifetimeSeconds } from '../../lti/platform-tickets';
import {
  deepLinkActivityTypes,
  type Clock,
  type DeepLink,
  type DeepLinkStore,
  type DeepLinkTicket,
  type EnvironmentStore,
  type SingleUseStore,
  type ToolStore,
  type UserStore,
} from '../../ports';
import { deepLinkData, deepLinkingTarget } from './platform-request';
import { deepLinkingMessageTypes } from './vocabulary';

/** How long a deep link waits for the tool's response: the login (5 minutes) and time to pick. */
export const deepLinkLifetimeSeconds = 60 * 60;

export interface DeepLinkDeps {
  readonly environments: EnvironmentStore;
  readonly tools: ToolStore;
  readonly users: UserStore;
  readonly deepLinks: DeepLinkStore;
  readonly singleUse: SingleUseStore;
  readonly clock: Clock;
  readonly publicUrl: string;
}

const createBody = z.strictObject({
  toolId: nonEmpty('toolId', 64),
  userId: nonEmpty('userId', 64),
  returnUrl: z.optional(absoluteUrl('returnUrl')),
  activityType: z.optional(z.enum(deepLinkActivityTypes, { error: `activityType must be one of ${deepLinkActivityTypes.join(', ')}` })),
  minScore: z.optional(
    z
      .number({ error: 'minScore must be a number' })
      .check(
        z.int({ error: 'minScore must be an integer from 1 to 100' }),
        z.gte(1, { error: 'minScore must be an integer from 1 to 100' }),
        z.lte(100, { error: 'minScore must be an integer from 1 to 100' }),
      ),
  ),
});

/** The admin body schema, for the OpenAPI document (`../../admin/openapi.ts`). */
export const deepLinkSchemas = { create: createBody };

/** Creates a deep link and its launch URL; errors name the body field at fault. */
export async function createDeepLink(
  deps: DeepLinkDeps,
  environmentId: string,
  body: unknown,
): Promise<{ id: string; launchUrl: string; expiresAt: string }> {
  const environment = await requireEnvironment(deps, environmentId);
  const input = parse(createBody, body);
  const activityType = input.activityType ?? 'e-learning';
  if (activityType === 'exam' && input.minScore === undefined) {
    throw invalid('minScore', 'minScore is required when activityType is exam: an integer from 1 to 100');
  }
  if (activityType !== 'exam' && input.minScore !== undefined) throw invalid('minScore', 'minScore applies only to exams');
  if (!environment.ltiEnabled) throw conflict(ltiDisabledMessage, 'toolId');
  const [tool, user] = await Promise.all([
    validId(input.toolId) ? deps.tools.get(environmentId, input.toolId) : undefined,
    validId(input.userId) ? deps.users.get(environmentId, input.userId) : undefined,
  ]);
  if (!tool) throw invalid('toolId', `toolId: no LTI 1.3 tool ${input.toolId} in this environment`);
  if (!tool.activated) throw conflict(`tool ${tool.id} is deactivated: activate it first`, 'toolId');
  // A tool that registered its messages dynamically and left deep linking out cannot take the request.
  if (tool.messages && !tool.messages.some((message) => message.type === deepLinkingMessageTypes.request)) {
    throw conflict(`tool ${tool.id} did not register ${deepLinkingMessageTypes.request} messages`, 'toolId');
  }
  if (!deepLinkingTarget(tool)) {
    throw conflict(`tool ${tool.id} has neither a deepLinkingUrl nor redirectUris: set its deepLinkingUrl first`, 'toolId');
  }
  if (!user) throw invalid('userId', `userId: no user ${input.userId} in this environment`);

  const now = deps.clock.now();
  const nowSeconds = Math.floor(now / 1000);
  const id = randomUUID();
  const data = deepLinkData(id, randomToken());
  const at = new Date(now).toISOString();
  const deepLink: DeepLink = {
    environmentId,
    id,
    toolId: tool.id,
    userId: user.id,
    ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
    activityType,
    ...(input.minScore !== undefined ? { minScore: input.minScore } : {}),
    state: 'pending',
    activityIds: [],
    dataHash: sha256Base64url(data),
    createdAt: at,
    updatedAt: at,
    expiresAt: new Date((nowSeconds + deepLinkLifetimeSeconds) * 1000).toISOString(),
  };
  const ticket = randomToken();
  const expiresAt = nowSeconds + ticketLifetimeSeconds;
  const record: DeepLinkTicket = {
    environmentId,
    deepLinkId: id,
    toolId: tool.id,
    userId: user.id,
    data,
    ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
    expiresAt,
  };
  // Together (one round trip): a ticket whose deep link failed to be stored leads to a response that is refused.
  await Promise.all([
    deps.deepLinks.create(deepLink),
    deps.singleUse.create('launch-ticket', environmentId, sha256Base64url(ticket), record, expiresAt, now),
  ]);
  return { id, launchUrl: ticketLaunchUrl(deps.publicUrl, environmentId, ticket), expiresAt: new Date(expiresAt * 1000).toISOString() };
}

/** A pending deep link past its time reads as failed: no response will be taken any more. */
export function deepLinkView(deepLink: DeepLink, now: number): Record<string, unknown> {
  const expired = deepLink.state === 'pending' && Date.parse(deepLink.expiresAt) <= now;
  const { dataHash: _secret, ...shown } = deepLink;
  return expired
    ? { ...shown, state: 'failed', error: { code: 'expired', message: 'the tool did not answer before the deep link expired' } }
    : shown;
}

export async function getDeepLink(
  deps: Pick<DeepLinkDeps, 'environments' | 'deepLinks'>,
  environmentId: string,
  id: string,
): Promise<DeepLink> {
  await requireEnvironment(deps, environmentId);
  const deepLink = validId(id) ? await deps.deepLinks.get(environmentId, id) : undefined;
  if (!deepLink) throw notFound(`deep link ${id}`);
  return deepLink;
}
