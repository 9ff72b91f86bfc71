/**
 * Activities: academy-made ones (which may be offered to other LMSs as an LTI tool) and external
 * ones whose content is an LTI link (docs/product.md "Concepts", "Activity bodies").
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { randomToken } from '../crypto';
import { conflict, ConditionFailedError, HttpError, invalid, ltiDisabledMessage, notFound } from '../errors';
import type { ActivityStore, Clock, EnvironmentStore, Page, PageRequest, SecretBox } from '../ports';
import { requireEnvironment } from './environments';
import { sealedStored, sealSecret, secretContext, secretPurposes } from './lti12-secrets';
import {
  activityTypes,
  externalTypes,
  ltiOfferableTypes,
  type Activity,
  type Environment,
  type ExternalLti,
  type LmsLti12Credential,
  type Lti12Credential,
  type Lti12SecretDates,
  type LtiAccess,
  type StoredSecret,
} from './model';
import { absoluteUrl, nonEmpty, parse, validId } from './validation';
import { accountLinkingBody } from './account-linking';

const customParameters = z.record(
  z.string().check(z.trim(), z.minLength(1, { error: 'custom parameter names must not be empty' }), z.maxLength(200)),
  z.string({ error: 'custom parameter values must be strings' }).check(z.maxLength(2000)),
  { error: 'customParameters must be an object of strings' },
);

const lti12Body = z.strictObject({
  version: z.literal('1.2'),
  key: nonEmpty('lti.key', 500),
  secret: nonEmpty('lti.secret', 500),
  launchUrl: absoluteUrl('lti.launchUrl'),
  resourceLinkId: nonEmpty('lti.resourceLinkId', 255),
  customParameters: z.optional(customParameters),
});

/** The line item an LTI 1.3 tool declared with a link (Deep Linking 2.0 §3.2), which the activity's own AGS line item takes. */
const lineItemBody = z.strictObject({
  label: nonEmpty('lti.lineItem.label', 500),
  scoreMaximum: z
    .number({ error: 'lti.lineItem.scoreMaximum must be a number' })
    .check(z.positive({ error: 'lti.lineItem.scoreMaximum must be greater than 0' })),
  resourceId: z.optional(nonEmpty('lti.lineItem.resourceId', 255)),
  tag: z.optional(nonEmpty('lti.lineItem.tag', 255)),
});

const lti13Body = z.strictObject({
  version: z.literal('1.3'),
  toolId: nonEmpty('lti.toolId', 64),
  resourceUrl: absoluteUrl('lti.resourceUrl'),
  customParameters: z.optional(customParameters),
  lineItem: z.optional(lineItemBody),
});

const ltiBody = z.discriminatedUnion('version', [lti12Body, lti13Body], {
  error: 'lti.version must be "1.2" or "1.3"',
});

const fields = {
  type: z.enum(activityTypes, { error: `type must be one of ${activityTypes.join(', ')}` }),
  title: nonEmpty('title', 200),
  description: z.optional(z.string({ error: 'description must be a string' }).check(z.maxLength(5000))),
  durationMinutes: z.optional(
    z
      .number({ error: 'durationMinutes must be a number' })
      .check(
        z.int({ error: 'durationMinutes must be a whole number' }),
        z.gte(1, { error: 'durationMinutes must be at least 1' }),
        z.lte(100000),
      ),
  ),
  minScore: z.optional(
    z
      .number({ error: 'minScore must be a number' })
      .check(
        z.int({ error: 'minScore must be an integer from 1 to 100' }),
        z.gte(1, { error: 'minScore must be an integer from 1 to 100' }),
        z.lte(100, { error: 'minScore must be an integer from 1 to 100' }),
      ),
  ),
  availableForLti: z.optional(z.boolean({ error: 'availableForLti must be true or false' })),
  /** LTI 1.2 launches into this activity: overrides the environment's account linking. */
  accountLinking: z.optional(accountLinkingBody),
};

