/**
 * What the academy as platform reads and writes in the `data` table (keys in `./keys.ts`): one
 * BatchGetItem for a launch's or an outcome request's environment, activity, user and result
 * sourcedId, and the sourcedId record itself (a learner's `SOURCEDID` item).
 */
import { BatchGetCommand, PutCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Activity, Environment, User } from '../academy/model';
import { ConditionFailedError } from '../errors';
import type { PlatformContext, PlatformStore, ResultSourcedId } from '../ports';
import { conditional, record } from './dynamo-academy';
import { keys } from './keys';

type Item = Record<string, unknown>;
type Key = { pk: string; sk: string };

export class DynamoPlatformStore implements PlatformStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async context(environmentId: string, activityId?: string, userId?: string): Promise<PlatformContext> {
    const wanted: Key[] = [keys.environment(environmentId)];
    if (activityId) wanted.push(keys.activity(environmentId, activityId));
    if (userId) wanted.push(keys.user(environmentId, userId));
    if (activityId && userId) wanted.push(keys.learner(environmentId, activityId, userId, 'SOURCEDID'));
    const found = await this.batchGet(wanted);
    const item = (key: Key | undefined) => (key ? found.find((i) => i.pk === key.pk && i.sk === key.sk) : undefined);
    return {
      environment: record<Environment>(item(wanted[0])),
      activity: activityId ? record<Activity>(item(keys.activity(environmentId, activityId))) : undefined,
      user: userId ? record<User>(item(keys.user(environmentId, userId))) : undefined,
      sourcedId:
        activityId && userId ? record<ResultSourcedId>(item(keys.learner(environmentId, activityId, userId, 'SOURCEDID'))) : undefined,
    };
  }

  async putSourcedId(sourcedId: ResultSourcedId, replacing?: string): Promise<boolean> {
    const { environmentId, activityId, userId } = sourcedId;
    const condition = replacing
      ? { ConditionExpression: '#secret = :old', ExpressionAttributeNames: { '#secret': 'secret' }, ExpressionAttributeValues: { ':old': replacing } }
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

  /** BatchGetItem, asking again for keys returned as unprocessed (throttling). */
  private async batchGet(wanted: Key[]): Promise<Item[]> {
    const found: Item[] = [];
    let request: Record<string, { Keys: Item[] }> | undefined = { [this.table]: { Keys: wanted } };
    for (let attempt = 0; request; attempt++) {
      if (attempt >= 5) throw new Error('BatchGetItem left keys unprocessed after retries');
      const answer: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: request }));
      found.push(...(answer.Responses?.[this.table] ?? []));
      const rest = answer.UnprocessedKeys?.[this.table]?.Keys;
      request = rest?.length ? { [this.table]: { Keys: rest as Item[] } } : undefined;
    }
    return found;
  }
}
