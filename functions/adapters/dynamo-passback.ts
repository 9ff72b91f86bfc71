/**
 * Passback records in the `data` table (keys in `./keys.ts`): a learner's items in an activity
 * (`ENROLL`, `PROGRESS`, `BIND#{key}`, `DELIVERY#{key}`) share one partition, so one Query reads
 * them all, and gsi1 lists them for the whole activity.
 *
 * A delivery's `sequence` is an atomic counter (`ADD`), and a result is recorded by one conditional
 * update on (state, sequence, attempts): an older or duplicate attempt never overwrites a newer one.
 * A delivery whose attempt will never run (not queued, dead-lettered) is abandoned as `failed` by
 * the same conditional update, so that nothing stays `pending` with nothing queued.
 */
import { QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Activity, Progress } from '../academy/model';
import { ConditionFailedError } from '../errors';
import type {
  Delivery,
  DeliveryContext,
  DeliveryKey,
  DeliveryState,
  LearnerRecords,
  PassbackBinding,
  PassbackMessage,
  PassbackStore,
} from '../ports';
import { conditional, record } from './dynamo-items';
import { batchGetAll } from './dynamo-batch';
import { keys } from './keys';

type Item = Record<string, unknown>;

/** `SET a = :a, …` with every name and value as a placeholder (DynamoDB reserves words like `state`). */
function assignments(values: Readonly<Record<string, unknown>>, names: Record<string, string>, bound: Record<string, unknown>): string[] {
  return Object.entries(values).map(([name, value]) => {
    names[`#${name}`] = name;
    bound[`:${name}`] = value;
    return `#${name} = :${name}`;
  });
}

/** Groups one learner's items (any order) into their records; items of other kinds are ignored. */
function learnerRecords(userId: string, items: readonly Item[]): LearnerRecords {
  let enrolled = false;
  let progress: Progress | undefined;
  const bindings: PassbackBinding[] = [];
  const deliveries: Delivery[] = [];
  for (const item of items) {
    if (item.kind === 'enrollment') enrolled = true;
    else if (item.kind === 'progress') progress = record<Progress>(item);
    else if (item.kind === 'binding' && item.binding) bindings.push(item.binding as PassbackBinding);
    else if (item.kind === 'delivery') deliveries.push(record<Delivery>(item)!);
  }
  return { userId, enrolled, progress, bindings, deliveries };
}

