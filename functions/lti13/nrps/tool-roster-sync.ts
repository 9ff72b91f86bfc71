/**
 * `POST /admin/environments/{env}/activities/{id}/roster-sync` (docs/nrps.md "Roster sync"): the
 * academy as tool enrols an activity's learners before their first launch, reading the Names and
 * Role Provisioning Service (NRPS 2.0 §2) of every platform context that launched the activity.
 *
 * In two phases, so that a failing LMS leaves nothing half done: first every page of every
 * context is read (`./tool-memberships.ts`); any failure answers 502 naming the platform, the
 * context and what it answered, and nothing is written. Then the members are sorted: those with no
 * `user_id` (§2.2 requires one), not `Active` (§2.3), or not learners are skipped with the reason;
 * the learners are enrolled under each platform's account linking policy (`../../academy/roster.ts`),
 * recognised by the id the platform gives them in launches (§2.2: `user_id` is the launches' `sub`),
 * so that a synced learner's first launch is recognised, not duplicated. Running it again changes
 * nothing that the first run did.
 */
import type { Platform } from '../../academy/model';
import { effectiveAccountLinking, externalKeys } from '../../academy/identity';
import { enrolRoster, type RosterDeps, type RosterLearner, type SkippedMember } from '../../academy/roster';
import { validId } from '../../academy/validation';
import { conflict, HttpError, ltiDisabledMessage, notFound } from '../../errors';
import { launchedPerson, launchValue } from '../../lti/person';
import type { ActivityStore, EnvironmentStore, PlatformRegistrationStore, StoredRosterSource } from '../../ports';
import { contextRole } from '../core/claims';
import { normalizeRoles } from '../core/tool-roles';
import { readMemberships, type ListedMember, type ToolNrpsDeps, NrpsError } from './tool-memberships';
import { membershipStatuses } from './vocabulary';

export interface RosterSyncDeps extends ToolNrpsDeps, RosterDeps {
  readonly environments: EnvironmentStore;
  readonly activities: ActivityStore;
  readonly platformRegistrations: Pick<PlatformRegistrationStore, 'get'>;
}

/** What happened to one context's roster. */
export type ContextOutcome =
  | { readonly platformId: string; readonly contextId: string; readonly members: number }
  | { readonly platformId: string; readonly contextId: string; readonly ignored: 'platform removed' | 'platform deactivated' };

/** The answer: `members` read (each once per platform), the accounts `created`, the learners `enrolled` now, and those `skipped`. */
export interface RosterSyncAnswer {
  readonly contexts: readonly ContextOutcome[];
  readonly members: number;
  readonly created: number;
  readonly enrolled: number;
  readonly alreadyEnrolled: number;
  readonly skipped: readonly SkippedMember[];
}

const learnerRole = contextRole('Learner');
/** Sub-roles of Learner (Core 1.3 Appendix A.2.3.1: `membership/Learner#GuestLearner`, …) are learners too. */
const learnerSubRole = `${learnerRole.slice(0, learnerRole.indexOf('#'))}/Learner#`;

/** Core 1.3 Appendix A.2: a learner of the context, by role URI or simple name. */
function isLearner(roles: unknown): boolean {
  if (!Array.isArray(roles)) return false;
  const normalized = normalizeRoles(roles.filter((role): role is string => typeof role === 'string'));
  return normalized.some((role) => role === learnerRole || role.startsWith(learnerSubRole));
}

const emailParameter = { name: 'email', purpose: "the member's email address" };

/** A listed member as a learner to enrol, or why it is skipped (§2.2, §2.3). */
function learnerOf(platform: Platform, member: ListedMember): RosterLearner | SkippedMember {
  const userId = typeof member.user_id === 'string' && member.user_id.trim() !== '' ? member.user_id : undefined;
  if (userId === undefined) return { reason: 'no user_id' };
  if (userId.length > 255) return { userId: userId.slice(0, 255), reason: 'user_id is longer than 255 characters' };
  const status = member.status === undefined ? membershipStatuses.active : String(member.status);
  if (status.toLowerCase() !== membershipStatuses.active.toLowerCase()) return { userId, reason: `status ${status}` };
  if (!isLearner(member.roles)) return { userId, reason: 'not a learner' };
  const person = launchedPerson(
    {
      email: launchValue(member.email),
      givenName: launchValue(member.given_name),
      familyName: launchValue(member.family_name),
      name: launchValue(member.name),
    },
    false,
    emailParameter,
  );
  return {
    identity: {
      key: externalKeys.lti13(platform.issuer, platform.clientId),
      userId,
      aliases: [{ key: externalKeys.legacyLti13(platform.issuer), userId }],
    },
    person,
  };
}

