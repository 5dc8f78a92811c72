import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DIMENSIONS, METRICS, SERVICE_NAME } from '../lambda/contract';

export interface PredictAlarmsProps {
  readonly predict: IFunction;
  readonly batch: IFunction;
  readonly onFailureQueue: IQueue;
  readonly metricsNamespace: string;
  /** an iterator older than this means the stream function is falling behind */
  readonly maxIteratorAgeSeconds: number;
}

/**
 * Alarms an operator needs: either function failing or throttled, the stream falling behind,
 * and records leaving the happy path (dead-lettered by the function, or given up on by Lambda).
 */
export class PredictAlarms extends Construct {
  constructor(scope: Construct, id: string, props: PredictAlarmsProps) {
    super(scope, id);
    const fiveMinutes = { period: Duration.minutes(5) };
    this.alarmAbove('PredictErrors', props.predict.metricErrors(fiveMinutes), 0, 'The predict function (API + stream) threw.');
    this.alarmAbove('PredictThrottles', props.predict.metricThrottles(fiveMinutes), 0, 'The predict function was throttled.');
    this.alarmAbove('BatchErrors', props.batch.metricErrors(fiveMinutes), 0, 'A batch-scoring run failed.');
    this.alarmAbove('BatchThrottles', props.batch.metricThrottles(fiveMinutes), 0, 'The batch function was throttled.');
    this.alarmAbove(
      'StreamIteratorAge',
      props.predict.metric('IteratorAge', { statistic: 'Maximum', ...fiveMinutes }),
      props.maxIteratorAgeSeconds * 1000,
      `Ride events wait longer than ${props.maxIteratorAgeSeconds} s before they are scored.`,
    );
    const deadLettered = new Metric({
      namespace: props.metricsNamespace,
      metricName: METRICS.recordsDeadLettered,
      dimensionsMap: { [DIMENSIONS.service]: SERVICE_NAME },
      statistic: 'Sum',
      ...fiveMinutes,
    });
    this.alarmAbove('DeadLetters', deadLettered, 0, 'Ride events could not be scored and were written to the dead-letter prefix.');
    this.alarmAbove(
      'StreamOnFailure',
      props.onFailureQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', ...fiveMinutes }),
      0,
      'Lambda gave up on a batch of ride events (retries or record age exhausted); see the on-failure queue.',
    );
  }

  private alarmAbove(id: string, metric: IMetric, threshold: number, description: string): Alarm {
    return new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
  }
}
