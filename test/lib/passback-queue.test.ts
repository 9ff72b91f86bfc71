import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction, Code, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { passbackMaxReceives } from '../../functions/academy/passback/retry-policy';
import { functions, type FunctionName, type Permission } from '../../functions/routes';
import { LtiBridgeStack } from '../../lib/lti-bridge-stack';
import { PassbackQueue } from '../../lib/passback-queue';

const outdirs: string[] = [];
function newApp(): App {
  const outdir = mkdtempSync(join(tmpdir(), 'lti-bridge-cdk-'));
  outdirs.push(outdir);
  // The bundles are checked by stack.test.ts; this file checks the queue's wiring only.
  return new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
}

let stack: LtiBridgeStack;
let template: Template;

beforeAll(() => {
  stack = new LtiBridgeStack(newApp(), 'LtiBridgeStack');
  template = Template.fromStack(stack);
});

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

const names = Object.keys(functions) as FunctionName[];
const permissionsOf = (name: FunctionName) => functions[name].permissions as readonly Permission[];
const triggerOf = (name: FunctionName) => (functions[name] as { trigger?: string }).trigger;
const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const timeoutOf = (name: FunctionName) => (functions[name] as { timeoutSeconds?: number }).timeoutSeconds ?? 10;
/** Six times the longest timeout of the functions that consume either queue. */
const visibilityTimeout = () => 6 * Math.max(...names.filter((n) => triggerOf(n) !== undefined).map(timeoutOf));

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every statement of the policies attached to a function's role. */
function statementsOf(name: FunctionName): Statement[] {
  const roleId = logicalId(stack.functions[name].role);
  return Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } })).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );
}
const actionsOn = (statements: Statement[], id: string) =>
  statements.filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Resource).includes(`"${id}"`)).flatMap((s) => [s.Action].flat());

