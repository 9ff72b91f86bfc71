/**
 * BatchGetItem and BatchWriteItem until every key and item is processed. Under throttling DynamoDB
 * answers part of a batch and returns the rest as `UnprocessedKeys` / `UnprocessedItems`; AWS
 * advises sending those again with exponential backoff and jitter (DynamoDB Developer Guide,
 * "Batch operations"). The tries are bounded: a batch still unfinished after them throws, and the
 * request fails as a 500 instead of waiting on.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchGetCommandOutput,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;
type Key = { readonly pk: string; readonly sk: string };

/** The batch's requests, by table: puts and deletes (at most 25 in all). */
export type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>;

/** Tries in all, the first included. */
export const batchTries = 6;

/**
 * The wait before try `attempt` (1 or more): full jitter below 25 ms × 2^attempt, so at most about
 * 1.5 s over all tries. The jitter is not security-relevant, so `Math.random` will do.
 */
function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
}

/** BatchGetItem's largest request. */
const batchGetLimit = 100;

/**
 * Reads keys of one table, any number (sent 100 at a time, concurrently); answers each key's item
 * (or undefined), in the keys' order. `consistent` makes it a strongly consistent read (twice the
 * read capacity).
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  table: string,
  wanted: readonly Key[],
  options: { readonly consistent?: boolean } = {},
): Promise<(Item | undefined)[]> {
  if (wanted.length <= batchGetLimit) return batchGet(db, table, wanted, options);
  const chunks = Array.from({ length: Math.ceil(wanted.length / batchGetLimit) }, (_, index) =>
    wanted.slice(index * batchGetLimit, (index + 1) * batchGetLimit),
  );
  return (await Promise.all(chunks.map((chunk) => batchGet(db, table, chunk, options)))).flat();
}

/** Up to 100 keys in one BatchGetItem, retrying what DynamoDB leaves unprocessed. */
async function batchGet(
  db: DynamoDBDocumentClient,
  table: string,
  wanted: readonly Key[],
  options: { readonly consistent?: boolean } = {},
): Promise<(Item | undefined)[]> {
  const found: Item[] = [];
  // BatchGetItem refuses a request that names one key twice.
  let pending: Item[] = wanted.filter((key, index) => wanted.findIndex((other) => other.pk === key.pk && other.sk === key.sk) === index);
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= batchTries)
      throw new Error(`BatchGetItem left ${pending.length} keys of ${table} unprocessed after ${batchTries} tries`);
    if (attempt > 0) await backoff(attempt);
    const answer: BatchGetCommandOutput = await db.send(
      new BatchGetCommand({
        RequestItems: { [table]: { Keys: pending, ...(options.consistent ? { ConsistentRead: true } : {}) } },
      }),
    );
    found.push(...(answer.Responses?.[table] ?? []));
    pending = (answer.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
  }
  return wanted.map((key) => found.find((item) => item.pk === key.pk && item.sk === key.sk));
}

/** Writes every request of `requests` (tables with no request are left out; nothing to write sends nothing). */
export async function batchWriteAll(db: DynamoDBDocumentClient, requests: WriteRequests): Promise<void> {
  let pending = nonEmpty(requests);
  for (let attempt = 0; pending; attempt++) {
    if (attempt >= batchTries)
      throw new Error(`BatchWriteItem left items of ${Object.keys(pending).join(', ')} unprocessed after ${batchTries} tries`);
    if (attempt > 0) await backoff(attempt);
    const answer: BatchWriteCommandOutput = await db.send(new BatchWriteCommand({ RequestItems: pending }));
    pending = nonEmpty(answer.UnprocessedItems ?? {});
  }
}

function nonEmpty(requests: WriteRequests): WriteRequests | undefined {
  const kept = Object.entries(requests).filter(([, list]) => list.length > 0);
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}
