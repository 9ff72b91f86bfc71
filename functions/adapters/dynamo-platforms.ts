/**
 * Academy as LTI 1.3 tool, on DynamoDB: platform registrations and what a login and a launch read,
 * in the `data` table (keys in `./keys.ts`); the OIDC login state is in the single-use store.
 *
 * (issuer, client id) is unique within an environment. dynalite has no transactions, so the rule is
 * one claim item per (issuer, client id), written conditionally before the platform and released if
 * the platform's write fails; a claim left behind by a crash between the two writes (its platform
 * gone, or no longer holding that pair) is taken over, again by a conditional write.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExternalId } from '../academy/identity';
import type { Activity, Environment, Platform } from '../academy/model';
import { ConditionFailedError } from '../errors';
import type {
  Page,
  PageRequest,
  DeploymentSeen,
  Lti13LaunchPrefetch,
  Lti13LaunchStore,
  LaunchPrefetch,
  PlatformRegistrationStore,
} from '../ports';
import { conditional, record } from './dynamo-items';
import { batchGetAll, batchWriteAll } from './dynamo-batch';
import { EnvironmentRecords } from './dynamo-records';
import { keys } from './keys';

type Item = Record<string, unknown>;

/**
 * A platform as stored: registrations written before deployment lists held one `deploymentId`,
 * read as a list of one.
 */
export function platformRecord(item: object | undefined): Platform | undefined {
  const stored = record<Platform & { deploymentId?: string }>(item as Item | undefined);
  if (!stored || Array.isArray(stored.deploymentIds)) return stored;
  const { deploymentId, ...rest } = stored;
  return { ...rest, deploymentIds: deploymentId ? [deploymentId] : [] };
}

function deploymentRecord(item: Item): DeploymentSeen {
  return { id: item.deploymentId as string, firstSeen: item.firstSeen as string, lastSeen: item.lastSeen as string };
}

/** A claim younger than this may belong to a creation still under way: it is never taken over. */
const claimGraceMs = 60_000;

