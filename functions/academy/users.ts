/** Academy users (docs/product.md "Concepts": user; admin `PUT/GET …/users/{id}`, `GET …/users?email=`). */
import * as z from 'zod/mini';
import { conflict, ConditionFailedError, invalid, notFound } from '../errors';
import type { Clock, EnvironmentStore, Page, PageRequest, UserStore } from '../ports';
import { requireEnvironment } from './environments';
import type { User } from './model';
import { nonEmpty, parse, validId } from './validation';

const email = z.pipe(
  z.string({ error: 'email must be a string' }).check(z.trim(), z.maxLength(320, { error: 'email must be at most 320 characters' })),
  z.email({ error: 'email must be an email address' }),
);

const userBody = z.strictObject({
  email,
  givenName: nonEmpty('givenName', 200),
  familyName: nonEmpty('familyName', 200),
  /** False for staff and administrators: a launch never links such an account by email. */
  ltiLinkable: z.optional(z.boolean({ error: 'ltiLinkable must be true or false' })),
});

export interface UserDeps {
  readonly environments: EnvironmentStore;
  readonly users: UserStore;
  readonly clock: Clock;
}

export function userView(user: User): Record<string, unknown> {
  return {
    id: user.id,
    email: user.email,
    givenName: user.givenName,
    familyName: user.familyName,
    externalIds: user.externalIds,
    ltiLinkable: user.ltiLinkable !== false,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** Creates or replaces a user (external ids are kept: they are written by LTI launches). */
export async function putUser(deps: UserDeps, environmentId: string, id: string, body: unknown): Promise<{ user: User; created: boolean }> {
  await requireEnvironment(deps, environmentId);
  if (!validId(id)) throw invalid('id', 'id must be 1-64 letters, digits, "-" or "_", starting with a letter or digit');
  const input = parse(userBody, body);
  const previous = await deps.users.get(environmentId, id);
  const now = deps.clock.now();
  const user: User = {
    id,
    environmentId,
    ...input,
    externalIds: previous?.externalIds ?? {},
    createdAt: previous?.createdAt ?? new Date(now).toISOString(),
    updatedAt: new Date(previous ? Math.max(now, Date.parse(previous.updatedAt) + 1) : now).toISOString(),
  };
  try {
    await deps.users.save(user, previous);
  } catch (error) {
    if (error instanceof ConditionFailedError) {
      throw conflict(
        error.reason === 'email-taken'
          ? `email ${input.email} already belongs to another user in this environment`
          : 'the user was changed at the same time; retry',
        'email',
      );
    }
    throw error;
  }
  return { user, created: !previous };
}

export async function getUser(deps: Pick<UserDeps, 'environments' | 'users'>, environmentId: string, id: string): Promise<User> {
  await requireEnvironment(deps, environmentId);
  const user = validId(id) ? await deps.users.get(environmentId, id) : undefined;
  if (!user) throw notFound(`user ${id}`);
  return user;
}

/** `GET …/users`: one page of the environment's users, in id order. */
export async function listUsers(
  deps: Pick<UserDeps, 'environments' | 'users'>,
  environmentId: string,
  request: PageRequest,
): Promise<Page<User>> {
  await requireEnvironment(deps, environmentId);
  return deps.users.page(environmentId, request);
}

/** `GET …/users?email=`: the user with that email (compared case-insensitively), or a 404. */
export async function findUserByEmail(
  deps: Pick<UserDeps, 'environments' | 'users'>,
  environmentId: string,
  address: string | undefined,
): Promise<User> {
  await requireEnvironment(deps, environmentId);
  if (!address?.trim()) throw invalid('email', 'the email query parameter is required');
  const user = await deps.users.findByEmail(environmentId, address.trim());
  if (!user) throw notFound(`user with email ${address.trim()}`);
  return user;
}

/** The bodies this module validates, for the OpenAPI document (`functions/admin/openapi.ts`). */
export const userSchemas = { put: userBody };
