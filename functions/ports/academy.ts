/** The academy's own records: environments, activities, users, launches into the academy, progress. */
import type { ExternalId } from '../academy/model';
import type { Activity, Environment, Progress, User } from '../academy/model';
import type { Page, PageRequest } from './core';
import type { PassbackBinding } from './passback';
import type { RosterSource } from './roster';

export interface EnvironmentStore {
  get(id: string): Promise<Environment | undefined>;
  put(environment: Environment): Promise<void>;
}

export interface ActivityStore {
  get(environmentId: string, id: string): Promise<Activity | undefined>;
  list(environmentId: string): Promise<Activity[]>;
  /** One page of the environment's activities, in id order (a Query with a limit). */
  page(environmentId: string, request: PageRequest): Promise<Page<Activity>>;
  /** Creates; throws `ConditionFailedError` if the id exists. */
  create(activity: Activity): Promise<void>;
  /** Replaces; throws `ConditionFailedError` unless the stored `updatedAt` equals `expectedUpdatedAt`. */
  replace(activity: Activity, expectedUpdatedAt: string): Promise<void>;
  delete(environmentId: string, id: string): Promise<boolean>;
}

export interface UserStore {
  get(environmentId: string, id: string): Promise<User | undefined>;
  findByEmail(environmentId: string, email: string): Promise<User | undefined>;
  /** One page of the environment's users, in id order (a Query of the users index with a limit). */
  page(environmentId: string, request: PageRequest): Promise<Page<User>>;
  /**
   * Creates or replaces a user. The email is unique per environment (case-insensitively), enforced
   * by a conditional write of an email claim; throws `ConditionFailedError` when the email belongs
   * to another user. On failure nothing is left half-written.
   */
  save(user: User, previous: User | undefined): Promise<void>;
  /** The emails (as given) that some user has claimed already: BatchGetItems of 100. */
  claimedEmails(environmentId: string, emails: readonly string[]): Promise<Set<string>>;
  /**
   * Creates many new users at once, each already holding `externalId` and found by it: each email is
   * claimed by one conditional write, as `save` does; the users and their external ids are then
   * written in batches. Answers the users whose email another user claimed first (not created).
   */
  createLinked(
    users: readonly { readonly user: User; readonly externalId: ExternalId }[],
  ): Promise<{ readonly emailTaken: readonly User[] }>;
}

/** What a launch tells the academy after single sign-on (`POST …/sso/exchange`). */
export interface SsoGrant {
  readonly environmentId: string;
  readonly userId: string;
  readonly activityId: string;
  readonly created: boolean;
  readonly launch: { readonly version: '1.2' | '1.3'; readonly roles: readonly string[]; readonly returnUrl?: string };
}

/** Everything a launch needs to read, fetched in one round trip. */
export interface LaunchPrefetch {
  readonly environment?: Environment;
  readonly activity?: Activity;
  /** The academy user each external id asked for maps to (same order), when it launched before. */
  readonly knownUserIds: readonly (string | undefined)[];
}

export interface LaunchStore {
  /** One read: the environment, the activity and the external ids' users (BatchGetItem). */
  prefetch(environmentId: string, activityId: string, externalIds: readonly ExternalId[]): Promise<LaunchPrefetch>;
  /** Remembers which academy user an LMS's user id is (and records it on the user). */
  linkExternalId(environmentId: string, userId: string, externalId: ExternalId): Promise<void>;
  /**
   * One write (BatchWriteItem): the enrollment (idempotent), the passback binding (the newest launch
   * wins), where the launch's context roster can be read (the newest launch wins) and the single
   * sign-on code, as an `sso-code` of the single-use store under its hash, which `…/sso/exchange`
   * consumes there.
   */
  recordLaunch(input: {
    readonly grant: SsoGrant;
    readonly binding?: PassbackBinding;
    readonly rosterSource?: RosterSource;
    readonly codeHash: string;
    readonly expiresAt: number;
    readonly now: number;
  }): Promise<void>;
}

export interface ProgressStore {
  get(environmentId: string, activityId: string, userId: string): Promise<Progress | undefined>;
  /** Every user's progress in an activity. */
  list(environmentId: string, activityId: string): Promise<Progress[]>;
  /**
   * Records progress. With `onlyIfNewerScore`, the write is conditional: it is refused (answering
   * false) when the stored `scoredAt` is newer than the new one (AGS §3.4: an older timestamp never
   * overwrites a newer result).
   */
  put(progress: Progress, options?: { readonly onlyIfNewerScore?: boolean }): Promise<boolean>;
  delete(environmentId: string, activityId: string, userId: string): Promise<void>;
}