export class DynamoPlatformRegistrationStore implements PlatformRegistrationStore {
  private readonly records: EnvironmentRecords<Platform>;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.records = new EnvironmentRecords(db, table, 'platform', keys.platform);
  }

  async get(environmentId: string, id: string): Promise<Platform | undefined> {
    return platformRecord(await this.records.get(environmentId, id));
  }

  async list(environmentId: string): Promise<Platform[]> {
    return (await this.records.list(environmentId)).map((platform) => platformRecord(platform)!);
  }

  async page(environmentId: string, request: PageRequest): Promise<Page<Platform>> {
    const page = await this.records.page(environmentId, request);
    return { ...page, items: page.items.map((platform) => platformRecord(platform)!) };
  }

  async deployments(environmentId: string, platformId: string): Promise<DeploymentSeen[]> {
    const found: DeploymentSeen[] = [];
    let start: Item | undefined;
    do {
      const { Items, LastEvaluatedKey } = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :deployment)',
          ExpressionAttributeValues: { ':pk': keys.deployment(environmentId, platformId, '').pk, ':deployment': 'DEPLOYMENT#' },
          ExclusiveStartKey: start,
        }),
      );
      found.push(...(Items ?? []).map(deploymentRecord));
      start = LastEvaluatedKey;
    } while (start);
    return found;
  }

  async findByIssuer(environmentId: string, issuer: string, clientId?: string): Promise<Platform[]> {
    let claims: Item[];
    if (clientId !== undefined) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.platformIssuer(environmentId, issuer, clientId) }),
      );
      claims = Item ? [Item] : [];
    } else {
      const { Items } = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.platformIssuer(environmentId, issuer, '').pk },
          Limit: 50,
        }),
      );
      claims = Items ?? [];
    }
    if (claims.length === 0) return [];
    const ids = [...new Set(claims.map((claim) => claim.platformId as string))];
    const items = await batchGetAll(
      this.db,
      this.table,
      ids.map((id) => keys.platform(environmentId, id)),
    );
    // A stale claim (see the file comment) points at a platform that no longer holds the pair.
    return items
      .map((item) => platformRecord(item))
      .filter((p): p is Platform => p !== undefined && p.issuer === issuer && (clientId === undefined || p.clientId === clientId));
  }

  async create(platform: Platform): Promise<void> {
    const claimedHere = await this.claim(platform);
    try {
      await this.records.create(platform);
    } catch (error) {
      if (claimedHere) await this.release(platform);
      throw error;
    }
  }

  async replace(platform: Platform, previous: Platform): Promise<void> {
    const moved = platform.issuer !== previous.issuer || platform.clientId !== previous.clientId;
    const claimedHere = moved && (await this.claim(platform));
    try {
      await this.records.replace(platform, previous.updatedAt);
    } catch (error) {
      if (claimedHere) await this.release(platform);
      throw error;
    }
    if (moved) await this.release(previous);
  }

  async delete(environmentId: string, id: string): Promise<Platform | undefined> {
    const removed = platformRecord(await this.records.delete(environmentId, id));
    if (removed) {
      await this.release(removed);
      const seen = await this.deployments(environmentId, id);
      await batchWriteAll(this.db, {
        [this.table]: seen.map((deployment) => ({ DeleteRequest: { Key: keys.deployment(environmentId, id, deployment.id) } })),
      });
    }
    return removed;
  }

  /** Claims (issuer, clientId) for a platform; true when this call wrote the claim. */
  private async claim(platform: Platform): Promise<boolean> {
    const key = keys.platformIssuer(platform.environmentId, platform.issuer, platform.clientId);
    const now = Date.parse(platform.updatedAt);
    const put = (condition: string, values: Item) =>
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key, kind: 'platform-issuer', platformId: platform.id, claimedAt: now },
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
    const taken = () => new ConditionFailedError('issuer and client id belong to another platform', 'issuer-client-taken');
    try {
      const { Attributes } = await conditional(() => put('attribute_not_exists(pk) OR platformId = :me', { ':me': platform.id }), 'taken');
      return Attributes === undefined;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: key }));
      if (!Item) throw taken();
      const owner = await this.get(platform.environmentId, Item.platformId as string);
      const ownerHolds = owner && owner.issuer === platform.issuer && owner.clientId === platform.clientId;
      if (ownerHolds || (typeof Item.claimedAt === 'number' && Item.claimedAt > now - claimGraceMs)) throw taken();
      await conditional(() => put('platformId = :stale', { ':stale': Item.platformId }), 'taken').catch((lost: unknown) => {
        throw lost instanceof ConditionFailedError ? taken() : lost;
      });
      return true;
    }
  }

  /** Releases a platform's claim on its (issuer, clientId), if it still holds it. */
  private async release(platform: Platform): Promise<void> {
    await conditional(
      () =>
        this.db.send(
          new DeleteCommand({
            TableName: this.table,
            Key: keys.platformIssuer(platform.environmentId, platform.issuer, platform.clientId),
            ConditionExpression: 'platformId = :me',
            ExpressionAttributeValues: { ':me': platform.id },
          }),
        ),
      'claim belongs to another platform',
    ).catch((error: unknown) => {
      if (!(error instanceof ConditionFailedError)) throw error;
    });
  }
}

export class DynamoLti13LaunchStore implements Lti13LaunchStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async loginContext(environmentId: string, activityId: string): Promise<Pick<LaunchPrefetch, 'environment' | 'activity'>> {
    const [environment, activity] = await batchGetAll(this.db, this.table, [
      keys.environment(environmentId),
      keys.activity(environmentId, activityId),
    ]);
    return { environment: record<Environment>(environment), activity: record<Activity>(activity) };
  }

  async launchContext(
    environmentId: string,
    platformId: string,
    activityId: string | undefined,
    externalIds: readonly ExternalId[],
    deploymentId: string,
  ): Promise<Lti13LaunchPrefetch> {
    const [platform, deployment, ...rest] = await batchGetAll(this.db, this.table, [
      keys.platform(environmentId, platformId),
      keys.deployment(environmentId, platformId, deploymentId),
      ...externalIds.map((id) => keys.externalId(environmentId, id.key, id.userId)),
      ...(activityId === undefined ? [] : [keys.activity(environmentId, activityId)]),
    ]);
    const external = rest.slice(0, externalIds.length);
    const activity = activityId === undefined ? undefined : rest[externalIds.length];
    return {
      platform: platformRecord(platform),
      activity: record<Activity>(activity),
      ...(deployment ? { deployment: deploymentRecord(deployment) } : {}),
      knownUserIds: external.map((item) => item?.userId as string | undefined),
    };
  }

  async recordDeployment(environmentId: string, platformId: string, deploymentId: string, at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.deployment(environmentId, platformId, deploymentId),
        UpdateExpression: 'SET kind = :kind, deploymentId = :id, firstSeen = if_not_exists(firstSeen, :at), lastSeen = :at',
        ExpressionAttributeValues: { ':kind': 'deployment', ':id': deploymentId, ':at': at },
      }),
    );
  }
}
