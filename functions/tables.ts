/**
 * DynamoDB table definitions, shared by the CDK stack and the local embedded store so that both
 * create exactly the same keys and indexes. Pure data: no AWS SDK, no CDK.
 *
 * - `data` holds the records an academy cares about (environments, activities, users, enrollments,
 *   progress). It is retained when the stack is deleted and has point-in-time recovery.
 * - `ephemeral` holds short-lived, single-use records (nonces, SSO codes, OIDC state, launch
 *   tickets). Every item carries `expiresAt` (epoch seconds), DynamoDB's TTL attribute; because TTL
 *   deletes lazily (and the local store never does), every read and condition treats an item whose
 *   `expiresAt` has passed as absent.
 */

export interface KeySchema {
  readonly partitionKey: string;
  readonly sortKey: string;
}

export interface TableSpec {
  readonly key: KeySchema;
  readonly indexes: readonly ({ readonly name: string } & KeySchema)[];
  readonly ttlAttribute?: string;
  /** Keep the table (and its data) when the stack is deleted. */
  readonly retain: boolean;
}

export const tables = {
  data: {
    key: { partitionKey: 'pk', sortKey: 'sk' },
    indexes: [{ name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
    retain: true,
  },
  ephemeral: {
    key: { partitionKey: 'pk', sortKey: 'sk' },
    indexes: [],
    ttlAttribute: 'expiresAt',
    retain: false,
  },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof tables;

/** Environment variable through which each function learns a table's physical name. */
export const tableEnvVar: Record<TableName, string> = {
  data: 'DATA_TABLE',
  ephemeral: 'EPHEMERAL_TABLE',
};
