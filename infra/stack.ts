import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { ENV, SERVICE_NAME } from '../lambda/contract';
import { PredictAlarms } from './alarms';
import { PredictApi } from './api';
import { Buckets, DATA_PREFIXES, logicalIdOf } from './buckets';
import { ServedModels } from './served-models';
import { acknowledgeNag } from './nag';
import { Monitoring, MONITORING_PREFIXES, referenceProfileKey } from './monitoring';
import { PredictFunction } from './predict-function';
import { PredictRollout } from './rollout';
import { DEFAULT_MODEL_KEY, resolveSettings, type PredictSettings } from './settings';
import { PredictionStreams } from './streams';
import { expireRawInputs } from './raw-input-expiry';
import { uploadedLocationKey } from './model-sources';

/**
 * Why arm64 is not the default, said at synth: onnxruntime has an open report of aborting at
 * start on arm64 Lambda, and nothing here has shown it running there.
 */
export const ARM64_WARNING =
  'architecture=arm64 is not shown to work: onnxruntime has an open report of aborting at start on arm64 Lambda ' +
  '(https://github.com/microsoft/onnxruntime/issues/10038: its cpuinfo cannot read /sys/devices/system/cpu/possible there). ' +
  'Deploy x86_64 (the default) unless you have seen it answer on arm64.';

/** Stack props: any {@link PredictSettings} left out takes its default. */
export interface PredictStackProps extends StackProps {
  readonly settings?: Partial<PredictSettings>;
}

/**
 * The whole system: the model and data buckets, the models, one asset deployed as two functions
 * (web service + stream behind the `live` alias that CodeDeploy moves, and batch), the HTTP API,
 * the Kinesis streams, the monthly schedule and the alarms.
 * Reads nothing from the environment: everything comes in through props.
 */
