import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction, Code, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
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

describe('passback queue and dead-letter queue', () => {
  it('creates exactly the two queues', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
  });

  it('sends messages that fail 5 times to the dead-letter queue, with a visibility timeout of six worker timeouts', () => {
    const queue = template.findResources('AWS::SQS::Queue')[logicalId(stack.passbackQueue.queue)];
    const workerTimeout = Math.max(...names.filter((n) => triggerOf(n) === 'passback-queue').map((n) => (functions[n] as { timeoutSeconds?: number }).timeoutSeconds ?? 10));
    expect(queue?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: workerTimeout * 6,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.passbackQueue.deadLetterQueue), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
  });

  it('keeps dead letters for 14 days, encrypted', () => {
    const dlq = template.findResources('AWS::SQS::Queue')[logicalId(stack.passbackQueue.deadLetterQueue)];
    expect(dlq?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
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
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
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
    const senderRoles = names.filter((name) => permissionsOf(name).includes('queue:send')).map((name) => logicalId(stack.functions[name].role));
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
    const fn = new LambdaFunction(scope, 'Worker', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler=async()=>({})') });
    queue.addWorker(fn);
    const t = Template.fromStack(scope);
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 270, RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });
});
