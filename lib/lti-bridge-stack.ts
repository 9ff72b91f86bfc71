import * as path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { functions, routes, type FunctionName, type FunctionSpec } from '../functions/routes';
import { tables, type TableName } from '../functions/tables';
import { DataTables } from './data-tables';
import { Edge, type EdgeRateLimits } from './edge';
import { type ApiThrottling, DEFAULT_THROTTLING, LtiHttpApi } from './http-api';
import { LtiFunction } from './lti-function';
import { pascalCase } from './names';
import { PassbackQueue } from './passback-queue';
import { SecretsKey } from './secrets-key';
import { SigningKey } from './signing-key';
import { SigningKeyAlarm } from './signing-key-alarm';
import { CustomDomain, type CustomDomainSettings } from './custom-domain';
import { Monitoring, type AlarmThresholds } from './monitoring';

export interface LtiBridgeStackProps extends StackProps {
  /**
   * Base URL that LMSs see, when a custom domain fronts the API (e.g. `https://lti.example.edu`).
   * @default the HTTP API's own endpoint
   */
  readonly publicUrl?: string;
  /**
   * The role that administers the signing key and the secrets key (docs/security.md "The signing
   * key's policy", "LTI 1.2 secrets at rest"); the role CloudFormation deploys with is added to it.
   * @default any principal of the account whose IAM policies allow the key's administrative actions
   */
  readonly keyAdminRoleArn?: string;
  /**
   * The signing keys by name, the first signing and every one published in the JWKS, for rotation
   * without downtime (docs/operations.md "Rotating the signing key"). `primary` is the key the stack
   * created first.
   * @default ['primary']
   */
  readonly signingKeys?: readonly string[];
  /**
   * The API stage's throttling, each limit per route; what is given replaces that default.
   * @default DEFAULT_THROTTLING of lib/http-api.ts
   */
  readonly throttling?: Partial<ApiThrottling>;
  /**
   * Concurrent executions reserved for functions of the route table, so that a flood of public
   * requests cannot starve them. Lambda keeps at least 100 executions of an account unreserved, so
   * an account whose concurrency limit is below 100 plus these (new accounts may start at 10)
   * cannot deploy them: give `{}` there.
   * @default DEFAULT_RESERVED_CONCURRENCY
   */
  readonly reservedConcurrency?: Readonly<Partial<Record<FunctionName, number>>>;
  /**
   * A CloudFront distribution with an AWS WAF web ACL of rate-based rules in front of the API, and
   * PUBLIC_URL on it (docs/security.md "Throttling"). `true` takes the defaults.
   * @default false
   */
  readonly waf?: boolean | WafSettings;
  /**
   * The API on the deployment's own domain (an API Gateway custom domain with its certificate), and
   * PUBLIC_URL on it. Not with `waf`, whose CloudFront distribution carries the domain instead
   * (`publicUrl` and `waf.certificateArn`).
   */
  readonly customDomain?: CustomDomainSettings;
  /**
   * When the operations alarms fire (docs/operations.md).
   * @default DEFAULT_ALARM_THRESHOLDS of lib/monitoring.ts
   */
  readonly alarmThresholds?: Partial<AlarmThresholds>;
}

/** The WAF's settings: the rate limits, and what a stack outside us-east-1 or with a custom domain needs. */
export interface WafSettings extends Partial<EdgeRateLimits> {
  /** An existing web ACL (scope CLOUDFRONT, in us-east-1); required when the stack is in another region. */
  readonly webAclArn?: string;
  /** The ACM certificate (in us-east-1) of `publicUrl`'s host, which the distribution then answers for; required with `publicUrl`. */
  readonly certificateArn?: string;
}

/**
 * The admin API (the academy's own calls: single sign-on, launches, progress) and the passback
 * worker (progress back to LMSs) keep this much concurrency whatever the public routes take.
 */
export const DEFAULT_RESERVED_CONCURRENCY: Readonly<Partial<Record<FunctionName, number>>> = { admin: 20, passbackWorker: 5 };

/**
 * lti-bridge on AWS: the HTTP API, one Lambda per function of the route table, the data and
 * ephemeral tables and the KMS signing key. Everything is derived from `functions/routes.ts` and
 * `functions/tables.ts` (pure data); the stack never imports handler code.
 */
