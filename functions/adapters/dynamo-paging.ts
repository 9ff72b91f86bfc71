/**
 * Paging through one partition's items whose sort key starts with a prefix, a page at a time: a
 * Query with a `Limit`, never the whole partition and never a Scan. The cursor is the last item's
 * sort key after the prefix (its id), so a page starts after it whatever was added or removed
 * meanwhile: a listing that goes on while records change never repeats an item and never skips one
 * that was there throughout.
 */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/** Where a page is read: a partition (of the table or of an index) and the sort key prefix of its items. */
export interface PageRange {
  readonly table: string;
  readonly index?: { readonly name: string; readonly partitionKey: string; readonly sortKey: string };
  readonly partition: string;
  readonly prefix: string;
}

/** A key condition for the range's items after the cursor (an id), or from its start. */
export function rangeQuery(range: PageRange, after: string | undefined): QueryCommandInput {
  const pk = range.index?.partitionKey ?? 'pk';
  const sk = range.index?.sortKey ?? 'sk';
  const names = { '#pk': pk, '#sk': sk };
  return after === undefined
    ? {
        TableName: range.table,
        ...(range.index ? { IndexName: range.index.name } : {}),
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':pk': range.partition, ':prefix': range.prefix },
      }
    : {
        TableName: range.table,
        ...(range.index ? { IndexName: range.index.name } : {}),
        // Every sort key of the range starts with `prefix`; U+FFFF sorts after every id character.
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':pk': range.partition, ':from': `${range.prefix}${after}\u0000`, ':to': `${range.prefix}\uffff` },
      };
}

/**
 * Queries until `limit` matching items are found and one more shows that others follow (a filter
 * applies after DynamoDB's own `Limit`, so a query page may hold fewer). `next` is the last item's
 * sort key less `prefix`.
 */
export async function queryPage(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
  limit: number,
  sortKeyOf: (item: Item) => string,
): Promise<{ items: Item[]; next?: string }> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const answer = await db.send(new QueryCommand({ ...input, Limit: limit + 1, ExclusiveStartKey: startKey }));
    items.push(...(answer.Items ?? []));
    startKey = answer.LastEvaluatedKey;
  } while (startKey && items.length <= limit);
  if (items.length <= limit) return { items };
  const kept = items.slice(0, limit);
  return { items: kept, next: sortKeyOf(kept[kept.length - 1]!) };
}

/** One page of a range's items, read with `rangeQuery` and `queryPage`. */
export async function readPage(
  db: DynamoDBDocumentClient,
  range: PageRange,
  request: { readonly limit: number; readonly after?: string },
): Promise<{ items: Item[]; next?: string }> {
  const sortKey = range.index?.sortKey ?? 'sk';
  return queryPage(db, rangeQuery(range, request.after), request.limit, (item) => String(item[sortKey]).slice(range.prefix.length));
}
