import { CfnOutput, Duration } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionName } from '../functions/routes';

/**
 * The namespace of the metrics the functions write (CloudWatch embedded metric format, one JSON log
 * line each): launches accepted and refused, passbacks delivered, retried and failed, KMS signs,
 * token cache hits. `functions/observability.ts` writes them under this name.
 */
export const METRICS_NAMESPACE = 'LtiBridge';
/** Every metric lti-bridge writes has this dimension (Powertools adds the service name to each). */
export const METRICS_DIMENSIONS = { service: 'lti-bridge' };

/** When an alarm fires, per five minutes (README "Operations"). */
export interface AlarmThresholds {
  /** Launches refused (both sides, every code): a spike means a misconfigured LMS or an attack. */
  readonly refusedLaunches: number;
  /** Answers 500-599 of the API. */
  readonly serverErrors: number;
}

export const DEFAULT_ALARM_THRESHOLDS: AlarmThresholds = { refusedLaunches: 50, serverErrors: 5 };

export interface MonitoringProps {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  readonly passbackQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly thresholds?: Partial<AlarmThresholds>;
}

const fiveMinutes = Duration.minutes(5);

/**
 * What a platform team watches: an SNS topic that every alarm notifies (output `AlarmsTopicArn`),
 * alarms on a dead-letter queue that is not empty, a spike of refused launches, the API's 5xx, and
 * each function's errors and throttles; and one dashboard with the API, the functions, the passback
 * queues and lti-bridge's own metrics.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Record<string, Alarm> = {};
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const thresholds = { ...DEFAULT_ALARM_THRESHOLDS, ...props.thresholds };
    this.topic = new Topic(this, 'Alarms', { displayName: 'lti-bridge alarms', enforceSSL: true });
    const action = new SnsAction(this.topic);
    const alarm = (name: string, metric: IMetric, threshold: number, description: string) => {
      const created = new Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      this.alarms[name] = created;
      return created;
    };

    alarm(
      'DeadLettersNotEmpty',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
      1,
      'Passback messages reached the dead-letter queue: lti-bridge could not process them 5 times (its consumer marks each passback failed; see the worker logs).',
    );
    const refused = new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'LaunchRefused',
      dimensionsMap: METRICS_DIMENSIONS,
      statistic: 'Sum',
      period: fiveMinutes,
    });
    alarm(
      'RefusedLaunchSpike',
      refused,
      thresholds.refusedLaunches,
      `At least ${thresholds.refusedLaunches} launches refused in 5 minutes: an LMS misconfigured (see the log lines "launch refused" and their code) or forged launches.`,
    );
    const apiMetric = (metricName: string, statistic = 'Sum') =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: props.api.apiId, Stage: props.stage.stageName },
        statistic,
        period: fiveMinutes,
      });
    alarm('ApiServerErrors', apiMetric('5xx'), thresholds.serverErrors, `At least ${thresholds.serverErrors} answers 5xx in 5 minutes.`);
    for (const [name, fn] of Object.entries(props.functions) as [FunctionName, IFunction][]) {
      const pascal = name[0]!.toUpperCase() + name.slice(1);
      alarm(
        `${pascal}Errors`,
        fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        1,
        `The ${name} function failed (an invocation error, not an answer).`,
      );
      alarm(
        `${pascal}Throttles`,
        fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
        1,
        `The ${name} function was throttled: its concurrency ran out.`,
      );
    }

    const custom = (metricName: string) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: METRICS_DIMENSIONS, statistic: 'Sum', period: fiveMinutes });
    const fns = Object.entries(props.functions) as [FunctionName, IFunction][];
    this.dashboard = new Dashboard(this, 'Dashboard');
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: '# lti-bridge\nLaunches, passbacks, the API and its functions. Alarms notify the AlarmsTopicArn output.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Launches', left: [custom('LaunchAccepted'), custom('LaunchRefused')], width: 12 }),
      new GraphWidget({
        title: 'Passbacks',
        left: [custom('PassbackDelivered'), custom('PassbackRetried'), custom('PassbackFailed')],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'API requests and errors', left: [apiMetric('Count'), apiMetric('4xx'), apiMetric('5xx')], width: 12 }),
      new GraphWidget({ title: 'API latency (p99)', left: [apiMetric('Latency', 'p99')], width: 12 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Function errors', left: fns.map(([, fn]) => fn.metricErrors({ period: fiveMinutes })), width: 8 }),
      new GraphWidget({ title: 'Function throttles', left: fns.map(([, fn]) => fn.metricThrottles({ period: fiveMinutes })), width: 8 }),
      new GraphWidget({
        title: 'Function duration (p99)',
        left: fns.map(([, fn]) => fn.metricDuration({ period: fiveMinutes, statistic: 'p99' })),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Passback queues',
        left: [
          props.passbackQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'KMS signs and token cache',
        left: [custom('KmsSign'), custom('TokenCacheHit'), custom('TokenCacheMiss')],
        width: 12,
      }),
    );
    new CfnOutput(this, 'AlarmsTopicArn', {
      value: this.topic.topicArn,
      description: 'Every operations alarm notifies this topic: subscribe to hear of them',
    });
  }
}
