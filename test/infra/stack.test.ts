import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { SHIPPED_MODELS } from '../../lambda/contract';
import { addPredictStack } from '../../infra/predict-app';
import type { PredictStack } from '../../infra/stack';
import { createTestApp, idOf } from '../support/cdk-app';
import { arnOf, foreignObject, objectsOf, readStatementsOf, statementsOf, stackSynthesizer, type SynthesizedStack } from '../support/synthesized-stack';

const synthesizer = stackSynthesizer();
const synthesize = synthesizer.synthesize;
const arn = arnOf;
const objects = objectsOf;

/** The models the default install serves: the shipped ones present in this checkout. */
const SHIPPED = SHIPPED_MODELS.filter((model) => existsSync(resolve(__dirname, '..', '..', model.path))).map((model) => model.name);

/** What both functions get besides their own settings. */
const SHARED_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: 'ride-duration-prediction',
  POWERTOOLS_METRICS_NAMESPACE: 'RideDurationPrediction',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  // onnxruntime-node's telemetry to Microsoft, off
  ORT_DISABLE_TELEMETRY: '1',
};

/** Where both functions send prediction capture (infra/monitoring.ts). */
const captureEnvironment = (stack: PredictStack) => ({
  CAPTURE_LOCATION: { 'Fn::Join': ['', ['firehose://', { Ref: idOf(stack.monitoring.deliveryStream) }]] },
  CAPTURE_SAMPLE_RATE: '1',
});

/** IAM policy minimization writes a statement's resources in sorted order. */
const sorted = (names: readonly string[]) => [...names].sort();

/** A policy's Resource: CDK writes one resource as a value, several as a list. */
const oneOrMany = <T>(items: T[]): T | T[] => (items.length === 1 ? (items[0] as T) : items);

/**
 * MODELS as the template writes it (MODEL_LOCATION is not set: MODELS alone names the models): each shipped model at models/<name>/<16 hex>/model.onnx of the model bucket.
 */
function modelEnvironment(stack: PredictStack): { MODELS: unknown } {
  const bucket = { Ref: idOf(stack.buckets.model) };
  const keys = stack.models.models.map((model) => model.location.split('/').slice(3).join('/'));
  expect(stack.models.models.map((model) => model.name)).toEqual(SHIPPED);
  SHIPPED.forEach((name, i) => expect(keys[i]).toMatch(new RegExp(`^models/${name}/[0-9a-f]{16}/model\\.onnx$`)));
  const parts: unknown[] = [];
  SHIPPED.forEach((name, i) => parts.push(`${i === 0 ? '' : `/${keys[i - 1]},`}${name}=s3://`, bucket));
  parts.push(`/${keys[keys.length - 1]}`);
  return { MODELS: { 'Fn::Join': ['', parts] } };
}

let defaults: SynthesizedStack;

beforeAll(() => {
  defaults = synthesize();
});

afterAll(() => synthesizer.cleanup());

describe('the model bucket', () => {
  it('is versioned, encrypted, private, logged and kept when the stack is deleted', () => {
    const { stack, template } = defaults;
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: { DestinationBucketName: { Ref: idOf(stack.buckets.accessLogs) } },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(idOf(stack.buckets.model)).toBe(
      Object.keys(template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } }))[0],
    );
  });

  it('refuses every request that is not over TLS', () => {
    const { stack, template } = defaults;
    for (const bucket of [stack.buckets.model, stack.buckets.data, stack.buckets.accessLogs]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: idOf(bucket) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Principal: { AWS: '*' } }),
          ]),
        },
      });
    }
  });

  it('receives each shipped model under models/<name>/<content hash>/ on deploy, never pruning or deleting older keys', () => {
    const { stack, template } = defaults;
    const uploads = Object.values(template.findResources('Custom::CDKBucketDeployment')).map((r) => r.Properties);
    expect(uploads.map((u) => u.DestinationBucketKeyPrefix.split('/')[1])).toEqual(SHIPPED);
    for (const upload of uploads) {
      expect(upload).toMatchObject({ DestinationBucketName: { Ref: idOf(stack.buckets.model) }, Prune: false, RetainOnDelete: true, Extract: true });
      expect(upload.DestinationBucketKeyPrefix).toMatch(/^models\/[a-z0-9_]+\/[0-9a-f]{16}\/$/);
    }
    // The sidecar travels with the model under the same content key.
    expect(stack.models.uploads.map((u) => u.key)).toContain(`${uploads[0].DestinationBucketKeyPrefix}model.json`);
  });

  it('can be an existing bucket and key given as context, which the stack then leaves unwritten', () => {
    const { stack, template } = synthesize({ modelBucketName: 'my-models', modelKey: 'ride/v7.onnx' });
    template.resourceCountIs('Custom::CDKBucketDeployment', 0);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MODELS: 'duration=s3://my-models/ride/v7.onnx', MODEL_LOCATION: Match.absent() }) },
    });
    // The model and its sidecar, nothing else of the bucket (IAM minimization sorts the resources).
    expect(readStatementsOf(template, stack.predict.role)).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: [foreignObject('my-models/ride/v7.json'), foreignObject('my-models/ride/v7.onnx')] },
    ]);
  });
});

