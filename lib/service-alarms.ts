import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import type { ServiceFunction } from './service-function';
import type { StageSettings } from './stages';

/** Period of every alarm's metric. */
export const ALARM_PERIOD = Duration.minutes(5);

export interface ServiceAlarmsProps {
  readonly stage: StageSettings;
  /** Customer managed key that encrypts the alarm topic. */
  readonly key: Key;
  /** @default - no subscription; subscribe to the topic by other means */
  readonly alarmEmail?: string;
}

export interface AlarmOptions {
  readonly metric: IMetric;
  readonly description: string;
  /** The alarm fires at or above this value. @default 1 */
  readonly threshold?: number;
  /** @default 1 */
  readonly evaluationPeriods?: number;
}

/**
 * The encrypted alarm topic and the alarms that publish to it, both when
 * they fire and when they recover.
 */
export class ServiceAlarms extends Construct {
  readonly topic: Topic;
  private readonly stage: StageSettings;

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    this.stage = props.stage;

    this.topic = new Topic(this, 'Topic', {
      displayName: `${props.stage.stackName} alarms`,
      masterKey: props.key,
      enforceSSL: true,
    });
    // CloudWatch publishes alarms as its own service principal, so the
    // topic's key policy must allow it. The AWS managed key alias/aws/sns
    // has a fixed policy, which is why the topic uses this key.
    props.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }
  }

  /** Creates an alarm on the metric, summed over five-minute periods. */
  addAlarm(id: string, options: AlarmOptions): Alarm {
    const alarm = new Alarm(this, id, {
      alarmName: `${this.stage.stackName}-${id}`,
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold ?? 1,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }

  /** Alarms on any error or throttle of the function. */
  watchFunction(name: string, target: ServiceFunction): void {
    this.addAlarm(`${name}Errors`, {
      metric: target.function.metricErrors({
        period: ALARM_PERIOD,
        statistic: 'Sum',
      }),
      description: `The ${name} function failed at least once.`,
    });
    this.addAlarm(`${name}Throttles`, {
      metric: target.function.metricThrottles({
        period: ALARM_PERIOD,
        statistic: 'Sum',
      }),
      description: `The ${name} function was throttled at least once.`,
    });
  }

  /** Alarms as soon as a message waits in the dead-letter queue. */
  watchDeadLetterQueue(name: string, queue: IQueue, contents: string): void {
    this.addAlarm(`${name}Messages`, {
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: ALARM_PERIOD,
        statistic: 'Maximum',
      }),
      description: `${contents} are waiting in the ${name} queue.`,
    });
  }
}
