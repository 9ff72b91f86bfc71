/**
 * DynamoDB stores for the academy's records, all in the `data` table (see `functions/tables.ts`).
 *
 * The key of every item is in `./keys.ts`.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError } from '../errors';
import type { Activity, Environment, ExternalId, User } from '../academy/model';
import { batchGetAll, batchWriteAll } from './dynamo-batch';
import { conditional, record } from './dynamo-items';
import { EnvironmentRecords } from './dynamo-records';
import { keys } from './keys';
import type { ActivityStore, EnvironmentStore, Page, PageRequest, UserStore } from '../ports';
import { readPage } from './dynamo-paging';

type Item = Record<string, unknown>;

/** Conditional claims, and batch writes, sent at once by `createLinked`. */
const claimConcurrency = 16;

export class DynamoEnvironmentStore implements EnvironmentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(id: string): Promise<Environment | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.environment(id) }));
    return record<Environment>(Item);
  }

  async put(environment: Environment): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { ...keys.environment(environment.id), kind: 'environment', ...environment } }),
    );
  }
}

export class DynamoActivityStore implements ActivityStore {
  private readonly records: EnvironmentRecords<Activity>;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.records = new EnvironmentRecords(db, table, 'activity', keys.activity);
  }

  get(environmentId: string, id: string): Promise<Activity | undefined> {
    return this.records.get(environmentId, id);
  }

  list(environmentId: string): Promise<Activity[]> {
    return this.records.list(environmentId);
  }

  page(environmentId: string, request: PageRequest): Promise<Page<Activity>> {
    return this.records.page(environmentId, request);
  }

  create(activity: Activity): Promise<void> {
    return this.records.create(activity);
  }

  replace(activity: Activity, expectedUpdatedAt: string): Promise<void> {
    return this.records.replace(activity, expectedUpdatedAt);
  }

  async delete(environmentId: string, id: string): Promise<boolean> {
    return (await this.records.delete(environmentId, id)) !== undefined;
  }
}

