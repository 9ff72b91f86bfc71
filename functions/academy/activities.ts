/**
 * Activities: academy-made ones (which may be offered to other LMSs as an LTI tool) and external
 * ones whose content is an LTI link (docs/product.md "Concepts", "Activity bodies").
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { randomToken } from '../crypto';
import { conflict, ConditionFailedError, HttpError, invalid, ltiDisabledMessage, notFound } from '../errors';
import type { ActivityStore, Clock, EnvironmentStore, Page, PageRequest } from '../ports';
import { requireEnvironment } from './environments';
import {
  activityTypes,
  externalTypes,
  ltiOfferableTypes,
  type Activity,
  type Environment,
  type ExternalLti,
  type LmsLti12Credential,
  type LtiAccess,
} from './model';
import { absoluteUrl, nonEmpty, parse, validId } from './validation';
import { accountLinkingBody } from './account-linking';

const customParameters = z.record(
  z.string().trim().min(1, { error: 'custom parameter names must not be empty' }).max(200),
  z.string({ error: 'custom parameter values must be strings' }).max(2000),
  { error: 'customParameters must be an object of strings' },
);

const lti12Body = z.strictObject({
  version: z.literal('1.2'),
  key: nonEmpty('lti.key', 500),
  secret: nonEmpty('lti.secret', 500),
  launchUrl: absoluteUrl('lti.launchUrl'),
  resourceLinkId: nonEmpty('lti.resourceLinkId', 255),
  customParameters: customParameters.optional(),
});

const lti13Body = z.strictObject({
  version: z.literal('1.3'),
  toolId: nonEmpty('lti.toolId', 64),
  resourceUrl: absoluteUrl('lti.resourceUrl'),
  customParameters: customParameters.optional(),
});

const ltiBody = z.discriminatedUnion('version', [lti12Body, lti13Body], {
  error: 'lti.version must be "1.2" or "1.3"',
});

const fields = {
  type: z.enum(activityTypes, { error: `type must be one of ${activityTypes.join(', ')}` }),
  title: nonEmpty('title', 200),
  description: z.string({ error: 'description must be a string' }).max(5000).optional(),
  durationMinutes: z
    .number({ error: 'durationMinutes must be a number' })
    .int({ error: 'durationMinutes must be a whole number' })
    .min(1, { error: 'durationMinutes must be at least 1' })
    .max(100000)
    .optional(),
  minScore: z
    .number({ error: 'minScore must be a number' })
    .int({ error: 'minScore must be an integer from 1 to 100' })
    .min(1, { error: 'minScore must be an integer from 1 to 100' })
    .max(100, { error: 'minScore must be an integer from 1 to 100' })
    .optional(),
  availableForLti: z.boolean({ error: 'availableForLti must be true or false' }).optional(),
  /** LTI 1.2 launches into this activity: overrides the environment's account linking. */
  accountLinking: accountLinkingBody.optional(),
};

const createBody = z.strictObject({ ...fields, lti: ltiBody.optional() });

/** A PATCH may leave out an external LTI 1.2 secret to keep the stored one. */
const patchBody = z.strictObject({
  ...fields,
  type: fields.type.optional(),
  title: fields.title.optional(),
  /** `null` clears the activity's own policy, so that the environment's applies. */
  accountLinking: accountLinkingBody.nullable().optional(),
  lti: z
    .discriminatedUnion('version', [lti12Body.extend({ secret: lti12Body.shape.secret.optional() }), lti13Body], {
      error: 'lti.version must be "1.2" or "1.3"',
    })
    .optional(),
});

export interface ActivityDeps {
  readonly environments: EnvironmentStore;
  readonly activities: ActivityStore;
  readonly clock: Clock;
  readonly publicUrl: string;
  /**
   * Whether an LTI 1.3 tool exists in the environment. Tool registrations arrive with the LTI 1.3
   * platform work; until a deployment has them, 1.3 external activities are refused.
   */
  readonly toolExists?: (environmentId: string, toolId: string) => Promise<boolean>;
}

/** The URLs and credentials an LMS administrator pastes into the other system. */
export function ltiAccess(publicUrl: string, activity: Activity): LtiAccess | undefined {
  if (!activity.availableForLti || !activity.lti12Credentials) return undefined;
  const base = `${publicUrl}/${encodeURIComponent(activity.environmentId)}`;
  const credentials = (activity.lmsCredentials ?? []).map(({ key, name, createdAt }) => ({ key, name, createdAt }));
  return {
    lti12: { ...activity.lti12Credentials, launchUrl: lti12LaunchUrl(publicUrl, activity), credentials },
    lti13: { resourceUrl: `${base}/lti13/activities/${encodeURIComponent(activity.id)}` },
  };
}

