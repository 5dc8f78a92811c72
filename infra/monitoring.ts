import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, RuleTargetInput, EventField, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { LogGroup, LogStream, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ACTUALS_PREFIX, DIMENSIONS, ENV, METRICS, QUALITY_METRICS, SERVICE_NAME as POWERTOOLS_SERVICE_NAME } from '../lambda/contract';
import { logicalIdOf } from './buckets';
import { acknowledgeNag } from './nag';
import { PredictFunction } from './predict-function';
import type { PredictSettings } from './settings';

/** Prefixes of the data bucket that capture and the monitor own. */
export const MONITORING_PREFIXES = Object.freeze({
  capture: 'capture/',
  captureErrors: 'capture-errors/',
  reports: 'monitoring/',
  /** ground truth by ride id, `actuals/dt=<YYYY-MM-DD of the ride>/<file>` (docs/monitoring.md) */
  actuals: ACTUALS_PREFIX,
});

/** Capture lands partitioned by the hour Firehose received it (UTC), as the monitor reads it. */
export const CAPTURE_S3_PREFIX = `${MONITORING_PREFIXES.capture}dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/`;

/**
 * The reference profile `npm run train` writes in a model's directory (lambda/monitoring's
 * `reference-profile.json`): `models/model.onnx` → `models/reference-profile.json`.
 */
export function referenceProfileKey(modelKey: string): string {
  return `${modelKey.slice(0, modelKey.lastIndexOf('/') + 1)}reference-profile.json`;
}

/** Knobs of capture delivery and the scheduled monitor; defaults in {@link DEFAULT_MONITORING_SETTINGS}. */
export interface MonitoringSettings {
  /** Firehose buffers this long (or this many MiB) before writing an S3 object */
  readonly bufferSeconds: number;
  readonly bufferMiB: number;
  /** CAPTURE_SAMPLE_RATE of the functions */
  readonly captureSampleRate: number;
  /** EventBridge schedule of the monitor (weekly: Mondays 04:00 UTC) */
  readonly monitorSchedule: string;
  /** the period of capture each run reads, ending at the scheduled time */
  readonly monitorPeriodDays: number;
  readonly monitorMemoryMb: number;
  readonly monitorTimeoutSeconds: number;
  /** alarm when at least this many inputs drift */
  readonly driftedInputsAlarm: number;
}

export const DEFAULT_MONITORING_SETTINGS: MonitoringSettings = Object.freeze({
  bufferSeconds: 60,
  bufferMiB: 5,
  captureSampleRate: 1,
  monitorSchedule: 'cron(0 4 ? * MON *)',
  monitorPeriodDays: 7,
  monitorMemoryMb: 1024,
  monitorTimeoutSeconds: 300,
  driftedInputsAlarm: 1,
});

export interface MonitoringProps {
  readonly dataBucket: Bucket;
  /** where the monitor reads the reference profiles of the training data, one per model */
  readonly referenceBucket: IBucket;
  readonly referenceKeys: readonly string[];
  /** the served models' names: one RMSE alarm each */
  readonly models: readonly string[];
  /** roles that put capture records (the predict and batch functions) */
  readonly producers: readonly IRole[];
  readonly settings: PredictSettings;
  readonly monitoring?: Partial<MonitoringSettings>;
}

/**
 * Prediction capture in AWS and the scheduled monitor: a Firehose delivery stream into the data
 * bucket's `capture/` prefix (by date and hour, GZIP), the producers' right to put records on that
 * stream only, the `actuals/` prefix where ground truth lands (and a policy for who writes it),
 * and a weekly function (the same asset) that compares the last period's capture with the training
 * reference, joins it to the period's actuals by ride id, writes `monitoring/`, and publishes
 * drift and quality metrics with alarms.
 */
