/**
 * The academy's Names and Role Provisioning Service (NRPS 2.0 §2, §3), academy as platform: the
 * members of an external activity's context, which is the activity itself (the launch's context
 * id and resource link id are both the activity id: `../core/platform-id-token.ts`).
 *
 * Who is a member: every user enrolled in the activity, that is, every learner the academy has
 * launched into it (`PlatformStore.recordLaunchedLearner` enrols at each LTI 1.3 launch), whichever
 * tool the activity had then. A course roster is the course's, not one tool's: the activity belongs
 * to one tool (only its tokens get here), and a tool the activity was moved to sees the learners it
 * had before (docs/nrps.md "Who is a member"). What a tool may do with them is still checked where it
 * acts: AGS scores only learners that very tool launched (docs/ags.md "Who a score may be for").
 *
 * Each member is what the launch's id_token says of the learner (§2.2: `user_id` is the `sub` of
 * the launches, the academy user id; names and email as the id_token shares them; the role the
 * academy launches everyone with, Learner), always `Active` (§2.3: a learner removed from the
 * academy is no longer listed).
 */
import type { User } from '../../academy/model';
import { idPattern } from '../../academy/validation';
import { HttpError, invalid } from '../../errors';
import type { PlatformStore } from '../../ports';
import { claims, contextRole, contextRoleNames, messageTypes } from '../core/claims';
import type { ServiceContext } from '../core/platform-service-access';
import { withoutStrayWhitespace } from '../core/platform-id-token';
import { nrpsMembershipsUrl } from '../core/platform-urls';
import { membershipStatuses, nrpsQuery } from './vocabulary';

/** The page size without `limit` (§2.4.2: a platform may answer fewer than all, with a `next` link). */
export const defaultPageSize = 100;
/** The largest page, whatever `limit` asks: one page is one Query of the store and at most ten BatchGetItems. */
export const maxPageSize = 1000;

/** The query parameter of a `next` link's cursor: the academy's own, opaque to tools (§2.4.2 leaves the link to the platform). */
export const cursorParameter = 'cursor';

/** The role every member has: the academy launches everyone as a Learner. */
const memberRole = contextRole('Learner');

export interface PlatformNrpsDeps {
  readonly platform: Pick<PlatformStore, 'enrolledUsers'>;
}

/** A memberships request, read from its query (§2.4.1 `role`, §2.4.2 `limit`, §3 `rlid`, and the page's cursor). */
export interface MembershipsQuery {
  readonly role?: string;
  readonly limit: number;
  readonly resourceLinkId?: string;
  /** The opaque cursor of a `next` link. */
  readonly cursor?: string;
}

/** One member (§2.1, §2.2), with the message section of a resource link request (§3.2). */
export interface Member {
  readonly status: string;
  readonly user_id: string;
  readonly roles: readonly string[];
  readonly name: string;
  readonly given_name: string;
  readonly family_name: string;
  readonly email: string;
  readonly message?: readonly Record<string, unknown>[];
}

/** `application/vnd.ims.lti-nrps.v2.membershipcontainer+json` (§2.1). */
export interface MembershipContainer {
  readonly id: string;
  readonly context: { readonly id: string; readonly label: string; readonly title: string };
  readonly members: readonly Member[];
}

/** The cursor of the page after the user `userId`: opaque to tools (base64url), a user id inside. */
export const encodeCursor = (userId: string): string => Buffer.from(userId, 'utf8').toString('base64url');

/** The user id inside a cursor; 400 when it was not made by {@link encodeCursor}. */
export function decodeCursor(cursor: string): string {
  const userId = /^[A-Za-z0-9_-]{1,100}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!idPattern.test(userId) || encodeCursor(userId) !== cursor) {
    throw invalid(cursorParameter, 'cursor is not one this service gave: follow the next link as it is');
  }
  return userId;
}

/**
 * The role filter as a role URI (§2.4.1: a context role may come as its simple name, `Learner`, as
 * in the launch's roles); any other value is kept as given and compared exactly.
 */
export function roleFilter(role: string): string {
  const trimmed = role.trim();
  return (contextRoleNames as readonly string[]).includes(trimmed) ? contextRole(trimmed as (typeof contextRoleNames)[number]) : trimmed;
}

/** §3.1: the resource link must be the tool's and in this context: the activity is the context's one link. */
function checkResourceLink(ctx: ServiceContext, resourceLinkId: string | undefined): void {
  if (resourceLinkId !== undefined && resourceLinkId !== ctx.activity.id) {
    throw new HttpError(404, 'not_found', `resource link ${resourceLinkId} not found in this context`, { field: nrpsQuery.resourceLinkId });
  }
}

/**
 * §3.2: per member, the claims of the resource link's message that are not the same for everyone
 * would go here; the academy's launch has none of its own per learner (no substitution, no Basic
 * Outcome), so the section carries the message type and the link's custom parameters as launched.
 */
function messageSection(ctx: ServiceContext): Record<string, unknown>[] {
  const custom = ctx.activity.lti.customParameters;
  return [
    {
      [claims.messageType]: messageTypes.resourceLink,
      ...(custom && Object.keys(custom).length > 0 ? { [claims.custom]: custom } : {}),
    },
  ];
}

function member(user: User, message: Record<string, unknown>[] | undefined): Member {
  return withoutStrayWhitespace({
    status: membershipStatuses.active,
    user_id: user.id,
    roles: [memberRole],
    name: `${user.givenName.trim()} ${user.familyName.trim()}`,
    given_name: user.givenName,
    family_name: user.familyName,
    email: user.email,
    ...(message ? { message } : {}),
  });
}

/**
 * One page of the activity's memberships: `role` filters (every member is a Learner, so another
 * role answers no one without reading the store), `limit` bounds the page, `cursor` continues after
 * the previous page's last member; `next` is the following page's cursor when more follow.
 */
export async function listMemberships(
  deps: PlatformNrpsDeps,
  publicUrl: string,
  ctx: ServiceContext,
  query: MembershipsQuery,
): Promise<{ container: MembershipContainer; next?: string }> {
  checkResourceLink(ctx, query.resourceLinkId);
  const { activity, environmentId } = ctx;
  const url = new URL(nrpsMembershipsUrl(publicUrl, environmentId, activity.id));
  if (query.resourceLinkId !== undefined) url.searchParams.set(nrpsQuery.resourceLinkId, query.resourceLinkId);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const context = withoutStrayWhitespace({ id: activity.id, label: activity.title, title: activity.title });
  if (query.role !== undefined && roleFilter(query.role) !== memberRole) {
    return { container: { id: url.toString(), context, members: [] } };
  }
  const page = await deps.platform.enrolledUsers(environmentId, activity.id, {
    limit: query.limit,
    ...(after !== undefined ? { after } : {}),
  });
  const message = query.resourceLinkId !== undefined ? messageSection(ctx) : undefined;
  return {
    container: { id: url.toString(), context, members: page.items.map((user) => member(user, message)) },
    ...(page.next !== undefined ? { next: encodeCursor(page.next) } : {}),
  };
}
