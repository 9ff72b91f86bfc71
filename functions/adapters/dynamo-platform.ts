/**
 * What the academy as platform reads and writes in the `data` table (keys in `./keys.ts`): one
 * BatchGetItem for a launch's or an outcome request's environment, activity, user and result
 * sourcedId, and the sourcedId record itself (a learner's `SOURCEDID` item).
 */
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Activity, Environment, User } from '../academy/model';
import { ConditionFailedError } from '../errors';
import type { PlatformContext, PlatformStore, ResultSourcedId } from '../ports';
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
}
