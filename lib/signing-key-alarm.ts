import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type CfnRule, Rule } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { SigningKey } from './signing-key';

export interface SigningKeyAlarmProps {
  /** The key to watch; its signing roles, all granted by now, are the only callers that raise nothing. */
  readonly signingKey: SigningKey;
  /** The other keys the JWKS publishes while a rotation is under way: nobody may sign with them. */
  readonly otherKeys?: readonly SigningKey[];
}

/**
 * Raises an alarm when anyone but the signing functions calls `kms:Sign` on the signing key, or
 * tries to: the key policy refuses such a call, so a successful one means the policy was changed,
 * and a refused one that someone is trying (docs/security.md "The signing key's policy").
 *
 * CloudTrail records each `Sign` call and delivers it to EventBridge's default bus; a rule matches
 * the ones on this key whose caller is not a signing role, publishes each to the security topic
 * (the event names the caller) and counts as triggered, which a CloudWatch alarm watches. KMS `Sign`
 * is a read-only management event, which a rule receives only in the state
 * `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`. Prerequisite: a CloudTrail trail that logs
 * management events, read events included, in the stack's account and region (EventBridge receives
 * no CloudTrail event without one).
 */
export class SigningKeyAlarm extends Construct {
  /** Subscribe to it (e-mail, chat, a pager) to hear of the alarm. */
  readonly topic: Topic;
  readonly rule: Rule;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: SigningKeyAlarmProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'lti-bridge security alerts', enforceSSL: true });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'EventBridge and CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key; the topic carries CloudTrail event metadata (who called Sign, from where), no tokens or keys',
    });

    const signerArns = props.signingKey.signingRoles.map((role) => role.roleArn);
    // An assumed role's session names the role it came from; any other caller (a user, the root
    // user, a service) has no session issuer at all.
    const caller = (arn: unknown) => ({ userIdentity: { sessionContext: { sessionIssuer: { arn: [arn] } } } });
    this.rule = new Rule(this, 'ForeignSign', {
      description: 'lti-bridge: kms:Sign on the signing key by a caller other than the signing functions',
      eventPattern: {
        source: ['aws.kms'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['kms.amazonaws.com'],
          eventName: ['Sign'],
          resources: { ARN: [props.signingKey.key.keyArn, ...(props.otherKeys ?? []).map((key) => key.key.keyArn)] },
          $or: [caller(signerArns.length > 0 ? { 'anything-but': signerArns } : { exists: true }), caller({ exists: false })],
        },
      },
      targets: [new SnsTopic(this.topic)],
    });
    (this.rule.node.defaultChild as CfnRule).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

    this.alarm = new Alarm(this, 'Alarm', {
      alarmDescription:
        'lti-bridge: someone other than the signing functions called kms:Sign on the signing key (the security topic has each event, with its caller)',
      metric: new Metric({
        namespace: 'AWS/Events',
        metricName: 'TriggeredRules',
        dimensionsMap: { RuleName: this.rule.ruleName },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new SnsAction(this.topic));
  }
}