/** 502: an LMS failed to give its roster; the message is the administrator's to read (no credential in it). */
function unavailable(platform: Platform, source: StoredRosterSource, error: NrpsError): HttpError {
  return new HttpError(
    502,
    'roster_unavailable',
    `The roster of context ${source.contextId} could not be read from ${platform.name}: ${error.message}. Nothing was synced.`,
    { expose: true, detail: { platformId: platform.id, contextId: source.contextId, retryable: error.retryable } },
  );
}

/** Reads every context, then enrols: see the file's comment. */
export async function syncRoster(deps: RosterSyncDeps, environmentId: string, activityId: string): Promise<RosterSyncAnswer> {
  const [environment, activity, sources] = await Promise.all([
    validId(environmentId) ? deps.environments.get(environmentId) : undefined,
    validId(environmentId) && validId(activityId) ? deps.activities.get(environmentId, activityId) : undefined,
    validId(environmentId) && validId(activityId) ? deps.roster.sources(environmentId, activityId) : [],
  ]);
  if (!environment) throw notFound(`environment ${environmentId}`);
  if (!activity) throw notFound(`activity ${activityId}`);
  if (!environment.ltiEnabled) throw conflict(ltiDisabledMessage);
  if (activity.lti) throw conflict(`activity ${activityId} is an external activity: the academy is its platform, not its tool`);

  // Phase 1: read everything; a failure writes nothing.
  const platforms = new Map<string, Platform | undefined>();
  for (const { platformId } of sources) {
    if (!platforms.has(platformId)) platforms.set(platformId, await deps.platformRegistrations.get(environmentId, platformId));
  }
  const contexts: ContextOutcome[] = [];
  const read: { platform: Platform; members: ListedMember[] }[] = [];
  for (const source of sources) {
    const platform = platforms.get(source.platformId);
    const { platformId, contextId } = source;
    if (!platform || !platform.activated) {
      contexts.push({ platformId, contextId, ignored: platform ? 'platform deactivated' : 'platform removed' });
      continue;
    }
    let members: ListedMember[];
    try {
      members = await readMemberships(deps, platform, source.membershipsUrl);
    } catch (error) {
      if (error instanceof NrpsError) throw unavailable(platform, source, error);
      throw error;
    }
    contexts.push({ platformId, contextId, members: members.length });
    read.push({ platform, members });
  }

  // Phase 2: each platform's learners, once each, under its account linking policy.
  let members = 0;
  let created = 0;
  let enrolled = 0;
  let alreadyEnrolled = 0;
  const skipped: SkippedMember[] = [];
  for (const platform of new Set(read.map((entry) => entry.platform))) {
    const seen = new Set<string>();
    const learners: RosterLearner[] = [];
    for (const member of read.filter((entry) => entry.platform === platform).flatMap((entry) => entry.members)) {
      const sorted = learnerOf(platform, member);
      const key = 'identity' in sorted ? sorted.identity.userId : sorted.userId;
      if (key !== undefined && seen.has(key)) continue;
      if (key !== undefined) seen.add(key);
      members++;
      if ('identity' in sorted) learners.push(sorted);
      else skipped.push(sorted);
    }
    const outcome = await enrolRoster(deps, {
      environmentId,
      activityId,
      accountLinking: effectiveAccountLinking(platform.accountLinking, environment.accountLinking),
      learners,
    });
    created += outcome.created;
    enrolled += outcome.enrolled;
    alreadyEnrolled += outcome.alreadyEnrolled;
    skipped.push(...outcome.skipped);
  }
  return { contexts, members, created, enrolled, alreadyEnrolled, skipped };
}
