import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tables, type TableName, type TableSpec } from '../functions/tables';
import { pascalCase } from './names';

/**
 * The DynamoDB tables of `functions/tables.ts`, created exactly as specified there so that the
 * cloud and the local embedded store have the same keys, indexes and TTL attribute.
 *
 * Every table is on demand, encrypted with an AWS-managed key and has point-in-time recovery (the
 * ephemeral table too: its records are short-lived, but PITR costs little at its size and keeps the
 * stack free of exceptions). A table marked `retain` outlives the stack.
 */
export class DataTables extends Construct {
  readonly tables: Readonly<Record<TableName, Table>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const entries = (Object.keys(tables) as TableName[]).map((name) => [name, this.table(name, tables[name])] as const);
    this.tables = Object.freeze(Object.fromEntries(entries) as Record<TableName, Table>);
  }

  private table(name: TableName, spec: TableSpec): Table {
    const table = new Table(this, pascalCase(name), {
      partitionKey: { name: spec.key.partitionKey, type: AttributeType.STRING },
      sortKey: { name: spec.key.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: spec.ttlAttribute,
      removalPolicy: spec.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of spec.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
      });
    }
    return table;
  }
}