export class PredictStack extends Stack {
  readonly settings: PredictSettings;
  readonly buckets: Buckets;
  readonly models: ServedModels;
  readonly streams: PredictionStreams;
  readonly predict: PredictFunction;
  readonly rollout: PredictRollout;
  readonly batch: PredictFunction;
  readonly api: PredictApi;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: PredictStackProps = {}) {
    super(scope, id, props);
    const settings = (this.settings = resolveSettings(props.settings));
    if (settings.architecture === 'arm64') Annotations.of(this).addWarningV2('predict:arm64-unverified', ARM64_WARNING);
    this.buckets = new Buckets(this, 'Buckets', settings);
    this.models = new ServedModels(this, 'Models', { settings, bucket: this.buckets.model });
    this.streams = new PredictionStreams(this, 'Streams', settings);
    const { data } = this.buckets;
    const deadLetterLocation = `s3://${data.bucketName}/${DATA_PREFIXES.deadLetters}`;
    const shared = {
      [ENV.models]: this.models.modelsVariable,
      [ENV.serviceName]: SERVICE_NAME,
      [ENV.metricsNamespace]: settings.metricsNamespace,
      [ENV.logLevel]: 'INFO',
    };
    const shadowModels = this.models.shadowModelsVariable;

    this.predict = new PredictFunction(this, 'Predict', {
      description: 'Ride duration prediction: HTTP API and Kinesis ride events',
      memoryMb: settings.predictMemoryMb,
      timeoutSeconds: settings.predictTimeoutSeconds,
      settings,
      retainVersions: true,
      environment: {
        ...shared,
        ...(shadowModels === undefined ? {} : { [ENV.shadowModels]: shadowModels }),
        ...(settings.modelRefreshSeconds === undefined ? {} : { [ENV.modelRefreshSeconds]: String(settings.modelRefreshSeconds) }),
        [ENV.predictionsStreamName]: this.streams.output.streamName,
        [ENV.deadLetterLocation]: deadLetterLocation,
      },
    });
    this.rollout = new PredictRollout(this, 'Rollout', { function: this.predict.function, settings });
    this.batch = new PredictFunction(this, 'Batch', {
      description: 'Ride duration prediction: monthly batch scoring of TLC trip records',
      memoryMb: settings.batchMemoryMb,
      timeoutSeconds: settings.batchTimeoutSeconds,
      settings,
      environment: {
        ...shared,
        [ENV.batchInputTemplate]: `s3://${data.bucketName}/${DATA_PREFIXES.tripData}{taxi_type}_tripdata_{year}-{month}.parquet`,
        [ENV.batchOutputTemplate]: `s3://${data.bucketName}/${DATA_PREFIXES.predictions}taxi_type={taxi_type}/year={year}/month={month}/{run_id}.parquet`,
        [ENV.batchTaxiType]: settings.batchTaxiType,
      },
    });
    this.grantAccess();
    this.monitoring = new Monitoring(this, 'Monitoring', {
      dataBucket: data,
      referenceBucket: this.buckets.model,
      // Each uploaded model's training profile travels with it (next to it under its content key).
      referenceKeys: this.referenceProfileKeys(),
      models: this.models.models.map((model) => model.name),
      producers: [this.predict.role, this.batch.role],
      settings,
      monitoring: { captureSampleRate: settings.captureSampleRate },
    });
    for (const fn of [this.predict, this.batch]) {
      for (const [name, value] of Object.entries(this.monitoring.captureEnvironment)) fn.function.addEnvironment(name, value);
    }
    expireRawInputs(
      data,
      [DATA_PREFIXES.deadLetters, MONITORING_PREFIXES.capture, MONITORING_PREFIXES.captureErrors, MONITORING_PREFIXES.actuals],
      settings.rawInputExpiryDays,
    );
    // The API and the stream invoke the alias, never $LATEST: traffic follows CodeDeploy's shifts.
    this.streams.connect(this.rollout.alias);
    this.api = new PredictApi(this, 'Web', this.rollout.alias, settings);
    this.rollout.watchApi(this.api.api);
    new Rule(this, 'MonthlyBatch', {
      description: 'Scores the previous month of trips (the course: 03:00 UTC on the 2nd)',
      schedule: Schedule.expression(settings.batchSchedule),
      targets: [new LambdaFunction(this.batch.function, { retryAttempts: 2 })],
    });
    if (settings.operationalAlarms) {
      new PredictAlarms(this, 'Alarms', {
        predict: this.predict.function,
        batch: this.batch.function,
        onFailureQueue: this.streams.onFailure,
        metricsNamespace: settings.metricsNamespace,
        maxIteratorAgeSeconds: settings.iteratorAgeAlarmSeconds,
      });
    }
    this.addOutputs();
  }

  /**
   * Least privilege: each function reads only its models (infra/models.ts: objects and sidecars,
   * MLflow prefixes, uploaded models' content-addressed keys; the predict function its shadows
   * too); the predict function writes only
   * the predictions stream and the dead-letter prefix (reading the input stream is granted by
   * the event source mapping); the batch function reads trip data and writes predictions.
   * S3 statements are hand-written: `grantRead`/`grantWrite` would add wildcard actions
   * (`s3:GetObject*`, `s3:List*`) on the whole bucket.
   */
  private grantAccess(): void {
    const { data } = this.buckets;
    this.models.grantRead(this.predict.role, { shadows: true });
    this.models.grantRead(this.batch.role, { shadows: false });
    this.streams.output.grantWrite(this.predict.role);
    this.predict.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [data.arnForObjects(`${DATA_PREFIXES.deadLetters}*`)] }),
    );
    this.batch.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [data.arnForObjects(`${DATA_PREFIXES.tripData}*`)] }));
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
    this.batch.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [data.arnForObjects(`${DATA_PREFIXES.predictions}*`)] }));
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

  /**
   * The reference profiles the monitor reads: `reference-profile.json` of every uploaded model that
   * has one (`npm run train` writes one per model), else the primary model's, beside its key.
   */
  private referenceProfileKeys(): string[] {
    const uploaded = this.models.models.flatMap(({ source }) =>
      source.kind === 'project-file' && source.files.includes('reference-profile.json') ? [referenceProfileKey(uploadedLocationKey(source))] : [],
    );
    return uploaded.length > 0 ? uploaded : [referenceProfileKey(this.models.primaryKey ?? DEFAULT_MODEL_KEY)];
  }

  private addOutputs(): void {
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'POST {ApiUrl}predict, GET {ApiUrl}health' });
    new CfnOutput(this, 'InputStreamName', { value: this.streams.input.streamName, description: 'put ride events here' });
    new CfnOutput(this, 'ProducerPolicyArn', { value: this.streams.producerPolicy.managedPolicyArn, description: 'attach to who may put ride events' });
    new CfnOutput(this, 'ActualsLocation', {
      value: `s3://${this.buckets.data.bucketName}/${MONITORING_PREFIXES.actuals}`,
      description: 'put ground truth here: dt=<YYYY-MM-DD of the ride>/<file>.csv|.jsonl|.parquet with ride_id, actual_<model>',
    });
    new CfnOutput(this, 'ActualsProducerPolicyArn', {
      value: this.monitoring.actualsProducerPolicy.managedPolicyArn,
      description: 'attach to who may put ground truth under actuals/',
    });
    if (this.api.invokePolicy) {
      new CfnOutput(this, 'InvokePolicyArn', { value: this.api.invokePolicy.managedPolicyArn, description: 'attach to who may call POST /predict (SigV4)' });
    }
    new CfnOutput(this, 'PredictionsStreamName', { value: this.streams.output.streamName, description: 'predictions appear here' });
    new CfnOutput(this, 'ModelBucketName', { value: this.buckets.model.bucketName });
    new CfnOutput(this, 'ModelsVariable', { value: this.models.modelsVariable, description: 'MODELS of both functions: name=location,...' });
    new CfnOutput(this, 'DataBucketName', { value: this.buckets.data.bucketName, description: 'trip-data/, predictions/, dead-letters/' });
    new CfnOutput(this, 'OnFailureQueueUrl', { value: this.streams.onFailure.queueUrl });
    new CfnOutput(this, 'PredictFunctionName', { value: this.predict.function.functionName });
    new CfnOutput(this, 'PredictAliasArn', { value: this.rollout.alias.functionArn, description: 'what the API and the stream invoke' });
    new CfnOutput(this, 'DeploymentApplication', { value: this.rollout.deploymentGroup.application.applicationName });
    new CfnOutput(this, 'DeploymentGroup', { value: this.rollout.deploymentGroup.deploymentGroupName });
    new CfnOutput(this, 'BatchFunctionName', { value: this.batch.function.functionName });
    new CfnOutput(this, 'PredictLogGroupName', { value: this.predict.logGroup.logGroupName });
    new CfnOutput(this, 'BatchLogGroupName', { value: this.batch.logGroup.logGroupName });
  }
}
