/**
 * The academy's Assignment and Grade Services records in the `data` table (keys in `./keys.ts`): an
 * activity's line items in one partition, and each line item's results in a partition of their
 * own, so that both list in key order and page with a key condition. A score or a learner's result
 * also reads whether the tool launched the learner (the learner's `LAUNCHED#{tool}` item, which
 * `./dynamo-platform.ts` writes at each launch), in the same BatchGetItem as the line item.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError } from '../errors';
import type { AgsResult, AgsStore, LaunchedLearner, LearnerOnLineItem, LineItem, Page } from '../ports';
import { conditional, record } from './dynamo-items';
import { batchGetAll, batchWriteAll } from './dynamo-batch';
import { keys } from './keys';
import { queryPage, rangeQuery } from './dynamo-paging';

type Item = Record<string, unknown>;

const lineItemPrefix = 'LINEITEM#';
const resultPrefix = 'RESULT#';
/** The implicit line item's stored part is read by id, never listed (the service lists it first). */
const defaultLineItemId = 'default';

export class DynamoAgsStore implements AgsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getLineItem(environmentId: string, activityId: string, id: string): Promise<LineItem | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.lineItem(environmentId, activityId, id) }));
    return record<LineItem>(Item);
  }

  async listLineItems(
    environmentId: string,
    activityId: string,
    query: { limit: number; after?: string; resourceLinkId?: string; resourceId?: string; tag?: string },
  ): Promise<Page<LineItem>> {
    // A filter cannot name a key attribute: the stored `default` is left out by its `id`.
    const names: Record<string, string> = { '#id': 'id' };
    const values: Record<string, unknown> = { ':default': defaultLineItemId };
    const filters = ['#id <> :default'];
    for (const [field, value] of [
      ['resourceLinkId', query.resourceLinkId],
      ['resourceId', query.resourceId],
      ['tag', query.tag],
    ] as const) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      filters.push(`#${field} = :${field}`);
    }
    const { pk } = keys.lineItem(environmentId, activityId, '');
    const range = this.range(pk, lineItemPrefix, query.after);
    const page = await this.page(
      {
        ...range,
        FilterExpression: filters.join(' AND '),
        ExpressionAttributeNames: { ...range.ExpressionAttributeNames, ...names },
        ExpressionAttributeValues: { ...range.ExpressionAttributeValues, ...values },
      },
      query.limit,
    );
    return { items: page.items.map((item) => record<LineItem>(item)!), ...(page.next ? { next: page.next } : {}) };
  }

  async createLineItem(item: LineItem): Promise<void> {
    await conditional(
      () =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...keys.lineItem(item.environmentId, item.activityId, item.id), kind: 'lineitem', ...item },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      'the line item exists',
    );
  }

  async replaceLineItem(item: LineItem, options: { upsert?: boolean } = {}): Promise<boolean> {
    try {
      await conditional(
        () =>
          this.db.send(
            new PutCommand({
              TableName: this.table,
              Item: { ...keys.lineItem(item.environmentId, item.activityId, item.id), kind: 'lineitem', ...item },
              ...(options.upsert ? {} : { ConditionExpression: 'attribute_exists(pk)' }),
            }),
          ),
        'the line item does not exist',
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  async deleteLineItem(environmentId: string, activityId: string, id: string): Promise<boolean> {
    const { Attributes } = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: keys.lineItem(environmentId, activityId, id), ReturnValues: 'ALL_OLD' }),
    );
    // The results go after the line item: once it is gone nothing reaches them, and ids are never reused.
    const { pk } = keys.agsResult(environmentId, activityId, id, '');
    let startKey: Item | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk',
          Limit: 25,
          ExclusiveStartKey: startKey,
        }),
      );
      const deletes = ((page.Items ?? []) as { pk: string; sk: string }[]).map((item) => ({
        DeleteRequest: { Key: { pk: item.pk, sk: item.sk } },
      }));
      await batchWriteAll(this.db, { [this.table]: deletes });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return Attributes !== undefined;
  }

  async getLearnerOnLineItem(
    learner: LaunchedLearner,
    lineItemId: string,
    options: { withResult?: boolean } = {},
  ): Promise<LearnerOnLineItem> {
    const { environmentId, activityId, userId, toolId } = learner;
    const wanted = [
      keys.lineItem(environmentId, activityId, lineItemId),
      keys.launched(environmentId, activityId, userId, toolId),
      ...(options.withResult ? [keys.agsResult(environmentId, activityId, lineItemId, userId)] : []),
    ];
    const [lineItem, launched, result] = await batchGetAll(this.db, this.table, wanted, { consistent: true });
    return {
      ...(lineItem ? { lineItem: record<LineItem>(lineItem)! } : {}),
      launched: launched !== undefined,
      ...(result ? { result: record<AgsResult>(result)! } : {}),
    };
  }

  async listResults(
    environmentId: string,
    activityId: string,
    lineItemId: string,
    query: { limit: number; after?: string },
  ): Promise<Page<AgsResult>> {
    const { pk } = keys.agsResult(environmentId, activityId, lineItemId, '');
    const page = await this.page(this.range(pk, resultPrefix, query.after), query.limit);
    return { items: page.items.map((item) => record<AgsResult>(item)!), ...(page.next ? { next: page.next } : {}) };
  }

  async putResult(result: AgsResult): Promise<boolean> {
    try {
      await conditional(
        () =>
          this.db.send(
            new PutCommand({
              TableName: this.table,
              Item: {
                ...keys.agsResult(result.environmentId, result.activityId, result.lineItemId, result.userId),
                kind: 'ags-result',
                ...result,
              },
              ConditionExpression: 'attribute_not_exists(pk) OR #timestamp <= :timestamp',
              ExpressionAttributeNames: { '#timestamp': 'timestamp' },
              ExpressionAttributeValues: { ':timestamp': result.timestamp },
            }),
          ),
        'a later score is recorded',
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  private range(partition: string, prefix: string, after: string | undefined): QueryCommandInput {
    return rangeQuery({ table: this.table, partition, prefix }, after);
  }

  /** `next` is the last item's id (its sort key after the `LINEITEM#`/`RESULT#` prefix). */
  private page(input: QueryCommandInput, limit: number): Promise<{ items: Item[]; next?: string }> {
    return queryPage(this.db, input, limit, (item) => String(item.sk).slice(String(item.sk).indexOf('#') + 1));
  }
}
