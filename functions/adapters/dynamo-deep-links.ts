/**
 * The deep links of the academy as LTI 1.3 platform (`../ports/deep-linking.ts`), in the `data`
 * table next to the environment's activities and tools (keys in `./keys.ts`).
 *
 * A response is accepted once by one conditional write: the deep link moves from `pending` (and
 * unexpired) to `completed` with the ids of its activities, and only the call that made that move
 * writes them. DynamoDB's transactions would make the two one write, but the local store
 * (dynalite) has none, and local mode runs this code; so the claim comes first (a replay can never
 * create twice), the activities follow in BatchWriteItem requests (fresh ids, so plain puts), and a
 * failure there deletes what was written and marks the deep link `failed`. Only a crash between the
 * two writes could leave a completed deep link without all its activities.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Activity } from '../academy/model';
import { ConditionFailedError } from '../errors';
import type { DeepLink, DeepLinkStore } from '../ports';
import { batchWriteAll } from './dynamo-batch';
import { conditional, record } from './dynamo-items';
import { keys } from './keys';

/** BatchWriteItem's limit per request. */
const batchSize = 25;

export class DynamoDeepLinkStore implements DeepLinkStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(deepLink: DeepLink): Promise<void> {
    await conditional(
      () =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...keys.deepLink(deepLink.environmentId, deepLink.id), kind: 'deep-link', ...deepLink },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      'deep link already exists',
    );
  }

  async get(environmentId: string, id: string): Promise<DeepLink | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.deepLink(environmentId, id), ConsistentRead: true }),
    );
    return record<DeepLink>(Item);
  }

  async complete(deepLink: DeepLink, activities: readonly Activity[], now: number): Promise<void> {
    const at = new Date(now).toISOString();
    await conditional(
      () =>
        this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keys.deepLink(deepLink.environmentId, deepLink.id),
            UpdateExpression: 'SET #state = :completed, activityIds = :ids, updatedAt = :at',
            ConditionExpression: '#state = :pending AND expiresAt > :at',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':completed': 'completed',
              ':pending': 'pending',
              ':ids': activities.map((activity) => activity.id),
              ':at': at,
            },
          }),
        ),
      'deep link was answered already or has expired',
      'not-pending',
    );
    const items = activities.map((activity) => ({ ...keys.activity(activity.environmentId, activity.id), kind: 'activity', ...activity }));
    try {
      for (let start = 0; start < items.length; start += batchSize) {
        await batchWriteAll(this.db, { [this.table]: items.slice(start, start + batchSize).map((Item) => ({ PutRequest: { Item } })) });
      }
    } catch (error) {
      await this.undo(deepLink, activities, at).catch(() => undefined);
      throw error;
    }
  }

  async fail(deepLink: DeepLink, error: { readonly code: string; readonly message: string }, now: number): Promise<boolean> {
    try {
      await conditional(
        () =>
          this.db.send(
            new UpdateCommand({
              TableName: this.table,
              Key: keys.deepLink(deepLink.environmentId, deepLink.id),
              UpdateExpression: 'SET #state = :failed, #error = :error, updatedAt = :at',
              ConditionExpression: '#state = :pending',
              ExpressionAttributeNames: { '#state': 'state', '#error': 'error' },
              ExpressionAttributeValues: {
                ':failed': 'failed',
                ':pending': 'pending',
                ':error': error,
                ':at': new Date(now).toISOString(),
              },
            }),
          ),
        'deep link is no longer pending',
      );
      return true;
    } catch (caught) {
      if (caught instanceof ConditionFailedError) return false;
      throw caught;
    }
  }

  /** After a failed write of the activities: none of them stays, and the deep link says it failed. */
  private async undo(deepLink: DeepLink, activities: readonly Activity[], at: string): Promise<void> {
    const deletes = activities.map((activity) => ({ DeleteRequest: { Key: keys.activity(activity.environmentId, activity.id) } }));
    for (let start = 0; start < deletes.length; start += batchSize) {
      await batchWriteAll(this.db, { [this.table]: deletes.slice(start, start + batchSize) });
    }
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.deepLink(deepLink.environmentId, deepLink.id),
        UpdateExpression: 'SET #state = :failed, #error = :error, activityIds = :none, updatedAt = :at',
        ExpressionAttributeNames: { '#state': 'state', '#error': 'error' },
        ExpressionAttributeValues: {
          ':failed': 'failed',
          ':error': { code: 'storage_error', message: 'the activities could not be stored; nothing was added' },
          ':none': [],
          ':at': at,
        },
      }),
    );
  }
}
