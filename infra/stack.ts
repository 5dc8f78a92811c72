import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { PredictAlarms, POWERTOOLS_SERVICE_NAME } from './alarms';
import { PredictApi } from './api';
import { Buckets, DATA_PREFIXES, logicalIdOf } from './buckets';
import { acknowledgeNag } from './nag';
import { Monitoring, MONITORING_PREFIXES, referenceProfileKey } from './monitoring';
import { PredictFunction } from './predict-function';
import { resolveSettings, type PredictSettings } from './settings';
import { PredictionStreams } from './streams';
import { expireRawInputs } from './raw-input-expiry';

/** Stack props: any {@link PredictSettings} left out takes its default. */
export interface PredictStackProps extends StackProps {
  readonly settings?: Partial<PredictSettings>;
}

/**
 * The whole system: the model and data buckets, one asset deployed as two functions (web service +
 * stream, and batch), the HTTP API, the Kinesis streams, the monthly schedule and the alarms.
 * Reads nothing from the environment: everything comes in through props.
 */
export class PredictStack extends Stack {
  readonly settings: PredictSettings;
  readonly buckets: Buckets;
  readonly streams: PredictionStreams;
  readonly predict: PredictFunction;
  readonly batch: PredictFunction;
  readonly api: PredictApi;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: PredictStackProps = {}) {
    super(scope, id, props);
    const settings = (this.settings = resolveSettings(props.settings));
    this.buckets = new Buckets(this, 'Buckets', settings);
    this.streams = new PredictionStreams(this, 'Streams', settings);
    const { model, data } = this.buckets;
    const modelLocation = `s3://${model.bucketName}/${settings.modelKey}`;
    const deadLetterLocation = `s3://${data.bucketName}/${DATA_PREFIXES.deadLetters}`;
    const powertools = {
      POWERTOOLS_SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace,
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };

    this.predict = new PredictFunction(this, 'Predict', {
      description: 'Ride duration prediction: HTTP API and Kinesis ride events',
      memoryMb: settings.predictMemoryMb,
      timeoutSeconds: settings.predictTimeoutSeconds,
      settings,
      environment: {
        MODEL_LOCATION: modelLocation,
        PREDICTIONS_STREAM_NAME: this.streams.output.streamName,
        DEAD_LETTER_LOCATION: deadLetterLocation,
        ...powertools,
      },
    });
    this.batch = new PredictFunction(this, 'Batch', {
      description: 'Ride duration prediction: monthly batch scoring of TLC trip records',
      memoryMb: settings.batchMemoryMb,
      timeoutSeconds: settings.batchTimeoutSeconds,
      settings,
      environment: {
        MODEL_LOCATION: modelLocation,
        BATCH_INPUT_TEMPLATE: `s3://${data.bucketName}/${DATA_PREFIXES.tripData}{taxi_type}_tripdata_{year}-{month}.parquet`,
        BATCH_OUTPUT_TEMPLATE: `s3://${data.bucketName}/${DATA_PREFIXES.predictions}taxi_type={taxi_type}/year={year}/month={month}/{run_id}.parquet`,
        BATCH_TAXI_TYPE: settings.batchTaxiType,
        ...powertools,
      },
    });
    this.grantAccess();
    this.monitoring = new Monitoring(this, 'Monitoring', {
      dataBucket: data,
      referenceBucket: model,
      referenceKey: referenceProfileKey(settings.modelKey),
      producers: [this.predict.role, this.batch.role],
      settings,
    });
    for (const fn of [this.predict, this.batch]) {
      for (const [name, value] of Object.entries(this.monitoring.captureEnvironment)) fn.function.addEnvironment(name, value);
    }
    expireRawInputs(
      data,
      [DATA_PREFIXES.deadLetters, MONITORING_PREFIXES.capture, MONITORING_PREFIXES.captureErrors],
      settings.rawInputExpiryDays,
    );
    this.streams.connect(this.predict.function);
    this.api = new PredictApi(this, 'Web', this.predict.function, settings);
    new Rule(this, 'MonthlyBatch', {
      description: 'Scores the previous month of trips (the course: 03:00 UTC on the 2nd)',
      schedule: Schedule.expression(settings.batchSchedule),
      targets: [new LambdaFunction(this.batch.function, { retryAttempts: 2 })],
    });
    new PredictAlarms(this, 'Alarms', {
      predict: this.predict.function,
      batch: this.batch.function,
      onFailureQueue: this.streams.onFailure,
      metricsNamespace: settings.metricsNamespace,
      maxIteratorAgeSeconds: settings.iteratorAgeAlarmSeconds,
    });
    this.addOutputs(modelLocation);
  }

  /**
   * Least privilege: each function reads the one model object; the predict function writes only
   * the predictions stream and the dead-letter prefix (reading the input stream is granted by
   * the event source mapping); the batch function reads trip data and writes predictions.
   * S3 statements are hand-written: `grantRead`/`grantWrite` would add wildcard actions
   * (`s3:GetObject*`, `s3:List*`) on the whole bucket.
   */
  private grantAccess(): void {
    const { model, data } = this.buckets;
    const readModel = new PolicyStatement({ actions: ['s3:GetObject'], resources: [model.arnForObjects(this.settings.modelKey)] });
    this.predict.role.addToPrincipalPolicy(readModel);
    this.batch.role.addToPrincipalPolicy(readModel);
    this.streams.output.grantWrite(this.predict.role);
    this.predict.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [data.arnForObjects(`${DATA_PREFIXES.deadLetters}*`)] }),
    );
    this.batch.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [data.arnForObjects(`${DATA_PREFIXES.tripData}*`)] }),
    );
    // Listing trip-data/ only lets a missing month surface as "not found" rather than "access denied".
    this.batch.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [data.bucketArn],
        conditions: { StringLike: { 's3:prefix': `${DATA_PREFIXES.tripData}*` } },
      }),
    );
    // The output is staged in /tmp and sent with one PutObject: S3 shows an object only once its
    // upload completes, so a failed run leaves nothing partial and needs no Get or Delete.
    this.batch.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [data.arnForObjects(`${DATA_PREFIXES.predictions}*`)] }),
    );
    const dataId = logicalIdOf(data);
    for (const [role, prefixes] of [
      [this.predict.role, [DATA_PREFIXES.deadLetters]],
      [this.batch.role, [DATA_PREFIXES.tripData, DATA_PREFIXES.predictions]],
    ] as const) {
      for (const prefix of prefixes) {
        acknowledgeNag(
          role,
          `AwsSolutions-IAM5[Resource::<${dataId}.Arn>/${prefix}*]`,
          `Only objects under ${prefix} of the data bucket, whose names vary per invocation or month.`,
        );
      }
    }
  }

  private addOutputs(modelLocation: string): void {
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'POST {ApiUrl}predict, GET {ApiUrl}health' });
    new CfnOutput(this, 'InputStreamName', { value: this.streams.input.streamName, description: 'put ride events here' });
    new CfnOutput(this, 'ProducerPolicyArn', { value: this.streams.producerPolicy.managedPolicyArn, description: 'attach to who may put ride events' });
    if (this.api.invokePolicy) {
      new CfnOutput(this, 'InvokePolicyArn', { value: this.api.invokePolicy.managedPolicyArn, description: 'attach to who may call POST /predict (SigV4)' });
    }
    new CfnOutput(this, 'PredictionsStreamName', { value: this.streams.output.streamName, description: 'predictions appear here' });
    new CfnOutput(this, 'ModelBucketName', { value: this.buckets.model.bucketName });
    new CfnOutput(this, 'ModelKey', { value: this.settings.modelKey });
    new CfnOutput(this, 'ModelLocation', { value: modelLocation });
    new CfnOutput(this, 'DataBucketName', { value: this.buckets.data.bucketName, description: 'trip-data/, predictions/, dead-letters/' });
    new CfnOutput(this, 'OnFailureQueueUrl', { value: this.streams.onFailure.queueUrl });
    new CfnOutput(this, 'PredictFunctionName', { value: this.predict.function.functionName });
    new CfnOutput(this, 'BatchFunctionName', { value: this.batch.function.functionName });
    new CfnOutput(this, 'PredictLogGroupName', { value: this.predict.logGroup.logGroupName });
    new CfnOutput(this, 'BatchLogGroupName', { value: this.batch.logGroup.logGroupName });
  }
}