describe('passback queue and dead-letter queue', () => {
  it('creates exactly the two queues', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
  });

  it('sends messages that fail passbackMaxReceives (5) times to the dead-letter queue, with a visibility timeout of six worker timeouts', () => {
    const queue = template.findResources('AWS::SQS::Queue')[logicalId(stack.passbackQueue.queue)];
    expect(visibilityTimeout()).toBe(6 * timeoutOf('passbackWorker'));
    expect(passbackMaxReceives).toBe(5);
    expect(queue?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: visibilityTimeout(),
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.passbackQueue.deadLetterQueue), 'Arn'] },
        // The count the dead-letter function quotes in the delivery's lastError.
        maxReceiveCount: passbackMaxReceives,
      },
    });
  });

  it('keeps dead letters for 14 days, encrypted, with the same visibility timeout', () => {
    const dlq = template.findResources('AWS::SQS::Queue')[logicalId(stack.passbackQueue.deadLetterQueue)];
    expect(dlq?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
      VisibilityTimeout: visibilityTimeout(),
    });
    expect(dlq?.Properties.RedrivePolicy).toBeUndefined();
  });

  it.each([
    ['queue', () => stack.passbackQueue.queue],
    ['dead-letter queue', () => stack.passbackQueue.deadLetterQueue],
  ])('%s: refuses requests without TLS (cdk-nag SQS4)', (_label, queue) => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(queue()) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('outputs the dead-letter queue URL', () => {
    template.hasOutput('PassbackDeadLetterQueueUrl', { Value: { Ref: logicalId(stack.passbackQueue.deadLetterQueue) } });
  });

  it('has no AwsSolutions finding on the queues', () => {
    const report = new AwsSolutionsChecks().validateScope(stack.passbackQueue);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('worker', () => {
  const workers = names.filter((n) => triggerOf(n) === 'passback-queue');

  it('is the passback worker, with one SQS event source that reports batch item failures', () => {
    expect(workers).toEqual(['passbackWorker']);
    // The worker's and the dead-letter function's.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.functions.passbackWorker.function) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.passbackQueue.queue), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs with a 30 s timeout and may queue its own next attempt', () => {
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack.functions.passbackWorker.function)];
    expect(fn?.Properties.Timeout).toBe(30);
    expect(permissionsOf('passbackWorker')).toContain('queue:send');
  });
});

describe('dead-letter function (a delivery whose message was dead-lettered is marked failed, never left pending)', () => {
  const consumers = names.filter((n) => triggerOf(n) === 'passback-dead-letters');
  const mappings = () => Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((m) => m.Properties);

  it('is passbackDeadLetters, the one event source on the dead-letter queue, reporting batch item failures', () => {
    expect(consumers).toEqual(['passbackDeadLetters']);
    const onDeadLetters = mappings().filter(
      (m) => JSON.stringify(m.EventSourceArn) === JSON.stringify({ 'Fn::GetAtt': [logicalId(stack.passbackQueue.deadLetterQueue), 'Arn'] }),
    );
    expect(onDeadLetters).toEqual([
      expect.objectContaining({
        FunctionName: { Ref: logicalId(stack.functions.passbackDeadLetters.function) },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    ]);
    // And the worker is not on it, nor the dead-letter function on the passback queue.
    const onQueue = mappings().filter((m) => JSON.stringify(m.EventSourceArn).includes(`"${logicalId(stack.passbackQueue.queue)}"`));
    expect(onQueue.map((m) => m.FunctionName)).toEqual([{ Ref: logicalId(stack.functions.passbackWorker.function) }]);
  });

  it('may receive and delete dead letters and update the data table, and nothing else: no send, nothing on the passback queue, no KMS, no ephemeral table', () => {
    const statements = statementsOf('passbackDeadLetters');
    const granted = statements.flatMap((s) => [s.Action].flat());
    expect(actionsOn(statements, logicalId(stack.passbackQueue.deadLetterQueue))).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']),
    );
    expect(granted).not.toContain('sqs:SendMessage');
    expect(actionsOn(statements, logicalId(stack.passbackQueue.queue))).toEqual([]);
    expect(actionsOn(statements, logicalId(stack.tables.data))).toContain('dynamodb:UpdateItem');
    expect(actionsOn(statements, logicalId(stack.tables.ephemeral))).toEqual([]);
    expect(granted.filter((a) => a.startsWith('kms:'))).toEqual([]);
    expect(permissionsOf('passbackDeadLetters')).toEqual(['data:read', 'data:write']);
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack.functions.passbackDeadLetters.function)];
    expect(fn?.Properties.Environment.Variables.PASSBACK_QUEUE_URL).toBeUndefined();
  });

  it('has no AwsSolutions finding', () => {
    const report = new AwsSolutionsChecks().validateScope(stack.functions.passbackDeadLetters);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('queue:send', () => {
  it.each(names)('%s: PASSBACK_QUEUE_URL exactly when its spec lists queue:send', (name) => {
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack.functions[name].function)];
    const url = fn?.Properties.Environment.Variables.PASSBACK_QUEUE_URL;
    if (permissionsOf(name).includes('queue:send')) expect(url).toEqual({ Ref: logicalId(stack.passbackQueue.queue) });
    else expect(url).toBeUndefined();
  });

  it('is listed for the admin API (recording progress) and the worker, and not for launches or the JWKS', () => {
    const senders = names.filter((name) => permissionsOf(name).includes('queue:send')).sort();
    expect(senders).toEqual(expect.arrayContaining(['admin', 'passbackWorker']));
    expect(senders).not.toContain('jwks');
    expect(senders).not.toContain('lti12Tool');
  });

  it('grants only sqs:SendMessage on the passback queue, and nothing on SQS to other functions', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const sends = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((s) => [s.Action].flat().includes('sqs:SendMessage'))
        .map((s) => ({ roles: policy.Properties.Roles as { Ref: string }[], actions: [s.Action].flat(), resource: s.Resource })),
    );
    const senderRoles = names
      .filter((name) => permissionsOf(name).includes('queue:send'))
      .map((name) => logicalId(stack.functions[name].role));
    expect(sends.flatMap((s) => s.roles.map((r) => r.Ref)).sort()).toEqual(senderRoles.sort());
    for (const send of sends) {
      expect(send.actions).toEqual(['sqs:SendMessage']);
      expect(send.resource).toEqual({ 'Fn::GetAtt': [logicalId(stack.passbackQueue.queue), 'Arn'] });
    }
  });
});

describe('PassbackQueue construct', () => {
  it('takes the visibility timeout from its consumers and the redrive count from its props', () => {
    const scope = new Stack(newApp(), 'QueueOnly');
    const queue = new PassbackQueue(scope, 'Passback', { consumerTimeout: Duration.seconds(45), maxReceiveCount: 3 });
    const fn = new LambdaFunction(scope, 'Worker', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler=async()=>({})'),
    });
    queue.addWorker(fn);
    const consumer = new LambdaFunction(scope, 'DeadLetters', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler=async()=>({})'),
    });
    queue.addDeadLetterConsumer(consumer);
    const t = Template.fromStack(scope);
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 270, RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) });
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 270, MessageRetentionPeriod: 14 * 24 * 3600 });
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: scope.getLogicalId(consumer.node.defaultChild as CfnElement) },
      EventSourceArn: { 'Fn::GetAtt': [scope.getLogicalId(queue.deadLetterQueue.node.defaultChild as CfnElement), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});
