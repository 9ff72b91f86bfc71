/**
 * The academy as tool reading its learners from the platforms that launch it (docs/nrps.md): where
 * each platform context's roster can be read, and the reads and writes of a roster sync.
 */
import type { ExternalId } from '../academy/model';

/**
 * Where a platform context's members can be read (NRPS 2.0 §3.6.1 `context_memberships_url`), as
 * a launch of the activity from that context gave it; each launch keeps the latest.
 */
export interface RosterSource {
  readonly platformId: string;
  /** The platform's context id (Core 1.3 §5.4.1), or the memberships URL when the launch had no context. */
  readonly contextId: string;
  readonly membershipsUrl: string;
}

/** A remembered source, with when a launch last gave it. */
export interface StoredRosterSource extends RosterSource {
  readonly lastLaunchAt: string;
}

export interface RosterStore {
  /** One Query: every source of an activity's launches, by platform and context. */
  sources(environmentId: string, activityId: string): Promise<StoredRosterSource[]>;
  /** The academy users the external ids map to (in order; undefined for an id never seen): BatchGetItems of 100, together. */
  knownUsers(environmentId: string, externalIds: readonly ExternalId[]): Promise<(string | undefined)[]>;
  /** Which of the users are enrolled in the activity: BatchGetItems of 100, together. */
  enrolledAmong(environmentId: string, activityId: string, userIds: readonly string[]): Promise<Set<string>>;
  /** Enrols users in the activity (the enrollment a launch writes, less the launch): BatchWriteItems of 25. */
  enrol(environmentId: string, activityId: string, userIds: readonly string[], now: number): Promise<void>;
}
