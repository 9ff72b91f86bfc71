/**
 * The academy as LTI 1.3 platform in DynamoDB (keys in `./keys.ts`): tool registrations in the
 * `data` table, one item each (the tool's id is its client id, so the authorization and token
 * endpoints find it with one GetItem), and pending OIDC logins in the `ephemeral` table, consumed
 * by one conditional delete.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Tool } from '../academy/model';
import { ConditionFailedError } from '../errors';
import type { PendingLogin, PendingLoginStore, ToolStore } from '../ports';
import { conditional, record } from './dynamo-items';
import { EnvironmentRecords } from './dynamo-records';
import { keys } from './keys';

export class DynamoToolStore implements ToolStore {
  private readonly records: EnvironmentRecords<Tool>;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.records = new EnvironmentRecords(db, table, 'tool', keys.tool);
  }

  get(environmentId: string, id: string): Promise<Tool | undefined> {
    return this.records.get(environmentId, id);
  }

  list(environmentId: string): Promise<Tool[]> {
    return this.records.list(environmentId);
  }

  create(tool: Tool): Promise<void> {
    return this.records.create(tool);
  }

  replace(tool: Tool, expectedUpdatedAt: string): Promise<void> {
    return this.records.replace(tool, expectedUpdatedAt);
  }

  async delete(environmentId: string, id: string): Promise<boolean> {
    return (await this.records.delete(environmentId, id)) !== undefined;
  }
}

export class DynamoPendingLoginStore implements PendingLoginStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async save(loginHintHash: string, login: PendingLogin): Promise<void> {
    await conditional(
      () =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...keys.pendingLogin(login.environmentId, loginHintHash), kind: 'pending-login', ...login },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      'a pending login with this hint exists',
    );
  }

  async find(environmentId: string, loginHintHash: string, now: number): Promise<PendingLogin | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.pendingLogin(environmentId, loginHintHash), ConsistentRead: true }),
    );
    // An expired item counts as absent: DynamoDB's TTL deletes lazily, and dynalite never does.
    if (!Item || typeof Item.expiresAt !== 'number' || Item.expiresAt <= Math.floor(now / 1000)) return undefined;
    return record<PendingLogin>(Item);
  }

  async consume(
    environmentId: string,
    loginHintHash: string,
    binding: { readonly messageHintHash: string; readonly browserHash: string },
    now: number,
  ): Promise<boolean> {
    try {
      await conditional(
        () =>
          this.db.send(
            new DeleteCommand({
              TableName: this.table,
              Key: keys.pendingLogin(environmentId, loginHintHash),
              ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now AND messageHintHash = :message AND browserHash = :browser',
              ExpressionAttributeValues: {
                ':now': Math.floor(now / 1000),
                ':message': binding.messageHintHash,
                ':browser': binding.browserHash,
              },
            }),
          ),
        'pending login unknown, used or expired',
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }
}