export class Monitoring extends Construct {
  readonly deliveryStream: CfnDeliveryStream;
  readonly deliveryRole: Role;
  readonly monitor: PredictFunction;
  readonly settings: MonitoringSettings;
  /** for producers of ground truth: put objects under actuals/ of the data bucket, nothing else */
  readonly actualsProducerPolicy: ManagedPolicy;
  /** per model: RMSE of its worst version over its training RMSE above the factor */
  readonly rmseAlarms: Readonly<Record<string, Alarm>>;
  /** the functions' environment for capture: `CAPTURE_LOCATION=firehose://<stream>` */
  readonly captureEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const given = Object.fromEntries(Object.entries(props.monitoring ?? {}).filter(([, v]) => v !== undefined));
    const settings = (this.settings = Object.freeze({ ...DEFAULT_MONITORING_SETTINGS, ...given }));
    this.deliveryRole = this.createDeliveryRole(props.dataBucket);
    this.deliveryStream = this.createDeliveryStream(props.dataBucket, settings, props.settings.logRetentionDays);
    this.captureEnvironment = { [ENV.captureLocation]: `firehose://${this.deliveryStream.ref}`, [ENV.captureSampleRate]: String(settings.captureSampleRate) };
    for (const role of props.producers) {
      role.addToPrincipalPolicy(new PolicyStatement({ actions: ['firehose:PutRecordBatch'], resources: [this.deliveryStream.attrArn] }));
    }
    this.actualsProducerPolicy = new ManagedPolicy(this, 'ActualsProducerPolicy', {
      description: 'May put ground truth (ride_id, actual_<model>) under actuals/ of the ride duration service data bucket, nothing else',
      statements: [new PolicyStatement({ actions: ['s3:PutObject'], resources: [props.dataBucket.arnForObjects(`${MONITORING_PREFIXES.actuals}*`)] })],
    });
    acknowledgeNag(
      this.actualsProducerPolicy,
      `AwsSolutions-IAM5[Resource::<${logicalIdOf(props.dataBucket)}.Arn>/${MONITORING_PREFIXES.actuals}*]`,
      'Producers name their objects by day under actuals/dt=<day>/; only that prefix, write only.',
    );
    this.monitor = this.createMonitor(props, settings);
    // The operator's alarms; `-c operationalAlarms=false` (the demo preset) leaves only the deployment's rollback alarms.
    const alarmed = props.settings.operationalAlarms;
    if (alarmed) this.createAlarms(props.settings.metricsNamespace, settings);
    this.rmseAlarms = alarmed ? Object.fromEntries(props.models.map((model) => [model, this.rmseAlarm(model, props.settings)])) : {};
  }

  /**
   * Alarms when the model's worst version's RMSE on the period's joined ground truth exceeds its
   * training RMSE by the factor. The monitor publishes RmseOverTraining per version under
   * `[service, model]` as well as with the version (lambda/contract.ts QUALITY_METRICS): versions
   * are only known at run time, an alarm's dimensions at deploy time, so the alarm takes the
   * Maximum over the versions of its model.
   */
  private rmseAlarm(model: string, settings: PredictSettings): Alarm {
    const metric = new Metric({
      namespace: settings.metricsNamespace,
      metricName: QUALITY_METRICS.rmseOverTraining,
      dimensionsMap: { [DIMENSIONS.service]: POWERTOOLS_SERVICE_NAME, [DIMENSIONS.model]: model },
      statistic: 'Maximum',
      period: Duration.days(1),
    });
    return this.alarmAbove(
      `RmseOverTraining-${model}`,
      metric,
      settings.rmseAlarmFactor,
      `A version of model '${model}' has an RMSE on joined ground truth above ${settings.rmseAlarmFactor}× its training RMSE (see the monitor's report under monitoring/).`,
    );
  }

  /**
   * Firehose's role: write objects under capture/ and capture-errors/ only (plus the bucket-level
   * calls S3 delivery makes), and its own delivery-error log stream. The trust is limited to this
   * account's Firehose (confused deputy).
   */
  private createDeliveryRole(bucket: Bucket): Role {
    const account = Stack.of(this).account;
    const role = new Role(this, 'DeliveryRole', {
      assumedBy: new ServicePrincipal('firehose.amazonaws.com', { conditions: { StringEquals: { 'sts:ExternalId': account } } }),
      description: 'Firehose delivery of prediction capture into the data bucket (capture/ only)',
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [bucket.arnForObjects(`${MONITORING_PREFIXES.capture}*`), bucket.arnForObjects(`${MONITORING_PREFIXES.captureErrors}*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [bucket.bucketArn] }),
    );
    const bucketId = logicalIdOf(bucket);
    for (const prefix of [MONITORING_PREFIXES.capture, MONITORING_PREFIXES.captureErrors]) {
      acknowledgeNag(
        role,
        `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
        `Firehose names its objects under ${prefix} by time; only that prefix.`,
      );
    }
    return role;
  }

  private createDeliveryStream(bucket: Bucket, settings: MonitoringSettings, logRetentionDays: RetentionDays): CfnDeliveryStream {
    const logGroup = new LogGroup(this, 'DeliveryLogs', { retention: logRetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    const logStream = new LogStream(this, 'DeliveryErrors', { logGroup, removalPolicy: RemovalPolicy.DESTROY });
    logGroup.grantWrite(this.deliveryRole);
    const stream = new CfnDeliveryStream(this, 'Capture', {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: this.deliveryRole.roleArn,
        prefix: CAPTURE_S3_PREFIX,
        errorOutputPrefix: `${MONITORING_PREFIXES.captureErrors}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`,
        compressionFormat: 'GZIP',
        bufferingHints: { intervalInSeconds: settings.bufferSeconds, sizeInMBs: settings.bufferMiB },
        cloudWatchLoggingOptions: { enabled: true, logGroupName: logGroup.logGroupName, logStreamName: logStream.logStreamName },
      },
    });
    // The role's policy must exist before Firehose checks it can write.
    stream.node.addDependency(this.deliveryRole);
    return stream;
  }

  /**
   * The monitor: the same asset, run by EventBridge with `{"monitor": "scheduled", "time": ...}`.
   * It lists and reads capture/ and actuals/ (nothing else of the data bucket), reads the models'
   * reference profiles, writes monitoring/. Its metrics go out as EMF log lines (no PutMetricData right).
   */
  private createMonitor(props: MonitoringProps, settings: MonitoringSettings): PredictFunction {
    const data = props.dataBucket;
    const monitor = new PredictFunction(this, 'Monitor', {
      description: 'Ride duration prediction: weekly drift and quality report over captured predictions',
      memoryMb: settings.monitorMemoryMb,
      timeoutSeconds: settings.monitorTimeoutSeconds,
      settings: props.settings,
      environment: {
        [ENV.monitorCaptureLocation]: `s3://${data.bucketName}/${MONITORING_PREFIXES.capture}`,
        [ENV.monitorReferenceLocation]: props.referenceKeys.map((key) => `s3://${props.referenceBucket.bucketName}/${key}`).join(','),
        [ENV.monitorActualsLocation]: `s3://${data.bucketName}/${MONITORING_PREFIXES.actuals}`,
        [ENV.monitorOutputLocation]: `s3://${data.bucketName}/${MONITORING_PREFIXES.reports}`,
        [ENV.monitorPeriodDays]: String(settings.monitorPeriodDays),
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: props.settings.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
    });
    const role = monitor.role;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [data.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${MONITORING_PREFIXES.capture}*`, `${MONITORING_PREFIXES.actuals}*`] } },
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [data.arnForObjects(`${MONITORING_PREFIXES.capture}*`), data.arnForObjects(`${MONITORING_PREFIXES.actuals}*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: props.referenceKeys.map((key) => props.referenceBucket.arnForObjects(key)) }),
    );
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [data.arnForObjects(`${MONITORING_PREFIXES.reports}*`)] }));
    const dataId = logicalIdOf(data);
    acknowledgeNag(
      role,
      `AwsSolutions-IAM5[Resource::<${dataId}.Arn>/${MONITORING_PREFIXES.capture}*]`,
      'Reads the capture objects Firehose named by time; only capture/.',
    );
    acknowledgeNag(
      role,
      `AwsSolutions-IAM5[Resource::<${dataId}.Arn>/${MONITORING_PREFIXES.actuals}*]`,
      'Reads the ground-truth objects producers name by day; only actuals/.',
    );
    acknowledgeNag(
      role,
      `AwsSolutions-IAM5[Resource::<${dataId}.Arn>/${MONITORING_PREFIXES.reports}*]`,
      'Writes one report per period under monitoring/; only that prefix.',
    );
    new Rule(this, 'Schedule', {
      description: `Drift and quality report over the last ${settings.monitorPeriodDays} days of captured predictions`,
      schedule: Schedule.expression(settings.monitorSchedule),
      targets: [new LambdaFunction(monitor.function, { retryAttempts: 2, event: RuleTargetInput.fromObject({ monitor: 'scheduled', time: EventField.time }) })],
    });
    return monitor;
  }

  private createAlarms(namespace: string, settings: MonitoringSettings): void {
    const daily = (metricName: string, statistic: string) =>
      new Metric({ namespace, metricName, dimensionsMap: { service: POWERTOOLS_SERVICE_NAME }, statistic, period: Duration.days(1) });
    this.alarmAtLeast(
      'DatasetDrift',
      daily('DatasetDrift', 'Maximum'),
      1,
      'The monitor found dataset drift: at least half of the inputs drifted from the training data.',
    );
    this.alarmAtLeast(
      'DriftedInputs',
      daily(METRICS.driftedInputs, 'Maximum'),
      settings.driftedInputsAlarm,
      `At least ${settings.driftedInputsAlarm} input(s) drifted from the training data.`,
    );
    this.alarmAbove(
      'CaptureDropped',
      new Metric({
        namespace,
        metricName: METRICS.captureRecordsDropped,
        dimensionsMap: { service: POWERTOOLS_SERVICE_NAME },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      0,
      'Capture records were dropped (Firehose down or throttling, or the buffer was full).',
    );
    this.alarmAbove('MonitorErrors', this.monitor.function.metricErrors({ period: Duration.days(1) }), 0, 'The scheduled monitor failed.');
  }

  private alarmAtLeast(id: string, metric: IMetric, threshold: number, description: string): Alarm {
    return this.alarm(id, metric, threshold, description, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
  }

  private alarmAbove(id: string, metric: IMetric, threshold: number, description: string): Alarm {
    return this.alarm(id, metric, threshold, description, ComparisonOperator.GREATER_THAN_THRESHOLD);
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string, comparisonOperator: ComparisonOperator): Alarm {
    return new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
  }
}