const createBody = z.strictObject({ ...fields, lti: z.optional(ltiBody) });

/** A PATCH may leave out an external LTI 1.2 secret to keep the stored one, as long as the key stays. */
const patchBody = z.strictObject({
  ...fields,
  type: z.optional(fields.type),
  title: z.optional(fields.title),
  /** `null` clears the activity's own policy, so that the environment's applies. */
  accountLinking: z.optional(z.nullable(accountLinkingBody)),
  lti: z.optional(
    z.discriminatedUnion('version', [z.extend(lti12Body, { secret: z.optional(lti12Body.shape.secret) }), lti13Body], {
      error: 'lti.version must be "1.2" or "1.3"',
    }),
  ),
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
  /** Seals the secrets the admin API is given or issues; it never opens one (docs/security.md "LTI 1.2 secrets at rest"). */
  readonly secrets: Pick<SecretBox, 'seal'>;
}

/**
 * An activity as a write left it, with the plaintext of the LTI 1.2 secret that write issued, if
 * any: the one answer that holds it.
 */
export interface WrittenActivity {
  readonly activity: Activity;
  readonly issuedSecret?: string;
}

/**
 * The URLs and credentials an LMS administrator pastes into the other system. The secret only when
 * `issuedSecret` is given: in the answer of the write that issued it, never when read again.
 */
export function ltiAccess(publicUrl: string, activity: Activity, issuedSecret?: string): LtiAccess | undefined {
  const own = activity.lti12Credentials;
  if (!activity.availableForLti || !own) return undefined;
  const base = `${publicUrl}/${encodeURIComponent(activity.environmentId)}`;
  const credentials = (activity.lmsCredentials ?? []).map(({ key, name, createdAt, ...rest }) => ({
    key,
    name,
    createdAt,
    ...secretDates(rest),
  }));
  return {
    lti12: {
      key: own.key,
      ...(issuedSecret ? { secret: issuedSecret } : {}),
      launchUrl: lti12LaunchUrl(publicUrl, activity),
      ...secretDates(own),
      credentials,
    },
    lti13: { resourceUrl: `${base}/lti13/activities/${encodeURIComponent(activity.id)}` },
  };
}

/** When a credential's secret was issued and until when the one it replaced still verifies: never the secrets. */
function secretDates(credential: Pick<Lti12Credential, 'secretIssuedAt' | 'previousSecret'>): Lti12SecretDates {
  return {
    ...(credential.secretIssuedAt ? { secretIssuedAt: credential.secretIssuedAt } : {}),
    ...(credential.previousSecret ? { previousSecretValidUntil: credential.previousSecret.validUntil } : {}),
  };
}

function lti12LaunchUrl(publicUrl: string, activity: Activity): string {
  return `${publicUrl}/${encodeURIComponent(activity.environmentId)}/lti12/launch/${encodeURIComponent(activity.id)}`;
}

/** At most this many LMS credentials per activity: the activity item stays far below DynamoDB's 400 KB. */
const maxLmsCredentials = 50;

const credentialBody = z.strictObject({ name: nonEmpty('name', 200) });

/**
 * Replaces `current` with `changed`, its secrets sealed, conditional on it not having changed since
 * it was read.
 */
async function replaceActivity(deps: ActivityDeps, current: Activity, changed: Activity): Promise<Activity> {
  const updatedAt = new Date(Math.max(deps.clock.now(), Date.parse(current.updatedAt) + 1)).toISOString();
  const next: Activity = { ...(await sealedActivity(deps, changed)), updatedAt };
  try {
    await deps.activities.replace(next, current.updatedAt);
  } catch (error) {
    if (error instanceof ConditionFailedError) throw new HttpError(409, 'conflict', 'the activity was changed at the same time; retry');
    throw error;
  }
  return next;
}

/** What an admin answer that issues a secret holds: the key, the secret (this once) and where to launch. */
export interface IssuedLti12Secret {
  readonly key: string;
  readonly secret: string;
  readonly secretIssuedAt: string;
  readonly launchUrl: string;
}

/**
 * `POST …/activities/{id}/lti12-credentials {name}`: a key and secret for one LMS. Its learners'
 * external ids are keyed by this key, so two LMSs given one activity never share learners; the
 * answer is the only one that holds the secret.
 */
export async function issueLti12Credential(
  deps: ActivityDeps,
  environmentId: string,
  id: string,
  body: unknown,
): Promise<IssuedLti12Secret & { name: string; createdAt: string }> {
  const current = await getActivity(deps, environmentId, id);
  const { name } = parse(credentialBody, body);
  if (!current.availableForLti) throw conflict('the activity is not available for LTI: make it available first', 'availableForLti');
  const existing = current.lmsCredentials ?? [];
  if (existing.length >= maxLmsCredentials) {
    throw conflict(`an activity holds at most ${maxLmsCredentials} LMS credentials: revoke one first`, 'name');
  }
  const issued = await newLti12Credential(deps, current);
  const credential: LmsLti12Credential = { ...issued.credential, name, createdAt: new Date(deps.clock.now()).toISOString() };
  const next = await replaceActivity(deps, current, { ...current, lmsCredentials: [...existing, credential] });
  return {
    key: credential.key,
    secret: issued.secret,
    name,
    createdAt: credential.createdAt,
    secretIssuedAt: issued.credential.secretIssuedAt,
    launchUrl: lti12LaunchUrl(deps.publicUrl, next),
  };
}

/** How long a rotated secret keeps verifying by default, and at most: LMSs are updated by hand, one by one. */
export const defaultOverlapHours = 72;
const maxOverlapHours = 720;

const rotateBody = z.strictObject({
  overlapHours: z.optional(
    z
      .number({ error: 'overlapHours must be a number' })
      .check(
        z.int({ error: `overlapHours must be a whole number from 0 to ${maxOverlapHours}` }),
        z.gte(0, { error: `overlapHours must be a whole number from 0 to ${maxOverlapHours}` }),
        z.lte(maxOverlapHours, { error: `overlapHours must be a whole number from 0 to ${maxOverlapHours}` }),
      ),
  ),
});

/**
 * `POST …/activities/{id}/lti12-credentials/{key}/rotate {overlapHours?}`: a new secret for one of
 * the activity's LTI 1.2 keys (its own, or one issued for an LMS), answered this once. The secret it
 * replaces keeps verifying launches for `overlapHours` (72 by default; 0: not at all), while the
 * LMS is given the new one; passbacks are signed with the one the LMS last launched with while it
 * verifies. A rotation during an overlap ends the older overlap at once: a key has at most two
 * secrets.
 */
export async function rotateLti12Secret(
  deps: ActivityDeps,
  environmentId: string,
  id: string,
  key: string,
  body: unknown,
): Promise<IssuedLti12Secret & { previousSecretValidUntil?: string }> {
  const current = await getActivity(deps, environmentId, id);
  const { overlapHours = defaultOverlapHours } = parse(rotateBody, body);
  const own = current.lti12Credentials?.key === key ? current.lti12Credentials : undefined;
  const lms = current.lmsCredentials?.find((credential) => credential.key === key);
  const rotating = own ?? lms;
  if (!rotating) throw notFound(`LTI 1.2 credential ${key}`);
  const { credential: renewed, secret } = await newSecret(deps, current, key);
  const { sealedSecret, secret: plaintext, secretIssuedAt } = rotating;
  const previousSecret =
    overlapHours > 0
      ? {
          ...(sealedSecret !== undefined ? { sealedSecret } : { secret: plaintext }),
          ...(secretIssuedAt ? { issuedAt: secretIssuedAt } : {}),
          validUntil: new Date(Date.parse(renewed.secretIssuedAt) + overlapHours * 3_600_000).toISOString(),
        }
      : undefined;
  const rotated = <C extends Lti12Credential>(credential: C): C => {
    const { sealedSecret: _sealed, secret: _plaintext, previousSecret: _previous, ...kept } = credential;
    return { ...kept, ...renewed, ...(previousSecret ? { previousSecret } : {}) } as C;
  };
  const next = await replaceActivity(deps, current, {
    ...current,
    ...(own ? { lti12Credentials: rotated(own) } : {}),
    ...(lms ? { lmsCredentials: current.lmsCredentials?.map((credential) => (credential === lms ? rotated(lms) : credential)) } : {}),
  });
  return {
    key,
    secret,
    secretIssuedAt: renewed.secretIssuedAt,
    ...(previousSecret ? { previousSecretValidUntil: previousSecret.validUntil } : {}),
    launchUrl: lti12LaunchUrl(deps.publicUrl, next),
  };
}

/** `DELETE …/activities/{id}/lti12-credentials/{key}`: that LMS's launches are refused from now on; the others keep working. */
export async function revokeLti12Credential(deps: ActivityDeps, environmentId: string, id: string, key: string): Promise<void> {
  const current = await getActivity(deps, environmentId, id);
  const existing = current.lmsCredentials ?? [];
  if (!existing.some((credential) => credential.key === key)) throw notFound(`LTI 1.2 credential ${key}`);
  await replaceActivity(deps, current, { ...current, lmsCredentials: existing.filter((credential) => credential.key !== key) });
}

/**
 * The admin API's view of an activity: `ltiAccess` when offered, with the secret only in the
 * answer of the write that issued it (`issuedSecret`); an external tool's secret is never answered.
 */
export function activityView(publicUrl: string, activity: Activity, issuedSecret?: string): Record<string, unknown> {
  const { lti12Credentials: _credentials, lmsCredentials: _lmsCredentials, lti, ...rest } = activity;
  const access = ltiAccess(publicUrl, activity, issuedSecret);
  let ltiView: Record<string, unknown> | undefined;
  if (lti?.version === '1.2') {
    const { secret: _secret, sealedSecret: _sealed, ...visible } = lti;
    ltiView = visible;
  } else if (lti) {
    ltiView = { ...lti };
  }
  return { ...rest, ...(ltiView ? { lti: ltiView } : {}), ...(access ? { ltiAccess: access } : {}) };
}

/**
 * A new secret for `key` of `activity`: `crypto` randomness, 256 bits, sealed at once; the
 * plaintext is answered to the administrator this once and never stored.
 */
async function newSecret(
  deps: Pick<ActivityDeps, 'secrets' | 'clock'>,
  activity: Activity,
  key: string,
): Promise<{ credential: Lti12Credential & { secretIssuedAt: string }; secret: string }> {
  const secret = randomToken();
  const sealed = await sealSecret(deps.secrets, secret, secretContext(secretPurposes.toolCredential, activity, key));
  return { credential: { key, ...sealed, secretIssuedAt: new Date(deps.clock.now()).toISOString() }, secret };
}

/** An LTI 1.2 consumer key and secret for other LMSs. */
function newLti12Credential(deps: Pick<ActivityDeps, 'secrets' | 'clock'>, activity: Activity) {
  return newSecret(deps, activity, `lb-${randomBytes(12).toString('hex')}`);
}

/**
 * The activity as it is stored: every plaintext secret sealed (given in this request, or read from
 * a record written before secrets were sealed), and every rotated secret whose overlap ended dropped.
 */
async function sealedActivity(deps: Pick<ActivityDeps, 'secrets' | 'clock'>, activity: Activity): Promise<Activity> {
  const now = deps.clock.now();
  const sealedCredential = async <C extends Lti12Credential>(credential: C): Promise<C> => {
    const context = secretContext(secretPurposes.toolCredential, activity, credential.key);
    const { previousSecret, ...current } = await sealedStored(deps.secrets, credential, context);
    const overlapping = previousSecret && Date.parse(previousSecret.validUntil) > now;
    return { ...current, ...(overlapping ? { previousSecret: await sealedStored(deps.secrets, previousSecret, context) } : {}) } as C;
  };
  const { lti12Credentials: own, lmsCredentials: lms, lti } = activity;
  return {
    ...activity,
    ...(own ? { lti12Credentials: await sealedCredential(own) } : {}),
    ...(lms ? { lmsCredentials: await Promise.all(lms.map(sealedCredential)) } : {}),
    ...(lti?.version === '1.2'
      ? { lti: await sealedStored(deps.secrets, lti, secretContext(secretPurposes.externalTool, activity, lti.key)) }
      : {}),
  };
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

/** The activity's own LTI 1.2 credentials, issued the first time it is made available for LTI (and kept after). */
async function withCredentials(deps: ActivityDeps, activity: Activity): Promise<WrittenActivity> {
  if (!activity.availableForLti || activity.lti12Credentials) return { activity };
  const { credential, secret } = await newLti12Credential(deps, activity);
  return { activity: { ...activity, lti12Credentials: credential }, issuedSecret: secret };
}

/** `POST …/activities`: the answer holds the activity's LTI 1.2 secret when it is created available for LTI. */
export async function createActivity(deps: ActivityDeps, environmentId: string, body: unknown): Promise<WrittenActivity> {
  const environment = await requireEnvironment(deps, environmentId);
  const input = parse(createBody, body);
  const now = new Date(deps.clock.now()).toISOString();
  const activity: Activity = {
    id: randomUUID(),
    environmentId,
    ...input,
    lti: input.lti as ExternalLti | undefined,
    availableForLti: input.availableForLti ?? false,
    createdAt: now,
    updatedAt: now,
  };
  await checkActivity(deps, environment, activity);
  const written = await withCredentials(deps, activity);
  const stored = await sealedActivity(deps, written.activity);
  await deps.activities.create(stored);
  return { ...written, activity: stored };
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

/**
 * `PATCH …/activities/{id}`: the answer holds the activity's LTI 1.2 secret only when this patch
 * makes it available for LTI for the first time (which issues it).
 */
export async function patchActivity(deps: ActivityDeps, environmentId: string, id: string, body: unknown): Promise<WrittenActivity> {
  const environment = await requireEnvironment(deps, environmentId);
  const current = await getActivity(deps, environmentId, id);
  const input = parse(patchBody, body);
  let lti: ExternalLti | undefined = current.lti;
  if (input.lti) {
    if (input.lti.version === '1.2') {
      const { secret, ...given } = input.lti;
      lti = { ...given, ...(secret !== undefined ? { secret } : keptSecret(current.lti, given.key)) };
    } else {
      lti = input.lti;
    }
  }
  const { accountLinking: _cleared, ...kept } = current;
  const changed = {
    ...(input.accountLinking === null ? kept : current),
    ...Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== null)),
    lti,
  } as Activity;
  await checkActivity(deps, environment, changed);
  const written = await withCredentials(deps, changed);
  return { ...written, activity: await replaceActivity(deps, current, written.activity) };
}

/**
 * The stored secret of an external LTI 1.2 tool, kept by a PATCH that gives none: only under the
 * same key, as it is sealed to that key (and the admin API cannot open it to seal it again).
 */
function keptSecret(stored: ExternalLti | undefined, key: string): StoredSecret {
  if (stored?.version !== '1.2') throw invalid('lti.secret', 'lti.secret is required');
  if (stored.key !== key) throw invalid('lti.secret', 'lti.secret is required when lti.key changes: a secret is stored for its key');
  const { sealedSecret, secret } = stored;
  return sealedSecret !== undefined ? { sealedSecret } : { secret };
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
export const activitySchemas = { create: createBody, patch: patchBody, credential: credentialBody, rotate: rotateBody };
