/**
 * LTI 1.3 platform registrations (academy as tool): the LMSs allowed to launch the academy's
 * activities (docs/product.md "Concepts" and "Admin API"; Security 1.0 §5.1: the issuer, the tool's
 * client id, the deployment, and the platform's OIDC, token and key set URLs).
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { ConditionFailedError, conflict, invalid, notFound } from '../../errors';
import { checkUrl, OutboundError } from '../../http/outbound';
import type { Clock, DeploymentSeen, EnvironmentStore, Page, PageRequest, PlatformRegistrationStore } from '../../ports';
import { toolConfiguration } from './tool-urls';
import { requireEnvironment } from '../../academy/environments';
import type { Platform } from '../../academy/model';
import { absoluteUrl, nonEmpty, parse, validId } from '../../academy/validation';
import { accountLinkingBody } from '../../academy/account-linking';

const fields = {
  name: nonEmpty('name', 200),
  issuer: nonEmpty('issuer', 1000).check(z.refine((value) => !/\s/.test(value), { error: 'issuer must not contain spaces' })),
  clientId: nonEmpty('clientId', 255),
  /** Core 1.3 §5.3.3: the deployments accepted; empty accepts (and remembers) every one. */
  deploymentIds: z.pipe(
    z
      .array(nonEmpty('deploymentIds[]', 255), { error: 'deploymentIds must be a list of deployment ids' })
      .check(z.maxLength(100, { error: 'deploymentIds must hold at most 100 deployment ids' })),
    z.transform((ids: string[]) => [...new Set(ids)]),
  ),
  /** Shorthand for a list of one. */
  deploymentId: nonEmpty('deploymentId', 255),
  authUrl: absoluteUrl('authUrl'),
  tokenUrl: absoluteUrl('tokenUrl'),
  jwksUrl: absoluteUrl('jwksUrl'),
  activated: z.boolean({ error: 'activated must be true or false' }),
  accountLinking: accountLinkingBody,
};

/**
 * The client assertion's `aud` (RFC 7523 §3 point 3: the token endpoint's URL "MAY be used", so a
 * platform may name another): a StringOrURI (RFC 7519 §4.1.3), so one with a `:` must be a URI.
 */
const tokenAudience = nonEmpty('tokenAudience', 1000).check(
  z.refine((value) => !/\s/.test(value) && (!value.includes(':') || URL.canParse(value)), {
    error: 'tokenAudience must be an absolute URL or a string without spaces',
  }),
);

const optional = Object.fromEntries(Object.entries(fields).map(([name, schema]) => [name, z.optional(schema)])) as {
  [K in keyof typeof fields]: z.ZodMiniOptional<(typeof fields)[K]>;
};
const { name, issuer, clientId, authUrl, tokenUrl, jwksUrl } = fields;
const createBody = z.strictObject({
  ...optional,
  name,
  issuer,
  clientId,
  authUrl,
  tokenUrl,
  jwksUrl,
  tokenAudience: z.optional(tokenAudience),
});
/** A PATCH may clear the platform's own account linking or token audience with `null` (the environment's, the token URL again). */
const patchBody = z.strictObject({
  ...optional,
  accountLinking: z.optional(z.nullable(fields.accountLinking)),
  tokenAudience: z.optional(z.nullable(tokenAudience)),
});

/** `deploymentId` is `deploymentIds` of one; giving both is a mistake worth naming. */
function deploymentsOf(input: { deploymentIds?: string[]; deploymentId?: string }): { deploymentIds?: string[] } {
  if (input.deploymentId !== undefined && input.deploymentIds !== undefined) {
    throw invalid('deploymentId', 'give deploymentIds (a list) or deploymentId (one), not both');
  }
  if (input.deploymentId !== undefined) return { deploymentIds: [input.deploymentId] };
  return input.deploymentIds !== undefined ? { deploymentIds: input.deploymentIds } : {};
}

const urlFields = ['authUrl', 'tokenUrl', 'jwksUrl'] as const;

