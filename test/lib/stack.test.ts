import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { functions, routeKey, routes, type FunctionName, type Permission } from '../../functions/routes';
import { tables, type TableName } from '../../functions/tables';
import { DataTables } from '../../lib/data-tables';
import { DEFAULT_RESERVED_CONCURRENCY, LtiBridgeStack } from '../../lib/lti-bridge-stack';
import { LtiFunction } from '../../lib/lti-function';
import { SigningKey } from '../../lib/signing-key';

// Every App writes a cloud assembly (~2 MB with bundles): give each one a temporary outdir and remove it.
const outdirs: string[] = [];
function newApp(context: Record<string, unknown> = {}): App {
  const outdir = mkdtempSync(join(tmpdir(), 'lti-bridge-cdk-'));
  outdirs.push(outdir);
  return new App({ outdir, context });
}
/** Skips esbuild for apps whose bundles the main app already checks. */
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

let stack: LtiBridgeStack;
let template: Template;

beforeAll(() => {
  // Built once, with real bundling: a handler that does not bundle fails here.
  stack = new LtiBridgeStack(newApp(), 'LtiBridgeStack');
  template = Template.fromStack(stack);
});

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

const functionNames = Object.keys(functions) as FunctionName[];
const tableNames = Object.keys(tables) as TableName[];

function logicalId(element: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(element.node.defaultChild as CfnElement);
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every statement of a function's role: inline policies and attached AWS::IAM::Policy resources. */
function statementsOf(name: FunctionName): Statement[] {
  const roleId = logicalId(stack.functions[name].role);
  const role = template.findResources('AWS::IAM::Role')[roleId];
  const inline = ((role?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
  const attached = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } }),
  ).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  return [...inline, ...attached];
}

const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Allowed actions whose resources mention the resource with this logical id. */
function actionsOn(statements: Statement[], id: string): string[] {
  return statements.filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Resource).includes(`"${id}"`)).flatMap(actions);
}

describe('HTTP API routes', () => {
  const templateRoutes = () => Object.values(template.findResources('AWS::ApiGatewayV2::Route'));

  it('has exactly one API route per row of the route table', () => {
    expect(
      templateRoutes()
        .map((r) => r.Properties.RouteKey)
        .sort(),
    ).toEqual(routes.map(routeKey).sort());
  });

  it.each(routes.map((r) => [routeKey(r), r] as const))('%s: authorization and function', (_key, route) => {
    const [resource] = templateRoutes().filter((r) => r.Properties.RouteKey === routeKey(route));
    expect(resource?.Properties.AuthorizationType).toBe(route.auth === 'iam' ? 'AWS_IAM' : 'NONE');

    const integrationId = resource?.Properties.Target['Fn::Join'][1][1].Ref as string;
    const integration = template.findResources('AWS::ApiGatewayV2::Integration')[integrationId];
    expect(integration?.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.functions[route.fn].function), 'Arn'] },
    });
  });

  it('requires IAM on every /admin route, in the table and in the template', () => {
    const adminRows = routes.filter((r) => r.path === '/admin' || r.path.startsWith('/admin/'));
    expect(adminRows.length).toBeGreaterThan(0);
    for (const row of adminRows) expect(row).toMatchObject({ auth: 'iam' });
    const adminRoutes = templateRoutes().filter((r) => / \/admin(\/|$)/.test(r.Properties.RouteKey));
    expect(adminRoutes).toHaveLength(adminRows.length);
    for (const r of adminRoutes) expect(r.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('has one integration per routed function, shared by its routes', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', new Set(routes.map((r) => r.fn)).size);
  });

  it('lets API Gateway invoke each routed function from this API only', () => {
    for (const name of new Set(routes.map((r) => r.fn))) {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [logicalId(stack.functions[name].function), 'Arn'] },
        SourceArn: { 'Fn::Join': ['', Match.arrayWith([{ Ref: logicalId(stack.httpApi.api) }])] },
      });
    }
  });

  it('serves the $default stage, auto-deployed, with access logs to a log group with retention', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack.httpApi.accessLogs), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    expect(template.findResources('AWS::Logs::LogGroup')[logicalId(stack.httpApi.accessLogs)]?.Properties.RetentionInDays).toBe(30);
  });
});

