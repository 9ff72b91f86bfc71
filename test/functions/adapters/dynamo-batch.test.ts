/**
 * BatchGetItem / BatchWriteItem until all is processed (`functions/adapters/dynamo-batch.ts`).
 * dynalite never throttles, so a scripted client plays DynamoDB leaving keys and items unprocessed;
 * the happy path runs against dynalite in every integration test (launches, outcomes, AGS).
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, batchTries, batchWriteAll, type WriteRequests } from '../../../functions/adapters/dynamo-batch';

type Key = { pk: string; sk: string };
const key = (n: number): Key => ({ pk: `P#${n}`, sk: 'S' });

/** A client whose every answer is scripted; it records what it was sent. */
function scripted(answers: ((input: Record<string, unknown>) => Record<string, unknown>)[]) {
  const sent: { command: string; input: Record<string, unknown> }[] = [];
  const db = {
    send: async (command: BatchGetCommand | BatchWriteCommand) => {
      const input = command.input as unknown as Record<string, unknown>;
      sent.push({ command: command.constructor.name, input: structuredClone(input) });
      const answer = answers.shift();
      if (!answer) throw new Error('unexpected request');
      return answer(input);
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, sent };
}

beforeEach(() => jest.spyOn(Math, 'random').mockReturnValue(0));
afterEach(() => jest.restoreAllMocks());

describe('batchGetAll', () => {
  it('asks again for the unprocessed keys only, and answers every key in order (undefined when absent)', async () => {
    const { db, sent } = scripted([
      () => ({ Responses: { t: [{ ...key(3), v: 3 }] }, UnprocessedKeys: { t: { Keys: [key(1), key(2)] } } }),
      () => ({ Responses: { t: [] }, UnprocessedKeys: { t: { Keys: [key(1)] } } }),
      () => ({ Responses: { t: [{ ...key(1), v: 1 }] }, UnprocessedKeys: {} }),
    ]);
    const items = await batchGetAll(db, 't', [key(1), key(2), key(3)]);
    expect(items).toEqual([{ ...key(1), v: 1 }, undefined, { ...key(3), v: 3 }]);
    expect(sent.map((s) => s.command)).toEqual(['BatchGetCommand', 'BatchGetCommand', 'BatchGetCommand']);
    expect(sent.map((s) => (s.input.RequestItems as Record<string, { Keys: Key[] }>).t!.Keys)).toEqual([
      [key(1), key(2), key(3)],
      [key(1), key(2)],
      [key(1)],
    ]);
  });

  it(`gives up after ${batchTries} tries with an error naming the table`, async () => {
    const { db, sent } = scripted(Array.from({ length: batchTries }, () => () => ({ UnprocessedKeys: { data: { Keys: [key(1)] } } })));
    await expect(batchGetAll(db, 'data', [key(1)])).rejects.toThrow(
      `BatchGetItem left 1 keys of data unprocessed after ${batchTries} tries`,
    );
    expect(sent).toHaveLength(batchTries);
  });

  it('waits with exponential backoff and jitter between tries', async () => {
    jest.restoreAllMocks();
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const { db } = scripted([
      () => ({ UnprocessedKeys: { t: { Keys: [key(1)] } } }),
      () => ({ UnprocessedKeys: { t: { Keys: [key(1)] } } }),
      () => ({}),
    ]);
    const started = Date.now();
    await batchGetAll(db, 't', [key(1)]);
    // 0.5 × 25 ms × 2¹ + 0.5 × 25 ms × 2² = 75 ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
  });
});

describe('batchWriteAll', () => {
  const put = (n: number) => ({ PutRequest: { Item: { ...key(n), v: n } } });

  it('sends the unprocessed items again, of every table, until none is left', async () => {
    const { db, sent } = scripted([
      () => ({ UnprocessedItems: { a: [put(2)], b: [put(3)] } }),
      () => ({ UnprocessedItems: { a: [], b: [put(3)] } }),
      () => ({ UnprocessedItems: {} }),
    ]);
    await batchWriteAll(db, { a: [put(1), put(2)], b: [put(3)] } as WriteRequests);
    expect(sent.map((s) => s.input.RequestItems)).toEqual([
      { a: [put(1), put(2)], b: [put(3)] },
      { a: [put(2)], b: [put(3)] },
      { b: [put(3)] },
    ]);
  });

  it('sends nothing when there is nothing to write, and leaves out tables with no request', async () => {
    const { db, sent } = scripted([() => ({})]);
    await batchWriteAll(db, { a: [] });
    expect(sent).toHaveLength(0);
    await batchWriteAll(db, { a: [], b: [{ DeleteRequest: { Key: key(1) } }] });
    expect(sent.map((s) => s.input.RequestItems)).toEqual([{ b: [{ DeleteRequest: { Key: key(1) } }] }]);
  });

  it(`gives up after ${batchTries} tries`, async () => {
    const { db, sent } = scripted(Array.from({ length: batchTries }, () => () => ({ UnprocessedItems: { a: [put(1)] } })));
    await expect(batchWriteAll(db, { a: [put(1)] } as WriteRequests)).rejects.toThrow(
      `BatchWriteItem left items of a unprocessed after ${batchTries} tries`,
    );
    expect(sent).toHaveLength(batchTries);
  });
});
