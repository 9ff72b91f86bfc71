/**
 * The single-use store (`functions/adapters/dynamo-single-use.ts`) on the real embedded dynalite:
 * an address is created once, consumed once (by exactly one of concurrent callers), an expired item
 * is absent to `find`, `consume` and `create` alike (dynalite, like DynamoDB's lazy TTL, never
 * deletes it), and a consume bound to stored fields loses when they differ.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoSingleUseStore, singleUseItem } from '../../../functions/adapters/dynamo-single-use';
import { keys } from '../../../functions/adapters/keys';
import { ConditionFailedError } from '../../../functions/errors';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../../functions/local/embedded-dynamo';
import type { LaunchTicket, OidcState, ResourceLinkPendingLogin } from '../../../functions/ports';

const env = 'single-use';
/** Epoch milliseconds; items below expire `lifetime` seconds after it. */
const now = 1_700_000_000_000;
const nowSeconds = now / 1000;
const lifetime = 300;

let dataDir: string;
let dynamo: EmbeddedDynamo;
let client: DynamoDBClient;
let db: DynamoDBDocumentClient;
let store: DynamoSingleUseStore;
let counter = 0;
/** A fresh key for each test, so that tests share the table and not their items. */
const fresh = () => `hash-${++counter}`;

beforeAll(async () => {
  // The SDK's notice that its 2027 releases need Node 22 is noise in test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  dataDir = await mkdtemp(join(tmpdir(), 'lti-bridge-single-use-'));
  dynamo = await startEmbeddedDynamo({ dataDir });
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // The production client's options (functions/adapters/dynamo-client.ts).
  db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  store = new DynamoSingleUseStore(db, dynamo.tableNames.ephemeral);
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function ticket(overrides: Partial<LaunchTicket> = {}): LaunchTicket {
  return { environmentId: env, activityId: 'a-1', userId: 'u-1', expiresAt: nowSeconds + lifetime, ...overrides };
}

function oidcState(overrides: Partial<OidcState> = {}): OidcState {
  return {
    environmentId: env,
    platformId: 'p-1',
    externalKey: 'lti13|https%3A%2F%2Flms.example|client-1',
    activityId: 'a-1',
    messageType: 'LtiResourceLinkRequest',
    targetLinkUri: 'https://academy.example/a-1',
    nonce: 'n-1',
    expiresAt: nowSeconds + lifetime,
    ...overrides,
  };
}

function pendingLogin(overrides: Partial<ResourceLinkPendingLogin> = {}): ResourceLinkPendingLogin {
  return {
    messageType: 'LtiResourceLinkRequest',
    environmentId: env,
    toolId: 't-1',
    activityId: 'a-1',
    userId: 'u-1',
    targetLinkUri: 'https://tool.example/launch',
    messageHintHash: 'message-hash',
    browserHash: 'browser-hash',
    user: { email: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace' },
    activity: { title: 'Engines', customParameters: { level: '2' } },
    environmentName: 'Academy',
    returnUrl: 'https://academy.example/',
    expiresAt: nowSeconds + lifetime,
    ...overrides,
  };
}

const raw = (key: { pk: string; sk: string }) =>
  db.send(new GetCommand({ TableName: dynamo.tableNames.ephemeral, Key: key, ConsistentRead: true }));

describe('create', () => {
  it('stores {pk, sk, kind, expiresAt, value} under the key of keys.ts, the value exactly as given', async () => {
    const key = fresh();
    await store.create('launch-ticket', env, key, ticket(), nowSeconds + lifetime, now);
    const { Item } = await raw(keys.ticket(env, key));
    expect(Item).toEqual({ ...keys.ticket(env, key), kind: 'launch-ticket', expiresAt: nowSeconds + lifetime, value: ticket() });
    // An optional field left undefined is not stored (and so not answered as `undefined`).
    expect(Object.keys(Item!.value)).not.toContain('returnUrl');
  });

  it('never writes over an unexpired item: the second create throws ConditionFailedError and the first value stays', async () => {
    const key = fresh();
    await store.create('launch-ticket', env, key, ticket({ userId: 'first' }), nowSeconds + lifetime, now);
    const second = store.create('launch-ticket', env, key, ticket({ userId: 'second' }), nowSeconds + lifetime, now + 1000);
    await expect(second).rejects.toBeInstanceOf(ConditionFailedError);
    await expect(second).rejects.toThrow('an unexpired launch-ticket has this key');
    expect(await store.find('launch-ticket', env, key, now)).toMatchObject({ userId: 'first' });
  });

  it('is addressed by kind, scope and key: the same key in another scope or of another kind is another item', async () => {
    const key = fresh();
    await store.create('launch-ticket', env, key, ticket(), nowSeconds + lifetime, now);
    await store.create('launch-ticket', 'other-env', key, ticket({ environmentId: 'other-env' }), nowSeconds + lifetime, now);
    await store.create('oidc-state', env, key, oidcState(), nowSeconds + lifetime, now);
    expect(await store.consume('launch-ticket', 'other-env', key, now)).toMatchObject({ environmentId: 'other-env' });
    expect(await store.consume('oidc-state', env, key, now)).toEqual(oidcState());
    expect(await store.consume('launch-ticket', env, key, now)).toEqual(ticket());
  });

  it('replaces an expired item (TTL may not have deleted it yet), from the second it expires', async () => {
    const key = fresh();
    await store.create('launch-ticket', env, key, ticket({ userId: 'old' }), nowSeconds, now - lifetime * 1000);
    await store.create('launch-ticket', env, key, ticket({ userId: 'new' }), nowSeconds + lifetime, now);
    expect(await store.consume('launch-ticket', env, key, now)).toMatchObject({ userId: 'new' });
  });
});

describe('find', () => {
  it('answers an unexpired item without using it up, and undefined for an unknown one', async () => {
    const key = fresh();
    await store.create('pending-login', env, key, pendingLogin(), nowSeconds + lifetime, now);
    expect(await store.find('pending-login', env, key, now)).toEqual(pendingLogin());
    expect(await store.find('pending-login', env, key, now)).toEqual(pendingLogin());
    expect(await store.find('pending-login', env, fresh(), now)).toBeUndefined();
    expect(await store.consume('pending-login', env, key, now)).toEqual(pendingLogin());
    expect(await store.find('pending-login', env, key, now)).toBeUndefined();
  });

  it('holds an item at or past its expiresAt for absent', async () => {
    const key = fresh();
    await store.create('oidc-state', env, key, oidcState(), nowSeconds + lifetime, now);
    expect(await store.find('oidc-state', env, key, now + lifetime * 1000 - 1)).toEqual(oidcState());
    expect(await store.find('oidc-state', env, key, now + lifetime * 1000)).toBeUndefined();
    expect(await store.find('oidc-state', env, key, now + lifetime * 1000 + 1)).toBeUndefined();
  });
});

describe('consume', () => {
  it('answers the item once; then it is gone', async () => {
    const key = fresh();
    await store.create('oidc-state', env, key, oidcState(), nowSeconds + lifetime, now);
    expect(await store.consume('oidc-state', env, key, now)).toEqual(oidcState());
    expect(await store.consume('oidc-state', env, key, now)).toBeUndefined();
    expect((await raw(keys.oidcState(env, key))).Item).toBeUndefined();
  });

  it('answers undefined for an unknown item', async () => {
    expect(await store.consume('sso-code', env, fresh(), now)).toBeUndefined();
  });

  it.each([2, 10])('answers the item to exactly one of %i concurrent consumes', async (callers) => {
    const key = fresh();
    await store.create('launch-ticket', env, key, ticket(), nowSeconds + lifetime, now);
    const answers = await Promise.all(Array.from({ length: callers }, () => store.consume('launch-ticket', env, key, now)));
    expect(answers.filter((answer) => answer !== undefined)).toEqual([ticket()]);
  });

  it('refuses an expired item (and does not delete it: TTL will)', async () => {
    const key = fresh();
    await store.create('launch-ticket', env, key, ticket(), nowSeconds + lifetime, now);
    expect(await store.consume('launch-ticket', env, key, now + lifetime * 1000)).toBeUndefined();
    expect((await raw(keys.ticket(env, key))).Item).toBeDefined();
    // Nor can an earlier clock bring a consumed item back.
    expect(await store.consume('launch-ticket', env, key, now)).toEqual(ticket());
    expect(await store.consume('launch-ticket', env, key, now)).toBeUndefined();
  });

  describe('bound to stored fields (a pending login to its message hint and browser)', () => {
    const binding = { messageHintHash: 'message-hash', browserHash: 'browser-hash' };

    it('answers the item when every field matches', async () => {
      const key = fresh();
      await store.create('pending-login', env, key, pendingLogin(), nowSeconds + lifetime, now);
      expect(await store.consume('pending-login', env, key, now, binding)).toEqual(pendingLogin());
      expect(await store.consume('pending-login', env, key, now, binding)).toBeUndefined();
    });

    it.each([
      ['the browser', { ...binding, browserHash: 'another-browser' }],
      ['the message hint', { ...binding, messageHintHash: 'another-message' }],
    ])('leaves the item alone when %s differs', async (_, mismatch) => {
      const key = fresh();
      await store.create('pending-login', env, key, pendingLogin(), nowSeconds + lifetime, now);
      expect(await store.consume('pending-login', env, key, now, mismatch)).toBeUndefined();
      expect(await store.find('pending-login', env, key, now)).toEqual(pendingLogin());
      expect(await store.consume('pending-login', env, key, now, binding)).toEqual(pendingLogin());
    });

    it('refuses an expired item even when the fields match', async () => {
      const key = fresh();
      await store.create('pending-login', env, key, pendingLogin(), nowSeconds + lifetime, now);
      expect(await store.consume('pending-login', env, key, now + lifetime * 1000, binding)).toBeUndefined();
    });
  });

  it('consumes an item written by singleUseItem (the launch batch writes sign-on codes so)', async () => {
    const key = fresh();
    const grant = {
      environmentId: env,
      userId: 'u-1',
      activityId: 'a-1',
      created: false,
      launch: { version: '1.3' as const, roles: ['Learner'] },
    };
    await db.send(
      new PutCommand({ TableName: dynamo.tableNames.ephemeral, Item: singleUseItem('sso-code', env, key, grant, nowSeconds + 60) }),
    );
    expect(await store.consume('sso-code', env, key, now)).toEqual(grant);
    expect(await store.consume('sso-code', env, key, now)).toBeUndefined();
  });
});

describe('useOnce', () => {
  it('is true the first time a value is used in a scope, false on a replay, in the key nonces had before', async () => {
    const value = fresh();
    expect(await store.useOnce('lti12:key-a', value, nowSeconds + lifetime, now)).toBe(true);
    expect(await store.useOnce('lti12:key-a', value, nowSeconds + lifetime, now + 1000)).toBe(false);
    expect(await store.useOnce('lti12:key-b', value, nowSeconds + lifetime, now)).toBe(true);
    expect((await raw(keys.once('lti12:key-a', value))).Item).toMatchObject({ kind: 'nonce', expiresAt: nowSeconds + lifetime });
  });

  it('is true again once the first use has expired', async () => {
    const value = fresh();
    expect(await store.useOnce('lti13-token:env:client', value, nowSeconds + 60, now)).toBe(true);
    expect(await store.useOnce('lti13-token:env:client', value, nowSeconds + 120, now + 59_000)).toBe(false);
    expect(await store.useOnce('lti13-token:env:client', value, nowSeconds + 120, now + 60_000)).toBe(true);
  });

  it('is true for exactly one of concurrent uses', async () => {
    const value = fresh();
    const answers = await Promise.all(Array.from({ length: 10 }, () => store.useOnce('lti12:key-c', value, nowSeconds + lifetime, now)));
    expect(answers.filter(Boolean)).toHaveLength(1);
  });
});
