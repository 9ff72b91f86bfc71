/**
 * The academy as LTI 1.3 platform in DynamoDB (keys in `./keys.ts`): tool registrations in the
 * `data` table, one item each (the tool's id is its client id, so the authorization and token
 * endpoints find it with one GetItem), and pending OIDC logins in the `ephemeral` table, consumed
 * by one conditional delete.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Tool } from '../academy/model';
import { ConditionFailedError } from '../errors';
import type { PendingLogin, PendingLoginStore, ToolStore } from '../ports';
import { conditional, record } from './dynamo-academy';
import { keys } from './keys';

type Item = Record<string, unknown>;

export class DynamoToolStore implements ToolStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(environmentId: string, id: string): Promise<Tool | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.tool(environmentId, id) }));
    return record<Tool>(Item);
  }

  async list(environmentId: string): Promise<Tool[]> {
    const tools: Tool[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.environment(environmentId).pk, ':prefix': 'TOOL#' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) tools.push(record<Tool>(item)!);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return tools;
  }

  async create(tool: Tool): Promise<void> {
    await conditional(
      () =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...keys.tool(tool.environmentId, tool.id), kind: 'tool', ...tool },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      'tool already exists',
    );
  }

  async replace(tool: Tool, expectedUpdatedAt: string): Promise<void> {
    await conditional(
      () =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...keys.tool(tool.environmentId, tool.id), kind: 'tool', ...tool },
            ConditionExpression: 'updatedAt = :expected',
            ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
          }),
        ),
      'tool was changed or removed concurrently',
    );
  }

  async delete(environmentId: string, id: string): Promise<boolean> {
    const { Attributes } = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: keys.tool(environmentId, id), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
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
