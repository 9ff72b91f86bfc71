/**
 * The academy as LTI 1.3 platform in DynamoDB (keys in `./keys.ts`): tool registrations in the
 * `data` table, one item each (the tool's id is its client id, so the authorization and token
 * endpoints find it with one GetItem). Pending OIDC logins are in the single-use store.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Tool } from '../academy/model';
import type { Page, PageRequest, ToolStore } from '../ports';
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

  page(environmentId: string, request: PageRequest): Promise<Page<Tool>> {
    return this.records.page(environmentId, request);
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