export class DynamoPassbackStore implements PassbackStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private async query(input: { IndexName?: string; KeyConditionExpression: string; ExpressionAttributeValues: Item }): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ TableName: this.table, ...input, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async learner(environmentId: string, activityId: string, userId: string): Promise<LearnerRecords> {
    const items = await this.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.learner(environmentId, activityId, userId, '').pk },
    });
    return learnerRecords(userId, items);
  }

  async activity(environmentId: string, activityId: string): Promise<LearnerRecords[]> {
    const items = await this.query({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.activityIndex(environmentId, activityId, '', '').gsi1pk },
    });
    const byUser = new Map<string, Item[]>();
    for (const item of items) {
      if (typeof item.userId !== 'string') continue;
      const list = byUser.get(item.userId) ?? [];
      list.push(item);
      byUser.set(item.userId, list);
    }
    return [...byUser.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([userId, list]) => learnerRecords(userId, list))
      .filter((learner) => learner.enrolled || learner.progress !== undefined);
  }

  async open(key: DeliveryKey, input: { binding: PassbackBinding; target: string; progress: Progress; now: number }): Promise<Delivery> {
    const { environmentId: env, activityId, userId, bindingKey } = key;
    const at = new Date(input.now).toISOString();
    const sk = keys.delivery(env, activityId, userId, bindingKey).sk;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const set = assignments(
      {
        ...keys.activityIndex(env, activityId, userId, sk),
        kind: 'delivery',
        environmentId: env,
        activityId,
        userId,
        bindingKey,
        version: input.binding.version,
        target: input.target,
        state: 'pending' satisfies DeliveryState,
        attempts: 0,
        progress: { status: input.progress.status, score: input.progress.score },
        updatedAt: at,
      },
      names,
      values,
    );
    names['#createdAt'] = 'createdAt';
    names['#sequence'] = 'sequence';
    names['#lastError'] = 'lastError';
    names['#deliveredAt'] = 'deliveredAt';
    values[':one'] = 1;
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.delivery(env, activityId, userId, bindingKey),
        UpdateExpression: `SET ${set.join(', ')}, #createdAt = if_not_exists(#createdAt, :updatedAt) ADD #sequence :one REMOVE #lastError, #deliveredAt`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return record<Delivery>(Attributes)!;
  }

  async load(key: DeliveryKey): Promise<DeliveryContext> {
    const { environmentId: env, activityId, userId, bindingKey } = key;
    const wanted = [
      keys.delivery(env, activityId, userId, bindingKey),
      keys.binding(env, activityId, userId, bindingKey),
      keys.learner(env, activityId, userId, 'PROGRESS'),
      keys.activity(env, activityId),
    ];
    const [delivery, binding, progress, activity] = await batchGetAll(this.db, this.table, wanted);
    return {
      delivery: record<Delivery>(delivery),
      binding: binding?.binding as PassbackBinding | undefined,
      progress: record<Progress>(progress),
      activity: record<Activity>(activity),
    };
  }

  async record(
    message: PassbackMessage,
    result: { state: DeliveryState; lastError?: string; target: string; now: number },
  ): Promise<boolean> {
    const at = new Date(result.now).toISOString();
    return this.updatePending(
      message,
      {
        state: result.state,
        attempts: message.attempt + 1,
        target: result.target,
        updatedAt: at,
        ...(result.lastError !== undefined ? { lastError: result.lastError } : {}),
        ...(result.state === 'delivered' ? { deliveredAt: at } : {}),
      },
      result.lastError === undefined,
    );
  }

  async abandon(message: PassbackMessage, result: { lastError: string; now: number }): Promise<boolean> {
    return this.updatePending(
      message,
      { state: 'failed' satisfies DeliveryState, lastError: result.lastError, updatedAt: new Date(result.now).toISOString() },
      false,
    );
  }

  /**
   * Local recovery only, scans the table: every delivery still `pending` that was last updated
   * before `before` (epoch ms). Local mode's in-process queue loses its messages when the server
   * stops; on the next start it asks this for the deliveries to queue again (`../academy/passback/recovery.ts`).
   * A Scan reads the whole table, which is fine for the embedded store and never done on AWS,
   * where SQS keeps the messages and the dead-letter queue's consumer settles the rest.
   */
  async scanPendingDeliveriesForLocalRecovery(before: number): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: '#kind = :delivery AND #state = :pending AND #updatedAt < :before',
          ExpressionAttributeNames: { '#kind': 'kind', '#state': 'state', '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: {
            ':delivery': 'delivery',
            ':pending': 'pending' satisfies DeliveryState,
            ':before': new Date(before).toISOString(),
          },
          ExclusiveStartKey: startKey,
        }),
      );
      deliveries.push(...(page.Items ?? []).map((item) => record<Delivery>(item)!));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return deliveries;
  }

  /**
   * One conditional update of the delivery `message` names, while it is still `pending` at the
   * message's sequence and attempt count; false when it is not.
   */
  private async updatePending(
    message: PassbackMessage,
    values: Readonly<Record<string, unknown>>,
    removeLastError: boolean,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#sequence': 'sequence' };
    const bound: Record<string, unknown> = {
      ':pending': 'pending',
      ':expectedSequence': message.sequence,
      ':expectedAttempts': message.attempt,
    };
    let update = `SET ${assignments(values, names, bound).join(', ')}`;
    names['#state'] = 'state';
    names['#attempts'] = 'attempts';
    if (removeLastError) {
      names['#lastError'] = 'lastError';
      update += ' REMOVE #lastError';
    }
    try {
      await conditional(
        () =>
          this.db.send(
            new UpdateCommand({
              TableName: this.table,
              Key: keys.delivery(message.environmentId, message.activityId, message.userId, message.bindingKey),
              UpdateExpression: update,
              ConditionExpression: '#state = :pending AND #sequence = :expectedSequence AND #attempts = :expectedAttempts',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: bound,
            }),
          ),
        'the delivery was reopened or already recorded',
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }
}
