/** Environments (academies, tenants): docs/product.md "Concepts" and `PUT/GET /admin/environments/{env}`. */
import * as z from 'zod/mini';
import { invalid, notFound } from '../errors';
import type { Clock, EnvironmentStore } from '../ports';
import type { Environment } from './model';
import { absoluteUrl, nonEmpty, parse, validId } from './validation';
import { accountLinkingBody } from './account-linking';

const environmentBody = z.strictObject({
  name: nonEmpty('name', 200),
  ltiEnabled: z.boolean({ error: 'ltiEnabled must be true or false' }),
  academyUrl: absoluteUrl('academyUrl'),
  /** The default for every platform and LTI 1.2 activity of the environment (`always` when absent). */
  accountLinking: z.optional(accountLinkingBody),
});

export interface EnvironmentDeps {
  readonly environments: EnvironmentStore;
  readonly clock: Clock;
}

/** Creates or replaces an environment; answers it and whether it was created. */
export async function putEnvironment(
  deps: EnvironmentDeps,
  id: string,
  body: unknown,
): Promise<{ environment: Environment; created: boolean }> {
  if (!validId(id)) throw invalid('env', 'env must be 1-64 letters, digits, "-" or "_", starting with a letter or digit');
  const input = parse(environmentBody, body);
  const existing = await deps.environments.get(id);
  const now = new Date(deps.clock.now()).toISOString();
  const environment: Environment = {
    id,
    ...input,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await deps.environments.put(environment);
  return { environment, created: !existing };
}

/** The environment, or a 404. */
export async function requireEnvironment(deps: Pick<EnvironmentDeps, 'environments'>, id: string): Promise<Environment> {
  const environment = validId(id) ? await deps.environments.get(id) : undefined;
  if (!environment) throw notFound(`environment ${id}`);
  return environment;
}

/** The bodies this module validates, for the OpenAPI document (`functions/admin/openapi.ts`). */
export const environmentSchemas = { put: environmentBody };
