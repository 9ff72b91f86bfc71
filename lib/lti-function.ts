import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec, Permission } from '../functions/routes';
import { tableEnvVar, tables, type TableName } from '../functions/tables';
import { bundlingOptions, handlerEntry, lambdaNodeOptions } from './bundling';
import type { SecretsKey } from './secrets-key';
import type { SigningKey } from './signing-key';

export interface LtiFunctionProps {
  /** The function's name in `functions/routes.ts`; used in error messages. */
  readonly name: string;
  readonly spec: FunctionSpec;
  /** Repository root: the entry is `functions/handlers/<entry>.ts` below it, next to package-lock.json. */
  readonly rootDir: string;
  /** Base URL that LMSs see (custom domain or the API's endpoint). */
  readonly publicUrl: string;
  readonly tables: Readonly<Record<TableName, ITable>>;
  /** The signing key: its policy names this function's role for what the spec lists ('kms:sign', 'kms:publicKey'). */
  /** The key that signs. */
  readonly signingKey: SigningKey;
  /**
   * Every key the JWKS publishes, the signing key first (docs/operations.md "Rotating the signing
   * key"): SIGNING_KEY_IDS lists them in this order; a signing function may sign with the first only.
   * @default [signingKey]
   */
  readonly publishedKeys?: readonly SigningKey[];
  /** The passback queue; required when the spec lists 'queue:send'. */
  readonly passbackQueue?: IQueue;
  /** The key that seals LTI 1.2 secrets; required when the spec lists 'secrets:seal' or 'secrets:open'. */
  readonly secretsKey?: SecretsKey;
  /**
   * Concurrent executions reserved for this function: always available to it, and its ceiling.
   * @default none (the function shares the account's unreserved concurrency)
   */
  readonly reservedConcurrency?: number;
}

/** Defaults a function spec may override. */
const DEFAULT_MEMORY_MB = 512;
const DEFAULT_TIMEOUT_SECONDS = 10;

/**
 * One Lambda function of the route table: bundled locally with the shared esbuild options, on
 * Node.js 22 / arm64, with its own log group and its own role that holds exactly the permissions
 * its spec lists and nothing else (no AWS managed policy: logging is granted on its log group only).
 */
export class LtiFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LtiFunctionProps) {
    super(scope, id);
    const permissions = new Set(props.spec.permissions);
    if (permissions.has('queue:send') && !props.passbackQueue) {
      throw new Error(`function "${props.name}" asks for 'queue:send', but no passback queue was given`);
    }
    const secrets = permissions.has('secrets:seal') || permissions.has('secrets:open');
    if (secrets && !props.secretsKey) {
      throw new Error(`function "${props.name}" asks for the secrets key ('secrets:seal' or 'secrets:open'), but none was given`);
    }
    const reserved = props.reservedConcurrency;
    if (reserved !== undefined && !(Number.isInteger(reserved) && reserved >= 1)) {
      // 0 is valid for Lambda, and means the function never runs.
      throw new Error(`function "${props.name}": reserved concurrency must be a whole number of at least 1, got ${reserved}`);
    }

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      // The group's name is generated, so a redeploy never collides with a leftover group.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `lti-bridge ${props.name}: ${props.spec.description}`.slice(0, 1000),
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Handler', {
      entry: handlerEntry(props.rootDir, props.spec.entry),
      handler: 'handler',
      projectRoot: props.rootDir,
      depsLockFilePath: `${props.rootDir}/package-lock.json`,
      description: props.spec.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.spec.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: Duration.seconds(props.spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        PUBLIC_URL: props.publicUrl,
        [tableEnvVar.data]: props.tables.data.tableName,
        [tableEnvVar.ephemeral]: props.tables.ephemeral.tableName,
        SIGNING_KEY_IDS: (props.publishedKeys ?? [props.signingKey]).map((key) => key.key.keyArn).join(','),
        ...(lambdaNodeOptions ? { NODE_OPTIONS: lambdaNodeOptions } : {}),
        ...(permissions.has('queue:send') && props.passbackQueue ? { PASSBACK_QUEUE_URL: props.passbackQueue.queueUrl } : {}),
        ...(secrets && props.secretsKey ? { SECRETS_KEY_ID: props.secretsKey.key.keyArn } : {}),
      },
      bundling: {
        minify: bundlingOptions.minify,
        sourceMap: bundlingOptions.sourceMap,
        sourcesContent: bundlingOptions.sourcesContent,
        target: bundlingOptions.target,
        format: OutputFormat.CJS,
        externalModules: [...bundlingOptions.externalModules],
        mainFields: [...bundlingOptions.mainFields],
        forceDockerBundling: false,
      },
    });
    // The runtime is pinned to what the bundle targets (lib/bundling.ts: node22) and what is tested;
    // moving to a newer runtime is a deliberate change of both.
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned on purpose: the esbuild target in lib/bundling.ts and the tested runtime; upgrading is a deliberate change of both',
    });

    this.grant(permissions, props);
  }

  /** Grants exactly what the spec lists; a write permission includes reading, signing includes the public key. */
  private grant(permissions: ReadonlySet<Permission>, props: LtiFunctionProps): void {
    if (permissions.has('data:write')) this.grantTable('data', props.tables.data, 'readWrite');
    else if (permissions.has('data:read')) this.grantTable('data', props.tables.data, 'read');
    if (permissions.has('ephemeral:write')) this.grantTable('ephemeral', props.tables.ephemeral, 'readWrite');
    else if (permissions.has('ephemeral:read')) this.grantTable('ephemeral', props.tables.ephemeral, 'read');

    const others = (props.publishedKeys ?? [props.signingKey]).filter((key) => key !== props.signingKey);
    if (permissions.has('kms:sign')) props.signingKey.grantSign(this.role);
    else if (permissions.has('kms:publicKey')) props.signingKey.grantPublicKey(this.role);
    // The keys published beside it (the next one, or the one retiring): their public keys only.
    if (permissions.has('kms:sign') || permissions.has('kms:publicKey')) for (const key of others) key.grantPublicKey(this.role);

    // Sealing and opening are apart: the function that stores secrets never reads them back.
    if (permissions.has('secrets:seal')) props.secretsKey?.grantSeal(this.role);
    if (permissions.has('secrets:open')) props.secretsKey?.grantOpen(this.role);

    // Sending only: the queue's consumer gets receive and delete from its event source.
    if (permissions.has('queue:send') && props.passbackQueue) props.passbackQueue.grant(this.role, 'sqs:SendMessage');
  }

  private grantTable(name: TableName, table: ITable, access: 'read' | 'readWrite'): void {
    if (access === 'read') table.grantReadData(this.role);
    else table.grantReadWriteData(this.role);
    if (tables[name].indexes.length === 0) return;
    // Table grants cover the table's indexes as `<table ARN>/index/*`: the wildcard is bounded to
    // this one table, whose indexes are all listed in functions/tables.ts.
    const logicalId = Stack.of(this).getLogicalId(table.node.defaultChild as CfnElement);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
      reason: `queries use the ${name} table's global secondary indexes; the wildcard covers only indexes of that one table (functions/tables.ts)`,
    });
  }
}