export interface PlatformDeps {
  readonly environments: EnvironmentStore;
  readonly platformRegistrations: PlatformRegistrationStore;
  readonly clock: Clock;
  readonly publicUrl: string;
  /** Local mode accepts `http://` and loopback URLs; the AWS deployment requires public `https://` ones. */
  readonly localMode: boolean;
}

/** The admin API's view of a platform, with the deployments that launched from it. */
export function platformView(publicUrl: string, platform: Platform, deployments: readonly DeploymentSeen[]): Record<string, unknown> {
  return { ...platform, deployments, toolConfiguration: toolConfiguration(publicUrl, platform.environmentId) };
}

/** The platform's endpoints are called by lti-bridge: on AWS they must be public `https://` URLs. */
function checkUrls(deps: PlatformDeps, platform: Platform): void {
  for (const field of urlFields) {
    try {
      checkUrl(platform[field], deps.localMode);
    } catch (error) {
      if (error instanceof OutboundError) throw invalid(field, `${field} is not allowed: ${error.message}`);
      throw error;
    }
  }
}

async function write(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof ConditionFailedError && error.reason === 'issuer-client-taken') {
      throw conflict('another platform of this environment has the same issuer and clientId', 'clientId');
    }
    if (error instanceof ConditionFailedError) throw conflict('the platform was changed at the same time; retry');
    throw error;
  }
}

export async function createPlatform(deps: PlatformDeps, environmentId: string, body: unknown): Promise<Platform> {
  await requireEnvironment(deps, environmentId);
  const { deploymentId, deploymentIds, ...input } = parse(createBody, body);
  const now = new Date(deps.clock.now()).toISOString();
  const platform: Platform = {
    id: randomUUID(),
    environmentId,
    ...input,
    deploymentIds: deploymentsOf({ deploymentId, deploymentIds }).deploymentIds ?? [],
    activated: input.activated ?? true,
    createdAt: now,
    updatedAt: now,
  };
  checkUrls(deps, platform);
  await write(() => deps.platformRegistrations.create(platform));
  return platform;
}

export async function getPlatform(
  deps: Pick<PlatformDeps, 'environments' | 'platformRegistrations'>,
  environmentId: string,
  id: string,
): Promise<Platform> {
  await requireEnvironment(deps, environmentId);
  const platform = validId(id) ? await deps.platformRegistrations.get(environmentId, id) : undefined;
  if (!platform) throw notFound(`platform ${id}`);
  return platform;
}

/** One page of the environment's platforms, in id order. */
export async function listPlatforms(
  deps: Pick<PlatformDeps, 'environments' | 'platformRegistrations'>,
  environmentId: string,
  request: PageRequest,
): Promise<Page<Platform>> {
  await requireEnvironment(deps, environmentId);
  return deps.platformRegistrations.page(environmentId, request);
}

/** `current` with the fields of a patch: a field left out stays as it was, one set to `null` is removed. */
function patched(current: Platform, patch: object): Platform {
  const next: Record<string, unknown> = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete next[name];
    else if (value !== undefined) next[name] = value;
  }
  return next as unknown as Platform;
}

export async function patchPlatform(deps: PlatformDeps, environmentId: string, id: string, body: unknown): Promise<Platform> {
  const current = await getPlatform(deps, environmentId, id);
  const { deploymentId, deploymentIds, ...input } = parse(patchBody, body);
  const next: Platform = {
    ...patched(current, { ...input, ...deploymentsOf({ deploymentId, deploymentIds }) }),
    updatedAt: new Date(Math.max(deps.clock.now(), Date.parse(current.updatedAt) + 1)).toISOString(),
  };
  checkUrls(deps, next);
  await write(() => deps.platformRegistrations.replace(next, current));
  return next;
}

export async function deletePlatform(
  deps: Pick<PlatformDeps, 'environments' | 'platformRegistrations'>,
  environmentId: string,
  id: string,
): Promise<void> {
  await requireEnvironment(deps, environmentId);
  if (!validId(id) || !(await deps.platformRegistrations.delete(environmentId, id))) throw notFound(`platform ${id}`);
}

/** The bodies this module validates, for the OpenAPI document (`functions/admin/openapi.ts`). */
export const platformSchemas = { create: createBody, patch: patchBody };
