/**
 * Helpers every DynamoDB store shares: reading a record out of an item, and turning a lost
 * condition into the domain's `ConditionFailedError`.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
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
