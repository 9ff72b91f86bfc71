/** Access tokens issued to LTI 1.3 tools, in the `ephemeral` table under their hash (keys in `./keys.ts`). */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccessTokenGrant, AccessTokenStore } from '../ports';
import { keys } from './keys';

export class DynamoAccessTokenStore implements AccessTokenStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async save(tokenHash: string, grant: AccessTokenGrant): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.accessToken(tokenHash), kind: 'access-token', grant, expiresAt: grant.expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async find(tokenHash: string, now: number): Promise<AccessTokenGrant | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.accessToken(tokenHash) }));
    if (!Item || typeof Item.expiresAt !== 'number' || Item.expiresAt <= Math.floor(now / 1000)) return undefined;
    return Item.grant as AccessTokenGrant;
  }
}
