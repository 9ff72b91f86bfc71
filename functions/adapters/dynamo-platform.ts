/**
 * What the academy as platform reads and writes in the `data` table (keys in `./keys.ts`): one
 * BatchGetItem for a launch's or an outcome request's environment, activity, user and result
 * sourcedId, the sourcedId record itself (a learner's `SOURCEDID` item), the record of a learner
 * launched by an LTI 1.3 tool (a learner's `LAUNCHED#{tool}` item) with the learner's enrollment in
 * the activity (`ENROLL`), and the activity's enrolled learners, page by page (NRPS memberships).
 */
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Activity, Environment, User } from '../academy/model';
import { ConditionFailedError } from '../errors';
import type { LaunchedLearner, Page, PlatformContext, PlatformStore, ResultSourcedId } from '../ports';
import { conditional, record } from './dynamo-items';
import { batchGetAll } from './dynamo-batch';
import { keys } from './keys';

type Key = { pk: string; sk: string };

export class DynamoPlatformStore implements PlatformStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async context(environmentId: string, activityId?: string, userId?: string): Promise<PlatformContext> {
    const environmentKey = keys.environment(environmentId);
    const activityKey = activityId ? keys.activity(environmentId, activityId) : undefined;
    const userKey = userId ? keys.user(environmentId, userId) : undefined;
    const sourcedIdKey = activityId && userId ? keys.learner(environmentId, activityId, userId, 'SOURCEDID') : undefined;
    const wanted = [environmentKey, activityKey, userKey, sourcedIdKey].filter((key): key is Key => key !== undefined);
    const found = await batchGetAll(this.db, this.table, wanted);
    const item = (key: Key | undefined) => (key ? found[wanted.indexOf(key)] : undefined);
    return {
      environment: record<Environment>(item(environmentKey)),
      activity: record<Activity>(item(activityKey)),
      user: record<User>(item(userKey)),
      sourcedId: record<ResultSourcedId>(item(sourcedIdKey)),
    };
  }

  async putSourcedId(sourcedId: ResultSourcedId, replacing?: string): Promise<boolean> {
    const { environmentId, activityId, userId } = sourcedId;
    const condition = replacing
      ? {
          ConditionExpression: '#secret = :old',
          ExpressionAttributeNames: { '#secret': 'secret' },
          ExpressionAttributeValues: { ':old': replacing },
        }
      : { ConditionExpression: 'attribute_not_exists(pk)' };
    try {
      await conditional(
        () =>
          this.db.send(
            new PutCommand({
              TableName: this.table,
              Item: { ...keys.learner(environmentId, activityId, userId, 'SOURCEDID'), kind: 'sourcedid', ...sourcedId },
              ...condition,
            }),
          ),
        'another sourcedId was stored first',
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /**
   * Two UpdateItems, sent together, without a condition so that they never fail on a learner
   * launched before (a conditional put would, and costs the same write): the tool's launch record,
   * created by the first launch, whose time `firstLaunchAt` keeps, `lastLaunchAt` moving on with
   * every launch (no gsi1 keys: the activity's progress listing never sees it); and the learner's
   * enrollment in the activity, the item every launch into the academy writes too, with the gsi1
   * keys that list the activity's learners (progress, NRPS memberships).
   */
  async recordLaunchedLearner(learner: LaunchedLearner, now: number): Promise<void> {
    const { environmentId, activityId, userId, toolId } = learner;
    const at = new Date(now).toISOString();
    await Promise.all([
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.launched(environmentId, activityId, userId, toolId),
          UpdateExpression:
            'SET #kind = :kind, environmentId = :env, activityId = :activity, userId = :user, toolId = :tool, ' +
            'firstLaunchAt = if_not_exists(firstLaunchAt, :at), lastLaunchAt = :at',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: {
            ':kind': 'launched',
            ':env': environmentId,
            ':activity': activityId,
            ':user': userId,
            ':tool': toolId,
            ':at': at,
          },
        }),
      ),
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.learner(environmentId, activityId, userId, 'ENROLL'),
          UpdateExpression:
            'SET #kind = :kind, userId = :user, activityId = :activity, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk, ' +
            'enrolledAt = if_not_exists(enrolledAt, :at), lastLaunchAt = :at',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: {
            ':kind': 'enrollment',
            ':user': userId,
            ':activity': activityId,
            ...prefixed(keys.activityIndex(environmentId, activityId, userId, 'ENROLL')),
            ':at': at,
          },
        }),
      ),
    ]);
  }

  /**
   * The activity's enrolled users after the user id `after`, in user id order: Queries of the
   * activity's gsi1 partition (every learner item there sorts by `{userId}#{item}`, so a cursor
   * made of the last user id never repeats nor skips a learner, whoever enrols or leaves meanwhile),
   * keeping the enrollments (a filter applies after DynamoDB's own `Limit`, so a Query may hold
   * fewer), until `limit` of them and one more that shows that others follow; then their accounts, one
   * BatchGetItem per 100, sent together. An enrollment whose user was removed is left out.
   */
  async enrolledUsers(environmentId: string, activityId: string, page: { limit: number; after?: string }): Promise<Page<User>> {
    const { limit, after } = page;
    const { gsi1pk } = keys.activityIndex(environmentId, activityId, '', '');
    const userIds: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const answer = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          // U+FFFF sorts after every character of a user id's items: `gsi1sk > {after}#\uffff` starts at the next user.
          KeyConditionExpression: after === undefined ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND gsi1sk > :after',
          FilterExpression: '#kind = :enrollment',
          ExpressionAttributeNames: { '#kind': 'kind' },
          ExpressionAttributeValues: {
            ':pk': gsi1pk,
            ':enrollment': 'enrollment',
            ...(after === undefined ? {} : { ':after': `${after}#\uffff` }),
          },
          // A learner has an enrollment and at most a progress item here (an external activity has no passbacks).
          Limit: 2 * (limit + 1),
          ExclusiveStartKey: startKey,
        }),
      );
      userIds.push(...(answer.Items ?? []).map((item) => String(item.userId)));
      startKey = answer.LastEvaluatedKey;
    } while (startKey && userIds.length <= limit);
    const kept = userIds.slice(0, limit);
    const found = await batchGetAll(
      this.db,
      this.table,
      kept.map((id) => keys.user(environmentId, id)),
    );
    const users = found.flatMap((item) => record<User>(item) ?? []);
    return { items: users, ...(userIds.length > limit ? { next: kept[kept.length - 1]! } : {}) };
  }
}

/** `{gsi1pk, gsi1sk}` as the expression values `:gsi1pk`, `:gsi1sk`. */
function prefixed(index: { gsi1pk: string; gsi1sk: string }): Record<string, string> {
  return { ':gsi1pk': index.gsi1pk, ':gsi1sk': index.gsi1sk };
}