export class DynamoUserStore implements UserStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(environmentId: string, id: string): Promise<User | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.user(environmentId, id) }));
    return record<User>(Item);
  }

  async page(environmentId: string, request: PageRequest): Promise<Page<User>> {
    const { gsi1pk } = keys.userIndex(environmentId, '');
    const range = {
      table: this.table,
      index: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
      partition: gsi1pk,
      prefix: 'USER#',
    };
    const page = await readPage(this.db, range, request);
    // The index holds the whole user (it projects every attribute): no read of each one.
    return { items: page.items.map((item) => record<User>(item)!), ...(page.next ? { next: page.next } : {}) };
  }

  async findByEmail(environmentId: string, email: string): Promise<User | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.email(environmentId, email) }));
    if (!Item) return undefined;
    return this.get(environmentId, Item.userId as string);
  }

  async save(user: User, previous: User | undefined): Promise<void> {
    const env = user.environmentId;
    const emailChanged = !previous || previous.email.toLowerCase() !== user.email.toLowerCase();
    // Release the claim on failure only if this call made it: a concurrent creation of the same
    // user id may share it.
    const claimedHere = emailChanged && (await this.claimEmail(env, user.email, user.id));
    try {
      await conditional(
        () =>
          this.db.send(
            new PutCommand({
              TableName: this.table,
              Item: { ...keys.user(env, user.id), ...keys.userIndex(env, user.id), kind: 'user', ...user },
              ...(previous
                ? { ConditionExpression: 'updatedAt = :expected', ExpressionAttributeValues: { ':expected': previous.updatedAt } }
                : { ConditionExpression: 'attribute_not_exists(pk)' }),
            }),
          ),
        'user was changed concurrently',
      );
    } catch (error) {
      // A creation that lost to a concurrent creation of the same id and email (launches derive the
      // id from the email) made the claim the winner relies on: keep it.
      const winnerOwnsClaim = async () =>
        !previous &&
        error instanceof ConditionFailedError &&
        (await this.get(env, user.id))?.email.toLowerCase() === user.email.toLowerCase();
      if (claimedHere && !(await winnerOwnsClaim())) await this.releaseEmail(env, user.email, user.id);
      throw error;
    }
    if (emailChanged && previous) await this.releaseEmail(env, previous.email, user.id);
  }

  async claimedEmails(environmentId: string, emails: readonly string[]): Promise<Set<string>> {
    const found = await batchGetAll(
      this.db,
      this.table,
      emails.map((email) => keys.email(environmentId, email)),
    );
    const claimed = new Set<string>();
    found.forEach((item, index) => item && claimed.add(emails[index]!));
    return claimed;
  }

  /**
   * Each email claimed by its own conditional write (a few at a time), as `save` claims it; then the
   * users and their external id items in BatchWriteItems of 25, unconditional as BatchWriteItem is:
   * their ids are new and random. Until a user is written its claim is younger than a minute, which
   * no one takes over; a batch that fails leaves claims without users, which `claimEmail` takes over
   * once they are older.
   */
  async createLinked(users: readonly { readonly user: User; readonly externalId: ExternalId }[]): Promise<{ emailTaken: User[] }> {
    const emailTaken: User[] = [];
    const claimed: { user: User; externalId: ExternalId }[] = [];
    let next = 0;
    const claimer = async () => {
      while (next < users.length) {
        const entry = users[next++]!;
        try {
          await conditional(
            () =>
              this.db.send(
                new PutCommand({
                  TableName: this.table,
                  Item: {
                    ...keys.email(entry.user.environmentId, entry.user.email),
                    kind: 'email',
                    userId: entry.user.id,
                    claimedAt: Date.now(),
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                }),
              ),
            'email taken',
            'email-taken',
          );
          claimed.push(entry);
        } catch (error) {
          if (!(error instanceof ConditionFailedError)) throw error;
          emailTaken.push(entry.user);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(claimConcurrency, users.length) }, claimer));
    const items = claimed.flatMap(({ user, externalId }) => [
      { ...keys.user(user.environmentId, user.id), kind: 'user', ...user },
      { ...keys.externalId(user.environmentId, externalId.key, externalId.userId), kind: 'external-id', userId: user.id },
    ]);
    const batches = Array.from({ length: Math.ceil(items.length / 24) }, (_, index) => items.slice(index * 24, index * 24 + 24));
    for (let at = 0; at < batches.length; at += claimConcurrency) {
      await Promise.all(
        batches
          .slice(at, at + claimConcurrency)
          .map((batch) => batchWriteAll(this.db, { [this.table]: batch.map((Item) => ({ PutRequest: { Item } })) })),
      );
    }
    return { emailTaken };
  }

  /**
   * Claims an email for a user with one conditional write. A claim whose user no longer exists (a
   * crash between the two writes of `save`) is taken over, again conditionally.
   */
  private async claimEmail(env: string, email: string, userId: string): Promise<boolean> {
    const put = (condition: string, values: Item) =>
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.email(env, email), kind: 'email', userId, claimedAt: Date.now() },
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
    try {
      const { Attributes } = await conditional(
        () => put('attribute_not_exists(pk) OR userId = :me', { ':me': userId }),
        'email taken',
        'email-taken',
      );
      return Attributes === undefined;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.email(env, email) }));
      const owner = Item?.userId as string | undefined;
      // A claim younger than a minute may belong to a creation still under way: never take it over.
      const recent = typeof Item?.claimedAt === 'number' && Item.claimedAt > Date.now() - 60_000;
      if (recent || (owner && (await this.get(env, owner)))) {
        throw new ConditionFailedError('email belongs to another user', 'email-taken');
      }
      await conditional(() => put('userId = :stale', { ':stale': owner }), 'email belongs to another user', 'email-taken');
      return true;
    }
  }

  private async releaseEmail(env: string, email: string, userId: string): Promise<void> {
    await conditional(
      () =>
        this.db.send(
          new DeleteCommand({
            TableName: this.table,
            Key: keys.email(env, email),
            ConditionExpression: 'userId = :me',
            ExpressionAttributeValues: { ':me': userId },
          }),
        ),
      'email claim belongs to another user',
    ).catch((error: unknown) => {
      if (!(error instanceof ConditionFailedError)) throw error;
    });
  }
}
