/** Progress records in the `data` table (keys in `./keys.ts`: a learner's `PROGRESS` item, listed through gsi1). */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Progress } from '../academy/model';
import { ConditionFailedError } from '../errors';
import type { ProgressStore } from '../ports';
import { conditional, record } from './dynamo-items';
import { keys } from './keys';

type Item = Record<string, unknown>;

export class DynamoProgressStore implements ProgressStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(environmentId: string, activityId: string, userId: string): Promise<Progress | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.learner(environmentId, activityId, userId, 'PROGRESS') }),
    );
    return record<Progress>(Item);
  }

  async list(environmentId: string, activityId: string): Promise<Progress[]> {
    const found: Progress[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          FilterExpression: 'kind = :kind',
          ExpressionAttributeValues: { ':pk': keys.activityIndex(environmentId, activityId, '', '').gsi1pk, ':kind': 'progress' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) found.push(record<Progress>(item)!);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  async put(progress: Progress, options: { onlyIfNewerScore?: boolean } = {}): Promise<boolean> {
    const { environmentId: env, activityId, userId } = progress;
    const item = {
      ...keys.learner(env, activityId, userId, 'PROGRESS'),
      ...keys.activityIndex(env, activityId, userId, 'PROGRESS'),
      kind: 'progress',
      ...progress,
    };
    const guard =
      options.onlyIfNewerScore && progress.scoredAt
        ? {
            ConditionExpression: 'attribute_not_exists(scoredAt) OR scoredAt <= :at',
            ExpressionAttributeValues: { ':at': progress.scoredAt },
          }
        : {};
    try {
      await conditional(() => this.db.send(new PutCommand({ TableName: this.table, Item: item, ...guard })), 'a newer score is recorded');
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  async delete(environmentId: string, activityId: string, userId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.learner(environmentId, activityId, userId, 'PROGRESS') }));
  }
}