function lti12LaunchUrl(publicUrl: string, activity: Activity): string {
  return `${publicUrl}/${encodeURIComponent(activity.environmentId)}/lti12/launch/${encodeURIComponent(activity.id)}`;
}

/** At most this many LMS credentials per activity: the activity item stays far below DynamoDB's 400 KB. */
const maxLmsCredentials = 50;

const credentialBody = z.strictObject({ name: nonEmpty('name', 200) });

/**
 * Replaces `current` with `next` (checked by `check` first), conditional on it not having changed
 * since it was read.
 */
async function replaceActivity(
  deps: ActivityDeps,
  current: Activity,
  changed: Activity,
  check: (next: Activity) => Promise<void> = async () => {},
): Promise<Activity> {
  const next: Activity = { ...changed, updatedAt: new Date(Math.max(deps.clock.now(), Date.parse(current.updatedAt) + 1)).toISOString() };
  await check(next);
  try {
    await deps.activities.replace(next, current.updatedAt);
  } catch (error) {
    if (error instanceof ConditionFailedError) throw new HttpError(409, 'conflict', 'the activity was changed at the same time; retry');
    throw error;
  }
  return next;
}

/**
 * `POST …/activities/{id}/lti12-credentials {name}`: a key and secret for one LMS. Its learners'
 * external ids are keyed by this key, so two LMSs given one activity never share learners; the
 * answer is the only one that holds the secret besides the activity's own.
 */
export async function issueLti12Credential(
  deps: ActivityDeps,
  environmentId: string,
  id: string,
  body: unknown,
): Promise<LmsLti12Credential & { launchUrl: string }> {
  const current = await getActivity(deps, environmentId, id);
  const { name } = parse(credentialBody, body);
  if (!current.availableForLti) throw conflict('the activity is not available for LTI: make it available first', 'availableForLti');
  const existing = current.lmsCredentials ?? [];
  if (existing.length >= maxLmsCredentials) {
    throw conflict(`an activity holds at most ${maxLmsCredentials} LMS credentials: revoke one first`, 'name');
  }
  const credential: LmsLti12Credential = { ...newLti12Credentials(), name, createdAt: new Date(deps.clock.now()).toISOString() };
  const next = await replaceActivity(deps, current, { ...current, lmsCredentials: [...existing, credential] });
  return { ...credential, launchUrl: lti12LaunchUrl(deps.publicUrl, next) };
}

/** `DELETE …/activities/{id}/lti12-credentials/{key}`: that LMS's launches are refused from now on; the others keep working. */
export async function revokeLti12Credential(deps: ActivityDeps, environmentId: string, id: string, key: string): Promise<void> {
  const current = await getActivity(deps, environmentId, id);
  const existing = current.lmsCredentials ?? [];
  if (!existing.some((credential) => credential.key === key)) throw notFound(`LTI 1.2 credential ${key}`);
  await replaceActivity(deps, current, { ...current, lmsCredentials: existing.filter((credential) => credential.key !== key) });
}

/** The admin API's view of an activity: `ltiAccess` when offered; an external tool's secret is never answered. */
export function activityView(publicUrl: string, activity: Activity): Record<string, unknown> {
  const { lti12Credentials: _credentials, lmsCredentials: _lmsCredentials, lti, ...rest } = activity;
  const access = ltiAccess(publicUrl, activity);
  let ltiView: Record<string, unknown> | undefined;
  if (lti?.version === '1.2') {
    const { secret: _secret, ...visible } = lti;
    ltiView = visible;
  } else if (lti) {
    ltiView = { ...lti };
  }
  return { ...rest, ...(ltiView ? { lti: ltiView } : {}), ...(access ? { ltiAccess: access } : {}) };
}

/** LTI 1.2 consumer key and secret for other LMSs: `crypto` randomness, a 256-bit secret. */
function newLti12Credentials(): { key: string; secret: string } {
  return { key: `lb-${randomBytes(12).toString('hex')}`, secret: randomToken() };
}