describe('the data bucket', () => {
  it('is encrypted, private, logged and kept when the stack is deleted', () => {
    const { stack, template } = defaults;
    expect(template.toJSON().Resources[idOf(stack.buckets.data)]).toMatchObject({
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: { DestinationBucketName: { Ref: idOf(stack.buckets.accessLogs) }, LogFilePrefix: 'data/' },
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('the functions', () => {
  it('are two, both from the one asset, on nodejs22.x, handler index.handler, x86_64, traced', () => {
    const { stack, template } = defaults;
    const resources = template.toJSON().Resources;
    const predict = resources[idOf(stack.predict.function)].Properties;
    const batch = resources[idOf(stack.batch.function)].Properties;
    for (const fn of [predict, batch]) {
      expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler', Architectures: ['x86_64'], TracingConfig: { Mode: 'Active' } });
    }
    expect(batch.Code).toEqual(predict.Code);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('arm64'));
  });

  it('size the predict and batch functions separately', () => {
    const { stack, template } = defaults;
    const resources = template.toJSON().Resources;
    expect(resources[idOf(stack.predict.function)].Properties).toMatchObject({ MemorySize: 1024, Timeout: 30 });
    expect(resources[idOf(stack.batch.function)].Properties).toMatchObject({ MemorySize: 3008, Timeout: 900 });
  });

  it('run on arm64, sized from context, when asked, and synth warns naming the onnxruntime report', () => {
    const { stack, template } = synthesize({ architecture: 'arm64', predictMemoryMb: '2048', batchTimeoutSeconds: 600 });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('microsoft/onnxruntime/issues/10038'));
    const functions = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x' } }));
    // predict, its PreTraffic hook (infra/pretraffic-hook.ts), batch and the monitor (infra/monitoring.ts)
    expect(functions.map((f) => f.Properties.Architectures)).toEqual([['arm64'], ['arm64'], ['arm64'], ['arm64']]);
    expect(functions.map((f) => f.Properties.MemorySize).sort((a, b) => a - b)).toEqual([256, 1024, 2048, 3008]);
    expect(functions.map((f) => f.Properties.Timeout).sort((a, b) => a - b)).toEqual([30, 120, 300, 600]);
  });

  it('tell the predict function where the models, the predictions stream and the dead letters are', () => {
    const { stack, template } = defaults;
    expect(template.toJSON().Resources[idOf(stack.predict.function)].Properties.Environment.Variables).toEqual({
      ...modelEnvironment(stack),
      PREDICTIONS_STREAM_NAME: { Ref: idOf(stack.streams.output) },
      DEAD_LETTER_LOCATION: { 'Fn::Join': ['', ['s3://', { Ref: idOf(stack.buckets.data) }, '/dead-letters/']] },
      ...captureEnvironment(stack),
      ...SHARED_ENVIRONMENT,
    });
  });

  it('give the batch function URI templates with the placeholders the batch adapter fills in', () => {
    const { stack, template } = defaults;
    const data = { Ref: idOf(stack.buckets.data) };
    expect(template.toJSON().Resources[idOf(stack.batch.function)].Properties.Environment.Variables).toEqual({
      ...modelEnvironment(stack),
      BATCH_INPUT_TEMPLATE: { 'Fn::Join': ['', ['s3://', data, '/trip-data/{taxi_type}_tripdata_{year}-{month}.parquet']] },
      BATCH_OUTPUT_TEMPLATE: {
        'Fn::Join': ['', ['s3://', data, '/predictions/taxi_type={taxi_type}/year={year}/month={month}/{run_id}.parquet']],
      },
      BATCH_TAXI_TYPE: 'green',
      ...captureEnvironment(stack),
      ...SHARED_ENVIRONMENT,
    });
  });

  it('keep their logs for a month', () => {
    const { stack, template } = defaults;
    const resources = template.toJSON().Resources;
    for (const logGroup of [stack.predict.logGroup, stack.batch.logGroup, stack.api.accessLogs]) {
      expect(resources[idOf(logGroup)].Properties.RetentionInDays).toBe(30);
    }
    expect(resources[idOf(stack.predict.function)].Properties.LoggingConfig).toEqual({ LogGroup: { Ref: idOf(stack.predict.logGroup) } });
  });

  it('run the batch monthly at 03:00 UTC on the 2nd, as the course did', () => {
    const { stack, template } = defaults;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 2 * ? *)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: arn(idOf(stack.batch.function)) })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arn(idOf(stack.batch.function)),
      Principal: 'events.amazonaws.com',
    });
  });
});

