/**
 * Helpers every DynamoDB store shares: reading a record out of an item, and turning a lost
 * condition into the domain's `ConditionFailedError`.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError } from '../errors';

type Item = Record<string, unknown>;

const keyAttributes = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'kind'];

/** Strips the storage attributes from an item. */
export function record<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const copy: Item = { ...item };
  for (const name of keyAttributes) delete copy[name];
  return copy as T;
}

/** Runs a conditional write, turning a lost condition into the domain's `ConditionFailedError`. */
export async function conditional<T>(write: () => Promise<T>, message: string, reason?: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
      throw new ConditionFailedError(message, reason);
    }
    throw error;
  }
}

/**
 * Consumes a single-use item of the `ephemeral` table (a code, a ticket, an OIDC state) with one
 * conditional delete, and answers it; undefined when it is unknown, already used or expired (an
 * expired item counts as absent: DynamoDB's TTL deletes lazily, and dynalite never does).
 */
export async function consumeOnce(
  db: DynamoDBDocumentClient,
  table: string,
  key: { pk: string; sk: string },
  now: number,
): Promise<Item | undefined> {
  try {
    const { Attributes } = await conditional(
      () =>
        db.send(
          new DeleteCommand({
            TableName: table,
            Key: key,
            ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
            ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      'unknown, used or expired',
    );
    return Attributes;
  } catch (error) {
    if (error instanceof ConditionFailedError) return undefined;
    throw error;
  }
}
