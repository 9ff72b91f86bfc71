/**
 * What a roster sync reads and writes in the `data` table (keys in `./keys.ts`): the roster sources
 * launches remember (one partition per activity), the external ids of many learners at once, and
 * their enrollments, each in batches of the most DynamoDB takes (100 keys a read, 25 items a write),
 * sent together.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExternalId } from '../academy/model';
import type { RosterStore, StoredRosterSource } from '../ports';
import { batchGetAll, batchWriteAll } from './dynamo-batch';
import { keys } from './keys';

/** `items` in slices of `size`. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, index * size + size));
}

/** Batches sent at once: enough to keep DynamoDB busy, few enough not to throttle a table shared with launches. */
const parallelBatches = 8;

/** Runs `work` for each batch, `parallelBatches` at a time; answers the results in order. */
async function inParallel<T, R>(batches: readonly T[], work: (batch: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const group of chunks(batches, parallelBatches)) results.push(...(await Promise.all(group.map(work))));
  return results;
}

export class DynamoRosterStore implements RosterStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async sources(environmentId: string, activityId: string): Promise<StoredRosterSource[]> {
    const { pk } = keys.rosterSource(environmentId, activityId, '', '');
    const sources: StoredRosterSource[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const answer = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of answer.Items ?? []) {
        sources.push({
          platformId: String(item.platformId),
          contextId: String(item.contextId),
          membershipsUrl: String(item.membershipsUrl),
          lastLaunchAt: String(item.lastLaunchAt),
        });
      }
      startKey = answer.LastEvaluatedKey;
    } while (startKey);
    return sources;
  }

  async knownUsers(environmentId: string, externalIds: readonly ExternalId[]): Promise<(string | undefined)[]> {
    const found = await inParallel(chunks(externalIds, 100), (batch) =>
      batchGetAll(
        this.db,
        this.table,
        batch.map((id) => keys.externalId(environmentId, id.key, id.userId)),
      ),
    );
    return found.flat().map((item) => item?.userId as string | undefined);
  }

  async enrolledAmong(environmentId: string, activityId: string, userIds: readonly string[]): Promise<Set<string>> {
    const found = await inParallel(chunks(userIds, 100), (batch) =>
      batchGetAll(
        this.db,
        this.table,
        batch.map((id) => keys.learner(environmentId, activityId, id, 'ENROLL')),
      ),
    );
    return new Set(found.flat().flatMap((item) => (item ? [String(item.userId)] : [])));
  }

  async enrol(environmentId: string, activityId: string, userIds: readonly string[], now: number): Promise<void> {
    const at = new Date(now).toISOString();
    await inParallel(chunks(userIds, 25), (batch) =>
      batchWriteAll(this.db, {
        [this.table]: batch.map((userId) => ({
          PutRequest: {
            Item: {
              ...keys.learner(environmentId, activityId, userId, 'ENROLL'),
              ...keys.activityIndex(environmentId, activityId, userId, 'ENROLL'),
              kind: 'enrollment',
              userId,
              activityId,
              enrolledAt: at,
              enrolledBy: 'roster-sync',
            },
          },
        })),
      }),
    );
  }
}