describe('Lambda functions', () => {
  it('creates one function per entry of the function table', () => {
    template.resourceCountIs('AWS::Lambda::Function', functionNames.length);
  });

  it.each(functionNames)('%s: arm64, Node.js 22, sizing, environment and its own log group', (name) => {
    const spec = functions[name] as (typeof functions)[FunctionName] & { memorySize?: number; timeoutSeconds?: number };
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack.functions[name].function)];
    expect(fn?.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Description: spec.description,
      MemorySize: spec.memorySize ?? 512,
      Timeout: spec.timeoutSeconds ?? 10,
      LoggingConfig: { LogGroup: { Ref: logicalId(stack.functions[name].logGroup) } },
      Environment: {
        Variables: {
          PUBLIC_URL: { 'Fn::GetAtt': [logicalId(stack.httpApi.api), 'ApiEndpoint'] },
          DATA_TABLE: { Ref: logicalId(stack.tables.data) },
          EPHEMERAL_TABLE: { Ref: logicalId(stack.tables.ephemeral) },
          SIGNING_KEY_IDS: { 'Fn::GetAtt': [logicalId(stack.signingKey.key), 'Arn'] },
        },
      },
    });
    const logGroup = template.findResources('AWS::Logs::LogGroup')[logicalId(stack.functions[name].logGroup)];
    expect(logGroup?.Properties.RetentionInDays).toBe(30);
  });

  it('gives no function role an AWS managed policy', () => {
    for (const name of functionNames) {
      const role = template.findResources('AWS::IAM::Role')[logicalId(stack.functions[name].role)];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('reserves concurrency for the admin API and the passback worker, whose event source stays within it', () => {
    expect(DEFAULT_RESERVED_CONCURRENCY).toEqual({ admin: 20, passbackWorker: 5 });
    for (const name of functionNames) {
      const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack.functions[name].function)];
      expect({ name, reserved: fn?.Properties.ReservedConcurrentExecutions }).toEqual({
        name,
        reserved: DEFAULT_RESERVED_CONCURRENCY[name],
      });
    }
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.functions.passbackWorker.function) },
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('takes reservations as a setting: {} reserves none, for accounts below 100 executions plus the reservations', () => {
    const none = Template.fromStack(new LtiBridgeStack(newApp(SKIP_BUNDLING), 'Unreserved', { reservedConcurrency: {} }));
    for (const fn of Object.values(none.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    for (const mapping of Object.values(none.findResources('AWS::Lambda::EventSourceMapping'))) {
      expect(mapping.Properties.ScalingConfig).toBeUndefined();
    }
    const more = Template.fromStack(new LtiBridgeStack(newApp(SKIP_BUNDLING), 'Reserved', { reservedConcurrency: { lti13Tool: 50 } }));
    expect(Object.values(more.findResources('AWS::Lambda::Function')).map((fn) => fn.Properties.ReservedConcurrentExecutions ?? 0)).toEqual(
      expect.arrayContaining([50, 0]),
    );
  });

  it.each([
    [{ admin: 0 }, /reserved concurrency must be a whole number of at least 1, got 0/],
    [{ admin: 2.5 }, /reserved concurrency must be a whole number of at least 1/],
    [{ passbackWorker: 1 }, /the passback worker's concurrency must be at least 2/],
    [{ adminApi: 5 }, /reservedConcurrency names "adminApi", which is no function/],
  ])('refuses the reservation %j', (reservedConcurrency, message) => {
    const build = () =>
      new LtiBridgeStack(newApp(SKIP_BUNDLING), 'Refused', { reservedConcurrency: reservedConcurrency as Record<FunctionName, number> });
    expect(build).toThrow(message);
  });

  it('refuses queue:send without a passback queue', () => {
    const scope = new Stack(newApp(SKIP_BUNDLING), 'QueueStack');
    const build = () =>
      new LtiFunction(scope, 'Sender', {
        name: 'sender',
        spec: { entry: 'jwks', description: 'wants a queue', permissions: ['queue:send'] },
        rootDir: join(__dirname, '..', '..'),
        publicUrl: 'https://lti.example.edu',
        tables: new DataTables(scope, 'Tables').tables,
        signingKey: new SigningKey(scope, 'SigningKey'),
      });
    expect(build).toThrow(/"sender" asks for 'queue:send', but no passback queue was given/);
  });
});

describe('grants follow functions[*].permissions exactly', () => {
  const READ = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];
  const WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
  const tableAccess: Record<TableName, { read: Permission[]; write: Permission[] }> = {
    data: { read: ['data:read', 'data:write'], write: ['data:write'] },
    ephemeral: { read: ['ephemeral:read', 'ephemeral:write'], write: ['ephemeral:write'] },
  };

  describe.each(functionNames)('%s', (name) => {
    const has = (p: Permission) => (functions[name].permissions as readonly Permission[]).includes(p);

    it.each(tableNames)('%s table: read and write only as listed', (table) => {
      const granted = actionsOn(statementsOf(name), logicalId(stack.tables[table]));
      if (tableAccess[table].read.some(has)) expect(granted).toEqual(expect.arrayContaining(READ));
      else expect(granted).toEqual([]);
      if (tableAccess[table].write.some(has)) expect(granted).toEqual(expect.arrayContaining(WRITE));
      else for (const action of WRITE) expect(granted).not.toContain(action);
    });

    it('signing key: kms:Sign only with kms:sign, kms:GetPublicKey with either kms permission', () => {
      const granted = actionsOn(statementsOf(name), logicalId(stack.signingKey.key));
      if (has('kms:sign')) expect(granted).toContain('kms:Sign');
      else expect(granted).not.toContain('kms:Sign');
      if (has('kms:sign') || has('kms:publicKey')) expect(granted).toContain('kms:GetPublicKey');
      else expect(granted).toEqual([]);
      expect(granted.every((a) => a === 'kms:Sign' || a === 'kms:GetPublicKey')).toBe(true);
    });

    it('passback queue: sqs:SendMessage only with queue:send, receiving only for a queue-triggered function', () => {
      const statements = statementsOf(name);
      const onQueue = actionsOn(statements, logicalId(stack.passbackQueue.queue));
      const onDeadLetters = actionsOn(statements, logicalId(stack.passbackQueue.deadLetterQueue));
      const sqs = statements.flatMap(actions).filter((a) => a.startsWith('sqs:'));
      const trigger = (functions[name] as { trigger?: string }).trigger;
      if (has('queue:send')) expect(onQueue).toContain('sqs:SendMessage');
      else expect(sqs).not.toContain('sqs:SendMessage');
      if (trigger === 'passback-queue') expect(onQueue).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
      else expect(onQueue.filter((a) => a !== 'sqs:SendMessage')).toEqual([]);
      // The dead-letter queue: receiving for its consumer only, and nobody sends to it (SQS's redrive does).
      if (trigger === 'passback-dead-letters')
        expect(onDeadLetters).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
      else expect(onDeadLetters).toEqual([]);
      expect(onDeadLetters).not.toContain('sqs:SendMessage');
      // Whatever is granted on SQS is granted on these two queues.
      expect([...onQueue, ...onDeadLetters].sort()).toEqual(sqs.sort());
    });

    it('nothing else: no wildcard resource, no other service, logs only to its own group', () => {
      const statements = statementsOf(name);
      const ownLogs = logicalId(stack.functions[name].logGroup);
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        expect(s.Resource).not.toBe('*');
        for (const action of actions(s)) {
          expect(action).toMatch(/^(dynamodb|kms|logs|sqs):[A-Za-z]+$/);
          if (action.startsWith('logs:')) expect(JSON.stringify(s.Resource)).toContain(`"${ownLogs}"`);
        }
      }
      const dynamo = statements.flatMap(actions).filter((a) => a.startsWith('dynamodb:'));
      if (!Object.values(tableAccess).some((t) => t.read.some(has))) expect(dynamo).toEqual([]);
    });
  });

  it('jwks: kms:GetPublicKey, but no kms:Sign and no DynamoDB action', () => {
    const granted = statementsOf('jwks').flatMap(actions);
    expect(granted).toContain('kms:GetPublicKey');
    expect(granted).not.toContain('kms:Sign');
    expect(granted.filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });

  it('admin: DynamoDB actions on the data table, but no kms:Sign', () => {
    const statements = statementsOf('admin');
    expect(actionsOn(statements, logicalId(stack.tables.data))).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']));
    expect(statements.flatMap(actions)).not.toContain('kms:Sign');
  });
});

describe('DynamoDB tables', () => {
  it.each(tableNames)('%s: as functions/tables.ts defines it', (name) => {
    const spec = tables[name] as (typeof tables)[TableName];
    const resource = template.findResources('AWS::DynamoDB::Table')[logicalId(stack.tables[name])];
    expect(resource?.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      KeySchema: [
        { AttributeName: spec.key.partitionKey, KeyType: 'HASH' },
        { AttributeName: spec.key.sortKey, KeyType: 'RANGE' },
      ],
    });
    expect(resource?.Properties.SSESpecification.KMSMasterKeyId).toBeUndefined();
    expect((resource?.Properties.GlobalSecondaryIndexes ?? []).map((i: { IndexName: string }) => i.IndexName)).toEqual(
      spec.indexes.map((i) => i.name),
    );
    if ('ttlAttribute' in spec) {
      expect(resource?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: spec.ttlAttribute, Enabled: true });
    } else {
      expect(resource?.Properties.TimeToLiveSpecification).toBeUndefined();
    }
    expect(resource?.DeletionPolicy).toBe(spec.retain ? 'Retain' : 'Delete');
    expect(resource?.UpdateReplacePolicy).toBe(spec.retain ? 'Retain' : 'Delete');
  });

  it('keeps the data table and expires ephemeral items by expiresAt', () => {
    expect(template.findResources('AWS::DynamoDB::Table')[logicalId(stack.tables.data)]?.DeletionPolicy).toBe('Retain');
    expect(template.findResources('AWS::DynamoDB::Table')[logicalId(stack.tables.ephemeral)]?.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
  });
});

