/**
 * What every environment-scoped admin record (activity, LTI 1.3 platform, LTI 1.3 tool) does in
 * the `data` table: one item per record in its environment's partition, listed by a Query on the
 * sort-key prefix, created only if absent, replaced only if unchanged since it was read (optimistic
 * concurrency on `updatedAt`), and deleted answering what was removed.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../ports';
import { conditional, record } from './dynamo-items';
import { readPage } from './dynamo-paging';

type Item = Record<string, unknown>;

export interface EnvironmentRecord {
  readonly environmentId: string;
  readonly id: string;
  readonly updatedAt: string;
}

export class EnvironmentRecords<T extends EnvironmentRecord> {
  /**
   * @param kind the item's `kind` attribute and the name in error messages (`activity`, `tool`)
   * @param key the record's key, from `./keys.ts`; every record of an environment shares the
   *   partition key, and its sort key starts with the same prefix
   */
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly kind: string,
    private readonly key: (environmentId: string, id: string) => { pk: string; sk: string },
  ) {}

  async get(environmentId: string, id: string): Promise<T | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: this.key(environmentId, id) }));
    return record<T>(Item);
  }

  /** One page of the environment's records, in id order. */
  async page(environmentId: string, request: PageRequest): Promise<Page<T>> {
    const { pk, sk: prefix } = this.key(environmentId, '');
    const page = await readPage(this.db, { table: this.table, partition: pk, prefix }, request);
    return { items: page.items.map((item) => record<T>(item)!), ...(page.next ? { next: page.next } : {}) };
  }

  async list(environmentId: string): Promise<T[]> {
    const { pk, sk: prefix } = this.key(environmentId, '');
    const found: T[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) found.push(record<T>(item)!);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  /** Creates; throws `ConditionFailedError` if the id exists. */
  async create(value: T): Promise<void> {
    await conditional(
      () =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...this.key(value.environmentId, value.id), kind: this.kind, ...value },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      `${this.kind} already exists`,
    );
  }

  /** Replaces; throws `ConditionFailedError` unless the stored `updatedAt` is `expectedUpdatedAt`. */
  async replace(value: T, expectedUpdatedAt: string): Promise<void> {
    await conditional(
      () =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...this.key(value.environmentId, value.id), kind: this.kind, ...value },
            ConditionExpression: 'updatedAt = :expected',
            ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
          }),
        ),
      `${this.kind} was changed or removed concurrently`,
    );
  }

  /** Deletes; answers the removed record, or undefined when there was none. */
  async delete(environmentId: string, id: string): Promise<T | undefined> {
    const { Attributes } = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: this.key(environmentId, id), ReturnValues: 'ALL_OLD' }),
    );
    return record<T>(Attributes);
  }
}