export class LtiBridgeStack extends Stack {
  readonly tables: Readonly<Record<TableName, Table>>;
  /** The key that signs (the first of `signingKeys`). */
  readonly signingKey: SigningKey;
  /** Every signing key, in the order of `signingKeys`. */
  readonly signingKeys: readonly SigningKey[];
  /** Seals LTI 1.2 secrets at rest (docs/security.md "LTI 1.2 secrets at rest"). */
  readonly secretsKey: SecretsKey;
  readonly httpApi: LtiHttpApi;
  readonly functions: Readonly<Record<FunctionName, LtiFunction>>;
  /** What every function receives as PUBLIC_URL. */
  readonly publicUrl: string;
  /** Passback deliveries (progress back to LMSs) and their dead-letter queue. */
  readonly passbackQueue: PassbackQueue;
  /** The alarm on signatures by anyone but the signing functions, and its topic. */
  readonly signingKeyAlarm: SigningKeyAlarm;
  /** The CloudFront distribution and web ACL, with `waf`. */
  readonly edge?: Edge;
  /** The operations alarms, their topic and the dashboard. */
  readonly monitoring: Monitoring;
  /** The API Gateway custom domain, with `customDomain`. */
  readonly customDomain?: CustomDomain;

  constructor(scope: Construct, id: string, props: LtiBridgeStackProps = {}) {
    super(scope, id, props);
    const rootDir = path.resolve(__dirname, '..');

    this.tables = new DataTables(this, 'Tables').tables;
    const keyNames = props.signingKeys ?? ['primary'];
    if (
      keyNames.length === 0 ||
      new Set(keyNames).size !== keyNames.length ||
      keyNames.some((name) => !/^[a-z0-9][a-z0-9-]{0,31}$/.test(name))
    ) {
      throw new Error(
        `signingKeys must be distinct names of lower-case letters, digits and "-", the signing one first; got ${JSON.stringify(keyNames)}`,
      );
    }
    this.signingKeys = keyNames.map(
      (name) =>
        new SigningKey(
          this,
          name === 'primary'
            ? 'SigningKey'
            : `SigningKey${name
                .split('-')
                .map((part) => part[0]!.toUpperCase() + part.slice(1))
                .join('')}`,
          {
            adminRoleArn: props.keyAdminRoleArn,
            name,
          },
        ),
    );
    this.signingKey = this.signingKeys[0]!;
    this.secretsKey = new SecretsKey(this, 'SecretsKey', { adminRoleArn: props.keyAdminRoleArn });
    const queueConsumers = Object.values(functions).filter((spec: FunctionSpec) => spec.trigger !== undefined);
    this.passbackQueue = new PassbackQueue(this, 'Passback', {
      consumerTimeout: Duration.seconds(Math.max(10, ...queueConsumers.map((spec: FunctionSpec) => spec.timeoutSeconds ?? 10))),
    });

    // The functions refer to the API (its endpoint is their PUBLIC_URL) and the routes refer to the
    // functions; the API itself refers to neither, so creating it first, the functions next and the
    // routes last keeps the template free of cycles.
    this.httpApi = new LtiHttpApi(this, 'Http', { throttling: { ...DEFAULT_THROTTLING, ...props.throttling } });
    const publicUrl = props.publicUrl ? normalizePublicUrl(props.publicUrl) : undefined;
    if (props.waf) this.edge = this.createEdge(props.waf === true ? {} : props.waf, publicUrl);
    if (props.customDomain) {
      if (props.waf)
        throw new Error('customDomain and waf: the distribution carries the domain; give publicUrl and waf.certificateArn instead');
      this.customDomain = new CustomDomain(this, 'CustomDomain', {
        ...props.customDomain,
        api: this.httpApi.api,
        stage: this.httpApi.stage,
      });
      if (publicUrl && publicUrl !== this.customDomain.url) {
        throw new Error(`publicUrl ${publicUrl} is not the custom domain's URL ${this.customDomain.url}: leave publicUrl out`);
      }
    }
    this.publicUrl = this.customDomain?.url ?? publicUrl ?? this.edge?.url ?? this.httpApi.api.apiEndpoint;
    const reserved = reservedConcurrency(props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY);

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
        publishedKeys: this.signingKeys,
        secretsKey: this.secretsKey,
        passbackQueue: this.passbackQueue.queue,
        reservedConcurrency: reserved[name],
      });
      handlers[name] = created[name].function;
    }
    this.functions = Object.freeze(created);
    this.httpApi.addRouteTable(routes, handlers);
    for (const name of Object.keys(functions) as FunctionName[]) {
      const trigger = (functions[name] as FunctionSpec).trigger;
      if (trigger === 'passback-queue') this.passbackQueue.addWorker(created[name].function, reserved[name]);
      else if (trigger === 'passback-dead-letters') this.passbackQueue.addDeadLetterConsumer(created[name].function);
    }
    this.signingKeyAlarm = new SigningKeyAlarm(this, 'SigningKeyAlarm', {
      signingKey: this.signingKey,
      otherKeys: this.signingKeys.slice(1),
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      api: this.httpApi.api,
      stage: this.httpApi.stage,
      functions: handlers,
      passbackQueue: this.passbackQueue.queue,
      deadLetterQueue: this.passbackQueue.deadLetterQueue,
      thresholds: props.alarmThresholds,
    });

    new CfnOutput(this, 'ApiEndpoint', { value: this.httpApi.api.apiEndpoint, description: 'The HTTP API endpoint' });
    new CfnOutput(this, 'PublicUrl', { value: this.publicUrl, description: 'Base of every LTI and admin URL' });
    new CfnOutput(this, 'JwksUrl', {
      value: `${this.publicUrl}/.well-known/jwks.json`,
      description: 'The JWKS URL to enter in LMSs and tools',
    });
    new CfnOutput(this, 'SigningKeyArn', { value: this.signingKey.key.keyArn, description: 'The KMS key that signs LTI 1.3 messages' });
    new CfnOutput(this, 'SecretsKeyArn', {
      value: this.secretsKey.key.keyArn,
      description: 'The KMS key that seals LTI 1.2 secrets at rest (retained when the stack is deleted: the secrets need it)',
    });
    new CfnOutput(this, 'SecurityAlertsTopicArn', {
      value: this.signingKeyAlarm.topic.topicArn,
      description: 'Alarms on signatures by anyone but the signing functions; subscribe to hear of them (needs a CloudTrail trail)',
    });
    if (this.edge) {
      new CfnOutput(this, 'DistributionDomainName', {
        value: this.edge.distribution.distributionDomainName,
        description: 'The CloudFront distribution (with the WAF) in front of the API; a custom domain points here',
      });
    }
    new CfnOutput(this, 'PassbackDeadLetterQueueUrl', {
      value: this.passbackQueue.deadLetterQueue.queueUrl,
      description:
        'Passback messages the worker failed on repeatedly; its consumer marks their deliveries failed (messages it cannot settle wait here)',
    });
    for (const name of Object.keys(tables) as TableName[]) {
      new CfnOutput(this, `${pascalCase(name)}TableName`, { value: this.tables[name].tableName, description: `The ${name} table` });
    }
  }

  private createEdge(settings: WafSettings, publicUrl: string | undefined): Edge {
    const { webAclArn, certificateArn, ...limits } = settings;
    let domain: { name: string; certificateArn: string } | undefined;
    if (publicUrl) {
      const url = new URL(publicUrl);
      if (url.pathname !== '/')
        throw new Error(`waf: publicUrl must have no path, as the distribution forwards paths unchanged; got "${publicUrl}"`);
      if (!certificateArn) {
        throw new Error(
          'waf: with publicUrl, give waf.certificateArn (an ACM certificate in us-east-1 for its host), or LMSs would reach the API without the WAF',
        );
      }
      domain = { name: url.hostname, certificateArn };
    }
    return new Edge(this, 'Edge', { api: this.httpApi.api, webAclArn, domain, ...limits });
  }
}

/** Refuses a reservation for a function that is not in the route table. */
function reservedConcurrency(values: Readonly<Partial<Record<FunctionName, number>>>): Readonly<Partial<Record<FunctionName, number>>> {
  for (const name of Object.keys(values)) {
    if (!(name in functions)) throw new Error(`reservedConcurrency names "${name}", which is no function of functions/routes.ts`);
  }
  return values;
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