describe('signing key', () => {
  it('is an RSA 2048 sign/verify KMS key that outlives the stack', () => {
    // The other key seals LTI 1.2 secrets (test/lib/secrets-key.test.ts).
    template.resourceCountIs('AWS::KMS::Key', 2);
    expect(template.findResources('AWS::KMS::Key')[logicalId(stack.signingKey.key)]).toMatchObject({
      Properties: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('has an alias', () => {
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: Match.stringLikeRegexp('^alias/lti-bridge/'),
      TargetKeyId: { 'Fn::GetAtt': [logicalId(stack.signingKey.key), 'Arn'] },
    });
  });
});

describe('outputs', () => {
  it('names the API URL, the JWKS URL, the key and every table', () => {
    const endpoint = { 'Fn::GetAtt': [logicalId(stack.httpApi.api), 'ApiEndpoint'] };
    template.hasOutput('ApiEndpoint', { Value: endpoint });
    template.hasOutput('PublicUrl', { Value: endpoint });
    template.hasOutput('JwksUrl', { Value: { 'Fn::Join': ['', [endpoint, '/.well-known/jwks.json']] } });
    template.hasOutput('SigningKeyArn', { Value: { 'Fn::GetAtt': [logicalId(stack.signingKey.key), 'Arn'] } });
    for (const name of tableNames) {
      const id = `${name.charAt(0).toUpperCase()}${name.slice(1)}TableName`;
      template.hasOutput(id, { Value: { Ref: logicalId(stack.tables[name]) } });
    }
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('finds nothing that is not acknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('gives every acknowledgment a reason', () => {
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) {
      expect({ id, reason: reason.trim().length >= 20 }).toEqual({ id, reason: true });
    }
  });
});

describe('with a custom domain, synthesized with the AwsSolutions checks as bin/app.ts registers them', () => {
  let custom: Template;

  beforeAll(() => {
    const app = newApp(SKIP_BUNDLING);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const customStack = new LtiBridgeStack(app, 'LtiBridgeStack', { publicUrl: 'https://lti.example.edu/' });
    // Throws "Validation failed" when a finding is not acknowledged.
    app.synth();
    custom = Template.fromStack(customStack);
  });

  it('gives every function the custom domain as PUBLIC_URL', () => {
    const fns = Object.values(custom.findResources('AWS::Lambda::Function'));
    expect(fns).toHaveLength(functionNames.length);
    for (const fn of fns) expect(fn.Properties.Environment.Variables.PUBLIC_URL).toBe('https://lti.example.edu');
  });

  it('publishes the JWKS URL under the custom domain', () => {
    custom.hasOutput('PublicUrl', { Value: 'https://lti.example.edu' });
    custom.hasOutput('JwksUrl', { Value: 'https://lti.example.edu/.well-known/jwks.json' });
  });
});

it('refuses a public URL that is not https', () => {
  const app = newApp(SKIP_BUNDLING);
  expect(() => new LtiBridgeStack(app, 'Insecure', { publicUrl: 'http://lti.example.edu' })).toThrow(/publicUrl must be an https URL/);
});