describe('the HTTP API', () => {
  it("routes every protocol's paths (the course's /predict, OIP v2, MLflow/SageMaker, /docs) to the predict function's live alias with payload 2.0", () => {
    const { stack, template } = defaults;
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    expect(routes.sort()).toEqual(
      [
        'POST /predict',
        'POST /predict/{name}',
        'GET /health',
        'GET /openapi.json',
        'POST /v2/models/{name}/infer',
        'POST /v2/models/{name}/versions/{version}/infer',
        'GET /v2',
        'GET /v2/health/live',
        'GET /v2/health/ready',
        'GET /v2/models/{name}',
        'GET /v2/models/{name}/ready',
        'GET /v2/models/{name}/versions/{version}',
        'GET /v2/models/{name}/versions/{version}/ready',
        'POST /invocations',
        'GET /ping',
        'GET /version',
        'GET /docs',
        'GET /docs/{asset}',
      ].sort(),
    );
    // One integration for every route: the protocols are codecs in the one function, not functions of their own.
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { Ref: idOf(stack.rollout.alias) },
      PayloadFormatVersion: '2.0',
    });
  });

  it('throttles its stage and writes JSON access logs', () => {
    const { stack, template } = defaults;
    const stage = template.toJSON().Resources[idOf(stack.api.stage)].Properties;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: arn(idOf(stack.api.accessLogs)) },
    });
    expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({ routeKey: '$context.routeKey', status: '$context.status' });
  });

  it('takes its throttling from context', () => {
    const { template } = synthesize({ apiRateLimit: '5', apiBurstLimit: '10' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 } });
  });
});

describe('the Kinesis streams', () => {
  it('are two, encrypted with the aws/kinesis key, on-demand by default', () => {
    const { template } = defaults;
    template.resourceCountIs('AWS::Kinesis::Stream', 2);
    template.allResourcesProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
    });
  });

  it('have a fixed number of shards when shardCount is given', () => {
    const { template } = synthesize({ shardCount: '2' });
    template.allResourcesProperties('AWS::Kinesis::Stream', { ShardCount: 2, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
  });

  it("feed the predict function's live alias with partial batch failures, bisecting, bounded retries and an on-failure queue", () => {
    const { stack, template } = defaults;
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toEqual({
      EventSourceArn: arn(idOf(stack.streams.input)),
      // function-name:live, taken from the alias ARN
      FunctionName: { 'Fn::Join': ['', [{ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: idOf(stack.rollout.alias) }] }] }, ':live']] },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: arn(idOf(stack.streams.onFailure)) } },
    });
  });

  it('take the mapping knobs from context', () => {
    const { template } = synthesize({ streamBatchSize: '500', streamParallelizationFactor: '4', streamStartingPosition: 'TRIM_HORIZON' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 500, ParallelizationFactor: 4, StartingPosition: 'TRIM_HORIZON' });
  });

  it('send failures to an encrypted queue that accepts TLS only', () => {
    const { stack, template } = defaults;
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: idOf(stack.streams.onFailure) }],
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });
});

