/**
 * What the academy as platform reads and writes in the `data` table (keys in `./keys.ts`): one
 * BatchGetItem for a launch's or an outcome request's environment, activity, user and result
 * sourcedId, the sourcedId record itself (a learner's `SOURCEDID` item), and the record of a
 * learner launched by an LTI 1.3 tool (a learner's `LAUNCHED#{tool}` item).
 */
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Activity, Environment, User } from '../academy/model';
import { ConditionFailedError } from '../errors';
import type { LaunchedLearner, PlatformContext, PlatformStore, ResultSourcedId } from '../ports';
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
   * One UpdateItem, without a condition so that it never fails on a learner launched before (a
   * conditional put would, and costs the same write): created by the first launch, whose time
   * `firstLaunchAt` keeps; `lastLaunchAt` moves on with every launch. No gsi1 keys: the activity's
   * progress listing never sees it.
   */
  async recordLaunchedLearner(learner: LaunchedLearner, now: number): Promise<void> {
    const { environmentId, activityId, userId, toolId } = learner;
    await this.db.send(
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
          ':at': new Date(now).toISOString(),
        },
      }),
    );
  }
}
