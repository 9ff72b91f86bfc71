/**
 * The operations alarms and dashboard (issue 16: "Alarms in the stack: dead-letter queue not empty,
 * refused-launch rate spike, 5xx, Lambda throttles and errors; a dashboard. The stack test checks each
 * alarm exists and what it watches"), read from the synthesized template.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { functions } from '../../functions/routes';
import type { LtiBridgeStack } from '../../lib/lti-bridge-stack';
import { DEFAULT_ALARM_THRESHOLDS, METRICS_NAMESPACE } from '../../lib/monitoring';
import { settingsFromContext } from '../../lib/settings';
import { logicalIdOf, newApp, synthesize } from '../fixtures/cdk-apps';

let stack: LtiBridgeStack;
let template: Template;
let alarms: Record<string, any>;

beforeAll(() => {
  ({ stack, template } = synthesize());
  alarms = template.findResources('AWS::CloudWatch::Alarm');
});

const alarmOf = (name: string) => alarms[logicalIdOf(stack.monitoring.alarms[name]!)]!.Properties;
const ref = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: logicalIdOf(construct) });
const notifiesTopic = (properties: Record<string, any>) => expect(properties.AlarmActions).toEqual([ref(stack.monitoring.topic)]);

it('alarms when the passback dead-letter queue is not empty', () => {
  const alarm = alarmOf('DeadLettersNotEmpty');
  expect(alarm).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
  expect(alarm.Dimensions).toEqual([
    { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack.passbackQueue.deadLetterQueue), 'QueueName'] } },
  ]);
  notifiesTopic(alarm);
});

it('alarms on a spike of refused launches, the metric the functions write', () => {
  const alarm = alarmOf('RefusedLaunchSpike');
  expect(alarm).toMatchObject({
    Namespace: METRICS_NAMESPACE,
    MetricName: 'LaunchRefused',
    Statistic: 'Sum',
    Period: 300,
    Threshold: DEFAULT_ALARM_THRESHOLDS.refusedLaunches,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    // Powertools adds the service name to every metric it writes (functions/observability.ts).
    Dimensions: [{ Name: 'service', Value: 'lti-bridge' }],
  });
  notifiesTopic(alarm);
});

it("alarms on the API's 5xx answers", () => {
  const alarm = alarmOf('ApiServerErrors');
  expect(alarm).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Threshold: DEFAULT_ALARM_THRESHOLDS.serverErrors });
  expect(alarm.Dimensions).toContainEqual({ Name: 'ApiId', Value: ref(stack.httpApi.api) });
  notifiesTopic(alarm);
});

it("alarms on every function's errors and throttles", () => {
  for (const name of Object.keys(functions) as (keyof typeof functions)[]) {
    const pascal = name[0]!.toUpperCase() + name.slice(1);
    const fn = ref(stack.functions[name].function);
    for (const [suffix, metric] of [
      ['Errors', 'Errors'],
      ['Throttles', 'Throttles'],
    ]) {
      const alarm = alarmOf(`${pascal}${suffix}`);
      expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: metric, Threshold: 1 });
      expect(alarm.Dimensions).toEqual([{ Name: 'FunctionName', Value: fn }]);
      notifiesTopic(alarm);
    }
  }
  expect(Object.keys(alarms)).toHaveLength(3 + 2 * Object.keys(functions).length + 1 /* the signing key's */);
});

it("has a dashboard of launches, passbacks, the API, the functions and the queues, and outputs the alarms' topic", () => {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
  for (const metric of [
    'LaunchAccepted',
    'LaunchRefused',
    'PassbackDelivered',
    'PassbackRetried',
    'PassbackFailed',
    'KmsSign',
    'TokenCacheHit',
    '5xx',
    'Throttles',
  ]) {
    expect(body).toContain(metric);
  }
  expect(Object.keys(template.toJSON().Outputs ?? {}).some((key) => key.includes('AlarmsTopicArn'))).toBe(true);
});

it('reads its thresholds from CDK context (alarmThresholds)', () => {
  const read = (value: unknown) => settingsFromContext(newApp({ alarmThresholds: value }).node).alarmThresholds;
  expect(read('{"refusedLaunches": 200}')).toEqual({ refusedLaunches: 200 });
  expect(() => read('{"launches": 1}')).toThrow(/alarmThresholds/);
  const raised = synthesize({ alarmThresholds: { refusedLaunches: 200 } });
  const alarm = raised.template.findResources('AWS::CloudWatch::Alarm')[logicalIdOf(raised.stack.monitoring.alarms.RefusedLaunchSpike!)];
  expect(alarm!.Properties.Threshold).toBe(200);
});