describe('the permissions', () => {
  it("let the predict function read only its models' content-addressed keys and write only the predictions stream and dead-letter prefix", () => {
    const { stack, template } = defaults;
    const model = idOf(stack.buckets.model);
    const data = idOf(stack.buckets.data);
    expect(statementsOf(template, idOf(stack.predict.role))).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arn(idOf(stack.predict.logGroup)) },
      { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: oneOrMany(sorted(SHIPPED).map((name) => objects(model, `/models/${name}/*`))) },
      { Effect: 'Allow', Action: ['kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'], Resource: arn(idOf(stack.streams.output)) },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objects(data, '/dead-letters/*') },
      { Effect: 'Allow', Action: 'firehose:PutRecordBatch', Resource: arn(idOf(stack.monitoring.deliveryStream)) },
      { Effect: 'Allow', Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], Resource: arn(idOf(stack.streams.onFailure)) },
      {
        Effect: 'Allow',
        Action: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamConsumer',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
          'kinesis:ListStreams',
          'kinesis:SubscribeToShard',
        ],
        Resource: arn(idOf(stack.streams.input)),
      },
    ]);
  });

  it('let the batch function read its models and trip data and write only under predictions/', () => {
    const { stack, template } = defaults;
    const data = idOf(stack.buckets.data);
    expect(statementsOf(template, idOf(stack.batch.role))).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arn(idOf(stack.batch.logGroup)) },
      { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [objects(data, '/trip-data/*'), ...sorted(SHIPPED).map((name) => objects(idOf(stack.buckets.model), `/models/${name}/*`))],
      },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [data, 'Arn'] }, Condition: { StringLike: { 's3:prefix': 'trip-data/*' } } },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objects(data, '/predictions/*') },
      { Effect: 'Allow', Action: 'firehose:PutRecordBatch', Resource: arn(idOf(stack.monitoring.deliveryStream)) },
    ]);
  });

  it('attach no managed policies to the functions', () => {
    const { stack, template } = defaults;
    const resources = template.toJSON().Resources;
    for (const role of [stack.predict.role, stack.batch.role]) expect(resources[idOf(role)].Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('operations', () => {
  it("alarm on errors, throttles, iterator age and dead letters, and roll back deployments on the new version's alarms", () => {
    const { template } = defaults;
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => `${a.Properties.Namespace}/${a.Properties.MetricName}`);
    expect(alarms.sort()).toEqual(
      [
        'AWS/Lambda/Errors',
        'AWS/Lambda/Errors',
        'AWS/Lambda/Throttles',
        'AWS/Lambda/Throttles',
        'AWS/Lambda/IteratorAge',
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'RideDurationPrediction/RecordsDeadLettered',
        // infra/monitoring.ts
        'AWS/Lambda/Errors',
        'RideDurationPrediction/CaptureRecordsDropped',
        'RideDurationPrediction/DatasetDrift',
        'RideDurationPrediction/DriftedInputs',
        // one per served model: its worst version's RMSE over its training RMSE
        'RideDurationPrediction/RmseOverTraining',
        'RideDurationPrediction/RmseOverTraining',
        // infra/rollout.ts: the new version's errors, p99, own failures, dead letters; the API's 5xx
        'AWS/Lambda/Errors',
        'AWS/Lambda/Duration',
        'RideDurationPrediction/PredictionErrors',
        'RideDurationPrediction/RecordsDeadLettered',
        'AWS/ApiGateway/5xx',
      ].sort(),
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'RecordsDeadLettered',
      Dimensions: [{ Name: 'service', Value: 'ride-duration-prediction' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Statistic: 'Maximum', Threshold: 60000 });
  });

  it('output the API URL, stream names, buckets, models and deployment group', () => {
    const { stack, template } = defaults;
    template.hasOutput('ApiUrl', { Value: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: idOf(stack.api.api) }])] }) });
    template.hasOutput('InputStreamName', { Value: { Ref: idOf(stack.streams.input) } });
    template.hasOutput('PredictionsStreamName', { Value: { Ref: idOf(stack.streams.output) } });
    template.hasOutput('ModelBucketName', { Value: { Ref: idOf(stack.buckets.model) } });
    template.hasOutput('ModelsVariable', { Value: modelEnvironment(stack).MODELS });
    template.hasOutput('PredictAliasArn', { Value: { Ref: idOf(stack.rollout.alias) } });
    template.hasOutput('DeploymentGroup', { Value: { Ref: idOf(stack.rollout.deploymentGroup) } });
    template.hasOutput('DataBucketName', { Value: { Ref: idOf(stack.buckets.data) } });
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  interface PluginReport {
    pluginName: string;
    conclusion: string;
    violations: unknown[];
    suppressedViolations?: Array<{ ruleName: string; reason: string }>;
  }
  const reportOf = (outdir: string) =>
    (JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: PluginReport[] }).pluginReports;

  it('reports no finding that is not acknowledged', () => {
    const reports = reportOf(defaults.testApp.outdir);
    expect(reports.map((r) => r.pluginName)).toContain('AwsSolutions');
    for (const report of reports)
      expect({ plugin: report.pluginName, conclusion: report.conclusion, violations: report.violations }).toEqual({
        plugin: report.pluginName,
        conclusion: 'success',
        violations: [],
      });
  });

  it('gives every acknowledged finding a reason a reviewer can read', () => {
    const suppressed = reportOf(defaults.testApp.outdir).flatMap((r) => r.suppressedViolations ?? []);
    expect(suppressed.length).toBeGreaterThan(5);
    for (const { ruleName, reason } of suppressed) expect(`${ruleName}: ${reason}`).toMatch(/^AwsSolutions-\S+: .{30,}/);
  });

  it('fails the synth when a resource breaks a rule', () => {
    const testApp = createTestApp();
    try {
      const stack = addPredictStack(testApp.app);
      new Bucket(stack, 'Unlogged');
      expect(() => testApp.app.synth()).toThrow(/AwsSolutions-S1[\s\S]*Unlogged/);
    } finally {
      testApp.cleanup();
    }
  });
});

describe('context', () => {
  it('is refused with the key named when a value is invalid', () => {
    expect(() => synthesize({ architecture: 'sparc' })).toThrow(/invalid context architecture/);
    expect(() => synthesize({ logRetentionDays: '31' })).toThrow(/invalid context logRetentionDays/);
  });
});