/** The rules that span fields; checked on the whole record after a create or a patch. */
async function checkActivity(deps: ActivityDeps, environment: Environment, activity: Activity): Promise<void> {
  const { lti } = activity;
  if (lti && !externalTypes.includes(activity.type)) {
    throw invalid('type', 'an external LTI activity must be an e-learning or an exam');
  }
  if (activity.availableForLti) {
    if (lti) throw invalid('availableForLti', 'an external LTI activity cannot itself be made available for LTI');
    if (!ltiOfferableTypes.includes(activity.type)) {
      throw invalid('availableForLti', `only ${ltiOfferableTypes.join(', ')} activities can be made available for LTI`);
    }
    if (!environment.ltiEnabled) throw conflict(ltiDisabledMessage, 'availableForLti');
  }
  if (activity.minScore !== undefined && activity.type !== 'exam') {
    throw invalid('minScore', 'minScore applies only to exams');
  }
  if (lti && activity.type === 'exam' && activity.minScore === undefined) {
    throw invalid('minScore', 'minScore is required for an external exam: an integer from 1 to 100');
  }
  if (lti?.version === '1.3') {
    if (!deps.toolExists) {
      throw invalid(
        'lti.toolId',
        'LTI 1.3 external activities need a registered LTI 1.3 tool; tool registrations are not available in this deployment yet',
      );
    }
    if (!(await deps.toolExists(environment.id, lti.toolId))) {
      throw invalid('lti.toolId', `lti.toolId: no LTI 1.3 tool ${lti.toolId} in this environment`);
    }
  }
}

function withCredentials(activity: Activity): Activity {
  if (!activity.availableForLti || activity.lti12Credentials) return activity;
  return { ...activity, lti12Credentials: newLti12Credentials() };
}

export async function createActivity(deps: ActivityDeps, environmentId: string, body: unknown): Promise<Activity> {
  const environment = await requireEnvironment(deps, environmentId);
  const input = parse(createBody, body);
  const now = new Date(deps.clock.now()).toISOString();
  const activity = withCredentials({
    id: randomUUID(),
    environmentId,
    ...input,
    lti: input.lti as ExternalLti | undefined,
    availableForLti: input.availableForLti ?? false,
    createdAt: now,
    updatedAt: now,
  });
  await checkActivity(deps, environment, activity);
  await deps.activities.create(activity);
  return activity;
}

export async function getActivity(
  deps: Pick<ActivityDeps, 'environments' | 'activities'>,
  environmentId: string,
  id: string,
): Promise<Activity> {
  await requireEnvironment(deps, environmentId);
  const activity = validId(id) ? await deps.activities.get(environmentId, id) : undefined;
  if (!activity) throw notFound(`activity ${id}`);
  return activity;
}

/** One page of the environment's activities, in id order. */
export async function listActivities(
  deps: Pick<ActivityDeps, 'environments' | 'activities'>,
  environmentId: string,
  request: PageRequest,
): Promise<Page<Activity>> {
  await requireEnvironment(deps, environmentId);
  return deps.activities.page(environmentId, request);
}

export async function patchActivity(deps: ActivityDeps, environmentId: string, id: string, body: unknown): Promise<Activity> {
  const environment = await requireEnvironment(deps, environmentId);
  const current = await getActivity(deps, environmentId, id);
  const input = parse(patchBody, body);
  let lti: ExternalLti | undefined = current.lti;
  if (input.lti) {
    if (input.lti.version === '1.2') {
      const secret = input.lti.secret ?? (current.lti?.version === '1.2' ? current.lti.secret : undefined);
      if (!secret) throw invalid('lti.secret', 'lti.secret is required');
      lti = { ...input.lti, secret };
    } else {
      lti = input.lti;
    }
  }
  const { accountLinking: _cleared, ...kept } = current;
  const changed = withCredentials({
    ...(input.accountLinking === null ? kept : current),
    ...Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== null)),
    lti,
  } as Activity);
  return replaceActivity(deps, current, changed, (next) => checkActivity(deps, environment, next));
}

export async function deleteActivity(
  deps: Pick<ActivityDeps, 'environments' | 'activities'>,
  environmentId: string,
  id: string,
): Promise<void> {
  await requireEnvironment(deps, environmentId);
  if (!(await deps.activities.delete(environmentId, id))) throw notFound(`activity ${id}`);
}

/** The bodies this module validates, for the OpenAPI document (`functions/admin/openapi.ts`). */
export const activitySchemas = { create: createBody, patch: patchBody, credential: credentialBody };
