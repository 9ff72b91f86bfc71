import * as path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { functions, routes, type FunctionName, type FunctionSpec } from '../functions/routes';
import { tables, type TableName } from '../functions/tables';
import { DataTables } from './data-tables';
import { LtiHttpApi } from './http-api';
import { LtiFunction } from './lti-function';
import { pascalCase } from './names';
import { PassbackQueue } from './passback-queue';
import { SigningKey } from './signing-key';
import { SigningKeyAlarm } from './signing-key-alarm';

export interface LtiBridgeStackProps extends StackProps {
  /**
   * Base URL that LMSs see, when a custom domain fronts the API (e.g. `https://lti.example.edu`).
   * @default the HTTP API's own endpoint
   */
  readonly publicUrl?: string;
  /**
   * The role that administers the signing key (docs/security.md "The signing key's policy"); the
   * role CloudFormation deploys with is added to it.
   * @default any principal of the account whose IAM policies allow the key's administrative actions
   */
  readonly keyAdminRoleArn?: string;
}

/**
 * lti-bridge on AWS: the HTTP API, one Lambda per function of the route table, the data and
 * ephemeral tables and the KMS signing key. Everything is derived from `functions/routes.ts` and
 * `functions/tables.ts` (pure data); the stack never imports handler code.
 */
export class LtiBridgeStack extends Stack {
  readonly tables: Readonly<Record<TableName, Table>>;
  readonly signingKey: SigningKey;
  readonly httpApi: LtiHttpApi;
  readonly functions: Readonly<Record<FunctionName, LtiFunction>>;
  /** What every function receives as PUBLIC_URL. */
  readonly publicUrl: string;
  /** Passback deliveries (progress back to LMSs) and their dead-letter queue. */
  readonly passbackQueue: PassbackQueue;
  /** The alarm on signatures by anyone but the signing functions, and its topic. */
  readonly signingKeyAlarm: SigningKeyAlarm;

  constructor(scope: Construct, id: string, props: LtiBridgeStackProps = {}) {
    super(scope, id, props);
    const rootDir = path.resolve(__dirname, '..');

    this.tables = new DataTables(this, 'Tables').tables;
    this.signingKey = new SigningKey(this, 'SigningKey', { adminRoleArn: props.keyAdminRoleArn });
    const queueConsumers = Object.values(functions).filter((spec: FunctionSpec) => spec.trigger !== undefined);
    this.passbackQueue = new PassbackQueue(this, 'Passback', {
      consumerTimeout: Duration.seconds(Math.max(10, ...queueConsumers.map((spec: FunctionSpec) => spec.timeoutSeconds ?? 10))),
    });

    // The functions refer to the API (its endpoint is their PUBLIC_URL) and the routes refer to the
    // functions; the API itself refers to neither, so creating it first, the functions next and the
    // routes last keeps the template free of cycles.
    this.httpApi = new LtiHttpApi(this, 'Http');
    this.publicUrl = props.publicUrl ? normalizePublicUrl(props.publicUrl) : this.httpApi.api.apiEndpoint;

    const created = {} as Record<FunctionName, LtiFunction>;
    const handlers = {} as Record<FunctionName, IFunction>;
    for (const name of Object.keys(functions) as FunctionName[]) {
      created[name] = new LtiFunction(this, `${pascalCase(name)}Function`, {
        name,
        spec: functions[name],
        rootDir,
        publicUrl: this.publicUrl,
        tables: this.tables,
        signingKey: this.signingKey,
        passbackQueue: this.passbackQueue.queue,
      });
      handlers[name] = created[name].function;
    }
    this.functions = Object.freeze(created);
    this.httpApi.addRouteTable(routes, handlers);
    for (const name of Object.keys(functions) as FunctionName[]) {
      const trigger = (functions[name] as FunctionSpec).trigger;
      if (trigger === 'passback-queue') this.passbackQueue.addWorker(created[name].function);
      else if (trigger === 'passback-dead-letters') this.passbackQueue.addDeadLetterConsumer(created[name].function);
    }
    this.signingKeyAlarm = new SigningKeyAlarm(this, 'SigningKeyAlarm', { signingKey: this.signingKey });

    new CfnOutput(this, 'ApiEndpoint', { value: this.httpApi.api.apiEndpoint, description: 'The HTTP API endpoint' });
    new CfnOutput(this, 'PublicUrl', { value: this.publicUrl, description: 'Base of every LTI and admin URL' });
    new CfnOutput(this, 'JwksUrl', {
      value: `${this.publicUrl}/.well-known/jwks.json`,
      description: 'The JWKS URL to enter in LMSs and tools',
    });
    new CfnOutput(this, 'SigningKeyArn', { value: this.signingKey.key.keyArn, description: 'The KMS key that signs LTI 1.3 messages' });
    new CfnOutput(this, 'SecurityAlertsTopicArn', {
      value: this.signingKeyAlarm.topic.topicArn,
      description: 'Alarms on signatures by anyone but the signing functions; subscribe to hear of them (needs a CloudTrail trail)',
    });
    new CfnOutput(this, 'PassbackDeadLetterQueueUrl', {
      value: this.passbackQueue.deadLetterQueue.queueUrl,
      description:
        'Passback messages the worker failed on repeatedly; its consumer marks their deliveries failed (messages it cannot settle wait here)',
    });
    for (const name of Object.keys(tables) as TableName[]) {
      new CfnOutput(this, `${pascalCase(name)}TableName`, { value: this.tables[name].tableName, description: `The ${name} table` });
    }
  }
}

/** Accepts only an absolute https URL with no query or fragment; drops trailing slashes. */
function normalizePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`publicUrl must be an absolute https URL, got "${value}"`);
  }
  if (url.protocol !== 'https:' || url.search || url.hash || url.username || url.password) {
    throw new Error(`publicUrl must be an https URL without query, fragment or credentials, got "${value}"`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
