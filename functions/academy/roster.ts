/**
 * A roster sync's work in the academy (docs/nrps.md "Roster sync"): the learners a platform lists
 * become academy users enrolled in the activity before their first launch, under the same rules a
 * launch follows (docs/product.md "Who is who at a launch"): a learner is recognised by the LMS's id
 * first (the external id a launch or an earlier sync stored), else found by email as the account
 * linking policy allows, else created; the LMS's id is then linked, so that the learner's first
 * launch is recognised, not duplicated. Nothing here knows the protocol the roster came by.
 */
import type { LaunchStore, RosterStore } from '../ports';
import type { AccountLinking, LaunchIdentity } from './identity';
import { newUserId, provisionUser, type LaunchDeps, type LaunchedPerson } from './launch';

/** A learner a platform's roster lists: who the LMS says they are, and what it says of them. */
export interface RosterLearner {
  readonly identity: LaunchIdentity;
  /** Names already fallen back; no email when the roster gave none that is an email address. */
  readonly person: LaunchedPerson;
}

/** A member the sync left out, and why: `userId` is the LMS's id of the member, when it gave one. */
export interface SkippedMember {
  readonly userId?: string;
  readonly reason: string;
}

export interface RosterDeps extends Pick<LaunchDeps, 'users' | 'clock'> {
  readonly launches: Pick<LaunchStore, 'linkExternalId'>;
  readonly roster: RosterStore;
}

export interface RosterEnrolment {
  /** Accounts created for learners the academy did not know. */
  readonly created: number;
  /** Learners enrolled now, who were not enrolled before. */
  readonly enrolled: number;
  /** Learners who were enrolled already (by a launch or an earlier sync). */
  readonly alreadyEnrolled: number;
  readonly skipped: readonly SkippedMember[];
}

/** Learners whose email has an account are found or created this many at a time, as a launch would: a few round trips each. */
export const provisioningConcurrency = 16;

/** Runs `work` over `items`, at most `limit` at a time, in order of start; the first error stops it. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const refusalReasons = {
  'linked-to-another-id': 'the account of this email is linked to another user of this LMS',
  'not-linkable': 'the account of this email may not be signed in from another system',
  'policy-never': 'this academy does not link accounts from this LMS by email',
  'domain-not-allowed': 'this academy links accounts from this LMS by email only for some domains, not this one',
} as const;

/**
 * Enrols a roster's learners in an activity. Known learners (by external id, one read per 100) are
 * enrolled as they are; the others, when no account holds their email (one read per 100), are
 * created in bulk with their LMS id (`UserStore.createLinked`: one conditional write per email, then
 * batches); the rest, and any whose email was claimed meanwhile, are found by email or created one
 * by one as a launch would (`provisionUser`, a few at a time) and their LMS id linked, or skipped with
 * the reason. Enrolments are read first and written only
 * for those not enrolled yet, so that a sync run twice changes nothing the second time.
 */
export async function enrolRoster(
  deps: RosterDeps,
  input: {
    readonly environmentId: string;
    readonly activityId: string;
    readonly accountLinking: AccountLinking;
    readonly learners: readonly RosterLearner[];
  },
): Promise<RosterEnrolment> {
  const { environmentId, activityId } = input;
  const known = await deps.roster.knownUsers(
    environmentId,
    input.learners.map(({ identity }) => identity),
  );
  const userIds = new Set<string>();
  const skipped: SkippedMember[] = [];
  const unknown: RosterLearner[] = [];
  input.learners.forEach((learner, index) => {
    const userId = known[index];
    if (userId) userIds.add(userId);
    else unknown.push(learner);
  });
  // Learners the academy has no account for, by email: created in bulk (each email still claimed by
  // one conditional write); the others go the way of a launch, one by one.
  const withoutEmail = unknown.filter(({ person }) => !person.email);
  for (const { identity } of withoutEmail) {
    skipped.push({ userId: identity.userId, reason: 'no email address: one is needed to create or link an account' });
  }
  const withEmail = unknown.filter(({ person }) => person.email);
  const claimed = await deps.users.claimedEmails(
    environmentId,
    withEmail.map(({ person }) => person.email!),
  );
  const fresh = new Map<string, RosterLearner>();
  const oneByOne: RosterLearner[] = [];
  for (const learner of withEmail) {
    const email = learner.person.email!.toLowerCase();
    if (claimed.has(learner.person.email!) || fresh.has(email)) oneByOne.push(learner);
    else fresh.set(email, learner);
  }
  const now = new Date(deps.clock.now()).toISOString();
  const newUsers = [...fresh.values()].map(({ identity, person }) => ({
    user: {
      id: newUserId(),
      environmentId,
      email: person.email!,
      givenName: person.givenName,
      familyName: person.familyName,
      externalIds: { [identity.key]: identity.userId },
      createdAt: now,
      updatedAt: now,
    },
    externalId: { key: identity.key, userId: identity.userId },
    learner: { identity, person },
  }));
  const { emailTaken } = await deps.users.createLinked(newUsers);
  const taken = new Set(emailTaken.map((user) => user.id));
  let created = 0;
  for (const { user, learner } of newUsers) {
    if (taken.has(user.id)) oneByOne.push(learner);
    else {
      created++;
      userIds.add(user.id);
    }
  }
  await eachLimited(oneByOne, provisioningConcurrency, async ({ identity, person }) => {
    const provisioned = await provisionUser(deps, {
      environmentId,
      identity,
      accountLinking: input.accountLinking,
      person: { ...person, email: person.email! },
    });
    if (provisioned.refused) {
      skipped.push({ userId: identity.userId, reason: `account link refused: ${refusalReasons[provisioned.refused]}` });
      return;
    }
    await deps.launches.linkExternalId(environmentId, provisioned.user.id, identity);
    if (provisioned.created) created++;
    userIds.add(provisioned.user.id);
  });
  const members = [...userIds];
  const enrolled = await deps.roster.enrolledAmong(environmentId, activityId, members);
  const newcomers = members.filter((id) => !enrolled.has(id));
  await deps.roster.enrol(environmentId, activityId, newcomers, deps.clock.now());
  return { created, enrolled: newcomers.length, alreadyEnrolled: members.length - newcomers.length, skipped };
}
