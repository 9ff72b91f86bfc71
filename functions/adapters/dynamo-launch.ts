/**
 * What an LTI launch into the academy reads and writes, shaped so that a returning learner's launch
 * costs three DynamoDB requests: one BatchGetItem (environment, activity, external id), the nonce's
 * conditional write (the single-use store), and one BatchWriteItem (enrollment, binding, roster
 * source, single sign-on code).
 */
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExternalId } from '../academy/identity';
import type { Activity, Environment } from '../academy/model';
import { bindingKey, type LaunchPrefetch, type LaunchStore, type PassbackBinding, type RosterSource, type SsoGrant } from '../ports';
import { record } from './dynamo-items';
import { batchGetAll, batchWriteAll } from './dynamo-batch';
import { singleUseItem } from './dynamo-single-use';
import { keys } from './keys';

type Item = Record<string, unknown>;

function indexValues(environmentId: string, userId: string): Record<string, string> {
  const { gsi1pk, gsi1sk } = keys.userIndex(environmentId, userId);
  return { ':gpk': gsi1pk, ':gsk': gsi1sk };
}

export class DynamoLaunchStore implements LaunchStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { readonly data: string; readonly ephemeral: string },
  ) {}

  async prefetch(environmentId: string, activityId: string, externalIds: readonly ExternalId[]): Promise<LaunchPrefetch> {
    const wanted = [
      keys.environment(environmentId),
      keys.activity(environmentId, activityId),
      ...externalIds.map((id) => keys.externalId(environmentId, id.key, id.userId)),
    ];
    const [environment, activity, ...external] = await batchGetAll(this.db, this.tables.data, wanted);
    return {
      environment: record<Environment>(environment),
      activity: record<Activity>(activity),
      knownUserIds: external.map((item) => item?.userId as string | undefined),
    };
  }

  async linkExternalId(environmentId: string, userId: string, { key: externalKey, userId: externalUserId }: ExternalId): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tables.data,
        Item: { ...keys.externalId(environmentId, externalKey, externalUserId), kind: 'external-id', userId },
      }),
    );
    await this.db.send(
      new UpdateCommand({
        TableName: this.tables.data,
        Key: keys.user(environmentId, userId),
        // Moving `updatedAt` makes an admin PUT that read the user before this link retry (409)
        // instead of silently dropping the external id.
        // Users saved before the users index existed join it here (`keys.userIndex`), as they launch.
        UpdateExpression:
          'SET externalIds.#k = :v, updatedAt = :now, gsi1pk = if_not_exists(gsi1pk, :gpk), gsi1sk = if_not_exists(gsi1sk, :gsk)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#k': externalKey },
        ExpressionAttributeValues: { ':v': externalUserId, ':now': new Date().toISOString(), ...indexValues(environmentId, userId) },
      }),
    );
  }

  async recordLaunch(input: {
    grant: SsoGrant;
    binding?: PassbackBinding;
    rosterSource?: RosterSource;
    codeHash: string;
    expiresAt: number;
    now: number;
  }): Promise<void> {
    const { grant, binding, rosterSource } = input;
    const learner = (sk: string) => ({
      ...keys.learner(grant.environmentId, grant.activityId, grant.userId, sk),
      ...keys.activityIndex(grant.environmentId, grant.activityId, grant.userId, sk),
    });
    const at = new Date(input.now).toISOString();
    const data: Item[] = [
      { ...learner('ENROLL'), kind: 'enrollment', userId: grant.userId, activityId: grant.activityId, lastLaunchAt: at },
    ];
    if (binding) {
      data.push({
        ...learner(`BIND#${bindingKey(binding)}`),
        kind: 'binding',
        userId: grant.userId,
        activityId: grant.activityId,
        binding,
        boundAt: at,
      });
    }
    if (rosterSource) {
      const { platformId, contextId, membershipsUrl } = rosterSource;
      data.push({
        ...keys.rosterSource(grant.environmentId, grant.activityId, platformId, contextId),
        kind: 'roster-source',
        platformId,
        contextId,
        membershipsUrl,
        lastLaunchAt: at,
      });
    }
    // Unconditional, as BatchWriteItem is: the code is 256 fresh random bits, so its hash is new.
    const code = singleUseItem('sso-code', grant.environmentId, input.codeHash, grant, input.expiresAt);
    await batchWriteAll(this.db, {
      [this.tables.data]: data.map((Item) => ({ PutRequest: { Item } })),
      [this.tables.ephemeral]: [{ PutRequest: { Item: code } }],
    });
  }
}
