/**
 * The embedded DynamoDB-compatible store of local mode: a dynalite server on the loopback interface,
 * backed by LevelDB under `<dataDir>/dynamo` so that data survives a restart, with the tables of
 * `functions/tables.ts` (same keys and indexes as the CDK stack creates).
 *
 * dynalite has no TTL: nothing ever expires here, which is why every read and condition on the
 * ephemeral table treats an item whose `expiresAt` has passed as absent (see `functions/tables.ts`).
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  type AttributeDefinition,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { tables, type TableName, type TableSpec } from '../tables';

export interface EmbeddedDynamoOptions {
  /** Directory of local mode's data; the store lives in its `dynamo` subdirectory. */
  readonly dataDir: string;
  /** Prefix of the physical table names (`<prefix>data`, `<prefix>ephemeral`). */
  readonly tablePrefix?: string;
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
}

export interface EmbeddedDynamo {
  /** `http://127.0.0.1:<port>`: what `DYNAMODB_ENDPOINT` is set to. */
  readonly endpoint: string;
  readonly tableNames: Readonly<Record<TableName, string>>;
  close(): Promise<void>;
}

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

/** dynalite ships no type declarations; this is the part of its API used here. */
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
}

/** The LevelDB binding dynalite itself uses (resolved from dynalite, whatever the hoisting). */
const { Level } = require(require.resolve('level', { paths: [require.resolve('dynalite')] })) as {
  Level: new (path: string) => LevelDb;
};

/**
 * Credentials the local endpoints ignore; the SDK refuses to send a request without some. A fresh
 * object each time: the SDK annotates the credentials object it is given.
 */
const localCredentials = () => ({ accessKeyId: 'local', secretAccessKey: 'local' });

const ACTIVE_TIMEOUT_MS = 10_000;

/** Starts dynalite and creates any table that does not exist yet; resolves once every table is ACTIVE. */
export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions): Promise<EmbeddedDynamo> {
  const { dataDir, tablePrefix = 'lti-bridge-', host = '127.0.0.1', port = 0 } = options;
  const path = join(dataDir, 'dynamo');
  await mkdir(path, { recursive: true });
  await assertNotLocked(path);

  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const endpoint = `http://${formatHost(host)}:${(server.address() as AddressInfo).port}`;
  const close = () => closeServer(server);

  const tableNames = Object.fromEntries((Object.keys(tables) as TableName[]).map((name) => [name, `${tablePrefix}${name}`])) as Record<
    TableName,
    string
  >;

  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials(), maxAttempts: 1 });
  try {
    for (const name of Object.keys(tables) as TableName[]) {
      await ensureTable(client, tableNames[name], tables[name]);
    }
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  } finally {
    client.destroy();
  }

  return { endpoint, tableNames: Object.freeze(tableNames), close };
}

async function ensureTable(client: DynamoDBClient, tableName: string, spec: TableSpec): Promise<void> {
  const keyAttributes = [spec.key, ...spec.indexes].flatMap((key) => [key.partitionKey, key.sortKey]);
  const attributeDefinitions: AttributeDefinition[] = [...new Set(keyAttributes)].map((AttributeName) => ({
    AttributeName,
    AttributeType: 'S',
  }));
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions,
        KeySchema: keySchema(spec.key),
        ...(spec.indexes.length > 0
          ? {
              GlobalSecondaryIndexes: spec.indexes.map((index) => ({
                IndexName: index.name,
                KeySchema: keySchema(index),
                Projection: { ProjectionType: 'ALL' },
              })),
            }
          : {}),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const table = await waitUntilActive(client, tableName);
  checkSchema(tableName, table, spec);
}

function keySchema(key: TableSpec['key']) {
  return [
    { AttributeName: key.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: key.sortKey, KeyType: 'RANGE' as const },
  ];
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (table && table.TableStatus === 'ACTIVE' && indexesActive) return table;
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A table kept from an earlier run may predate a change to `functions/tables.ts`; dynalite cannot
 * add an index to an existing table, so say so plainly rather than fail on the first query.
 */
function checkSchema(tableName: string, table: TableDescription, spec: TableSpec): void {
  const describe = (keys: { AttributeName?: string; KeyType?: string }[] | undefined) =>
    (keys ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  const want = [describe(keySchema(spec.key)), ...spec.indexes.map((i) => `${i.name}=${describe(keySchema(i))}`)].sort();
  const have = [
    describe(table.KeySchema),
    ...(table.GlobalSecondaryIndexes ?? []).map((i) => `${i.IndexName}=${describe(i.KeySchema)}`),
  ].sort();
  if (want.join('|') !== have.join('|')) {
    throw new Error(
      `table ${tableName} in the data directory has keys or indexes that differ from functions/tables.ts ` +
        `(have ${have.join('; ')}, want ${want.join('; ')}); move the data directory aside to start afresh`,
    );
  }
}

/**
 * dynalite opens LevelDB in the background and throws from a callback when it cannot (another
 * process holds the lock), which would crash the process; open it once first to fail politely.
 */
async function assertNotLocked(path: string): Promise<void> {
  const db = new Level(path);
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const locked = cause?.code === 'LEVEL_LOCKED';
    throw new Error(
      locked
        ? `the embedded store at ${path} is in use: is another lti-bridge running with this DATA_DIR?`
        : `cannot open the embedded store at ${path}: ${cause?.message ?? (error as Error).message}`,
    );
  }
  await db.close();
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    // SDK clients keep connections alive; without this, close() would wait for them to time out.
    server.closeIdleConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
