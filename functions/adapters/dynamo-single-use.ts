/**
 * The single-use store (`../ports/single-use.ts`) in the `ephemeral` table: every nonce, OIDC state,
 * launch ticket, single sign-on code and pending login, each operation one request (STYLE.md
 * principle 5, as Powertools idempotency's `_putRecord`).
 *
 * An item is `{pk, sk, kind, expiresAt, value}`: the key by kind from `./keys.ts` (the keys used
 * before this store, so a nonce used before a deployment is still a replay after it), `expiresAt`
 * in epoch seconds (the table's TTL attribute), and the kind's value as one map. Each condition
 * holds an item whose `expiresAt` has passed for absent, because DynamoDB's TTL deletes lazily and
 * dynalite never does: unexpired means `expiresAt > now`, in `create`, `find` and `consume` alike.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError } from '../errors';
import type { SingleUseKind, SingleUseMatch, SingleUseStore, SingleUseValues } from '../ports';
import { conditional } from './dynamo-items';
import { keys } from './keys';

type Key = { pk: string; sk: string };

const addresses: { readonly [K in SingleUseKind]: (scope: string, key: string) => Key } = {
  nonce: keys.once,
  'oidc-state': keys.oidcState,
  'launch-ticket': keys.ticket,
  'sso-code': keys.sso,
  'pending-login': keys.pendingLogin,
  'deep-linking-picker': keys.deepLinkingPicker,
  'registration-link': keys.registrationLink,
  'registration-token': keys.registrationToken,
};

const seconds = (now: number) => Math.floor(now / 1000);

/**
 * The item `create` writes, for a write that cannot go through the store: a launch's BatchWriteItem
 * writes its sign-on code with the enrollment in one round trip (`./dynamo-launch.ts`).
 */
export function singleUseItem<K extends SingleUseKind>(
  kind: K,
  scope: string,
  key: string,
  value: SingleUseValues[K],
  expiresAt: number,
): Record<string, unknown> {
  return { ...addresses[kind](scope, key), kind, expiresAt, value };
}

export class DynamoSingleUseStore implements SingleUseStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create<K extends SingleUseKind>(
    kind: K,
    scope: string,
    key: string,
    value: SingleUseValues[K],
    expiresAt: number,
    now: number,
  ): Promise<void> {
    await conditional(
      () =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: singleUseItem(kind, scope, key, value, expiresAt),
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
            ExpressionAttributeValues: { ':now': seconds(now) },
          }),
        ),
      `an unexpired ${kind} has this key`,
    );
  }

  async find<K extends SingleUseKind>(kind: K, scope: string, key: string, now: number): Promise<SingleUseValues[K] | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: addresses[kind](scope, key), ConsistentRead: true }));
    if (!Item || typeof Item.expiresAt !== 'number' || Item.expiresAt <= seconds(now)) return undefined;
    return Item.value as SingleUseValues[K] | undefined;
  }

  async consume<K extends SingleUseKind>(
    kind: K,
    scope: string,
    key: string,
    now: number,
    match: SingleUseMatch<SingleUseValues[K]> = {},
  ): Promise<SingleUseValues[K] | undefined> {
    const fields = Object.entries(match).filter(([, wanted]) => wanted !== undefined);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': seconds(now) };
    const conditions = ['expiresAt > :now'];
    fields.forEach(([field, wanted], i) => {
      names['#value'] = 'value';
      names[`#f${i}`] = field;
      values[`:f${i}`] = wanted;
      conditions.push(`#value.#f${i} = :f${i}`);
    });
    try {
      const { Attributes } = await conditional(
        () =>
          this.db.send(
            new DeleteCommand({
              TableName: this.table,
              Key: addresses[kind](scope, key),
              ConditionExpression: conditions.join(' AND '),
              ...(fields.length > 0 ? { ExpressionAttributeNames: names } : {}),
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_OLD',
            }),
          ),
        `${kind} unknown, used, expired or changed`,
      );
      return Attributes?.value as SingleUseValues[K] | undefined;
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }

  async useOnce(scope: string, value: string, expiresAt: number, now: number): Promise<boolean> {
    try {
      await this.create('nonce', scope, value, {}, expiresAt, now);
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }
}
