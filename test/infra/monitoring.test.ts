import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { addPredictStack } from '../../infra/predict-app';
import type { PredictStack } from '../../infra/stack';
import { CAPTURE_S3_PREFIX, referenceProfileKey } from '../../infra/monitoring';
import { DIMENSIONS, QUALITY_METRICS } from '../../lambda/contract';
import { createTestApp, idOf, type TestApp } from '../support/cdk-app';

let testApp: TestApp;
let stack: PredictStack;
let template: Template;

beforeAll(() => {
  testApp = createTestApp();
  stack = addPredictStack(testApp.app);
  template = Template.fromStack(stack);
});
afterAll(() => testApp.cleanup());

const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const objects = (bucketId: string, suffix: string) => ({ 'Fn::Join': ['', [arn(bucketId), suffix]] });

/** Each shipped model's key in the model bucket: models/<name>/<content hash>/model.onnx. */
function modelKey(name: string): string {
  const key = stack.models.uploads.find((u) => u.key.startsWith(`models/${name}/`) && u.key.endsWith('/model.onnx'))?.key;
  expect(key).toMatch(new RegExp(`^models/${name}/[0-9a-f]{16}/model\\.onnx$`));
  return key as string;
}

/** The statements of the one inline policy attached to a role. */
function statementsOf(roleId: string): unknown[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
  expect(policies).toHaveLength(1);
  return (policies[0] as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement;
}

describe('the capture delivery stream', () => {
  it('is a Direct PUT Firehose, encrypted, writing GZIP JSON lines into capture/ by date and hour with an error prefix', () => {
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BucketARN: arn(idOf(stack.buckets.data)),
        RoleARN: arn(idOf(stack.monitoring.deliveryRole)),
        Prefix: 'capture/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/',
        ErrorOutputPrefix: 'capture-errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
        CompressionFormat: 'GZIP',
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 5 },
        CloudWatchLoggingOptions: Match.objectLike({ Enabled: true }),
      }),
    });
    expect(CAPTURE_S3_PREFIX).toBe('capture/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/');
  });

  it('is assumed only by Firehose on behalf of this account', () => {
    const role = template.toJSON().Resources[idOf(stack.monitoring.deliveryRole)].Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'firehose.amazonaws.com' },
        Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    expect(role.ManagedPolicyArns).toBeUndefined();
  });

  it('may write only under capture/ and capture-errors/, plus the bucket-level calls delivery makes and its own error log', () => {
    const data = idOf(stack.buckets.data);
    expect(statementsOf(idOf(stack.monitoring.deliveryRole))).toEqual([
      { Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Resource: [objects(data, '/capture-errors/*'), objects(data, '/capture/*')] },
      { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: arn(data) },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arn(idOf(stack.monitoring.node.findChild('DeliveryLogs'))) },
    ]);
  });
});

describe('the producers of capture records', () => {
  const putStatement = () => ({ Effect: 'Allow', Action: 'firehose:PutRecordBatch', Resource: arn(idOf(stack.monitoring.deliveryStream)) });

  it('are the predict and batch functions, each allowed PutRecordBatch on the one capture stream', () => {
    for (const role of [stack.predict.role, stack.batch.role]) expect(statementsOf(idOf(role))).toContainEqual(putStatement());
  });

  it('are the only roles with any Firehose action, and none of them has another one', () => {
    const withFirehose = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, policy]) => JSON.stringify(policy).includes('firehose:'))
      .map(([, policy]) => (policy as { Properties: { Roles: Array<{ Ref: string }> } }).Properties.Roles[0]?.Ref);
    expect(withFirehose.sort()).toEqual([idOf(stack.predict.role), idOf(stack.batch.role)].sort());
    for (const role of [stack.predict.role, stack.batch.role]) {
      const actions = JSON.stringify(statementsOf(idOf(role))).match(/firehose:\w+/g);
      expect(actions).toEqual(['firehose:PutRecordBatch']);
    }
  });

  it('are told where to send capture: the stream, at the configured sample rate', () => {
    for (const fn of [stack.predict.function, stack.batch.function]) {
      expect(template.toJSON().Resources[idOf(fn)].Properties.Environment.Variables).toMatchObject({
        CAPTURE_LOCATION: { 'Fn::Join': ['', ['firehose://', { Ref: idOf(stack.monitoring.deliveryStream) }]] },
        CAPTURE_SAMPLE_RATE: '1',
      });
    }
  });
});

describe('the scheduled monitor', () => {
  const monitor = () => stack.monitoring.monitor;

  it("is the same asset, told where capture, each model's reference profile, the actuals and the reports are", () => {
    const fn = template.toJSON().Resources[idOf(monitor().function)].Properties;
    const data = { Ref: idOf(stack.buckets.data) };
    const models = { Ref: idOf(stack.buckets.model) };
    expect(fn.Handler).toBe(template.toJSON().Resources[idOf(stack.predict.function)].Properties.Handler);
    expect(fn.Environment.Variables).toMatchObject({
      MONITOR_CAPTURE_LOCATION: { 'Fn::Join': ['', ['s3://', data, '/capture/']] },
      // Each profile is uploaded next to its model, under its content-addressed key (infra/models.ts).
      MONITOR_REFERENCE_LOCATION: {
        'Fn::Join': ['', ['s3://', models, `/${referenceProfileKey(modelKey('duration'))},s3://`, models, `/${referenceProfileKey(modelKey('cost'))}`]],
      },
      MONITOR_ACTUALS_LOCATION: { 'Fn::Join': ['', ['s3://', data, '/actuals/']] },
      MONITOR_OUTPUT_LOCATION: { 'Fn::Join': ['', ['s3://', data, '/monitoring/']] },
      MONITOR_PERIOD_DAYS: '7',
      POWERTOOLS_METRICS_NAMESPACE: 'RideDurationPrediction',
    });
    expect(referenceProfileKey('models/model.onnx')).toBe('models/reference-profile.json');
  });

  it('runs weekly from EventBridge with a monitor event carrying the scheduled time', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 4 ? * MON *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: arn(idOf(monitor().function)),
          InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: '{"monitor":"scheduled","time":<time>}' },
          RetryPolicy: { MaximumRetryAttempts: 2 },
        }),
      ],
    });
  });

  it('lists and reads only capture/ and actuals/, reads only the reference profiles, writes only monitoring/', () => {
    const data = idOf(stack.buckets.data);
    const model = idOf(stack.buckets.model);
    expect(statementsOf(idOf(monitor().role))).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arn(idOf(monitor().logGroup)) },
      { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: arn(data), Condition: { StringLike: { 's3:prefix': ['capture/*', 'actuals/*'] } } },
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        // CDK merges the statements and orders their resources its own way
        Resource: expect.arrayContaining([
          objects(data, '/capture/*'),
          objects(data, '/actuals/*'),
          objects(model, `/${referenceProfileKey(modelKey('duration'))}`),
          objects(model, `/${referenceProfileKey(modelKey('cost'))}`),
        ]),
      },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objects(data, '/monitoring/*') },
    ]);
    expect((statementsOf(idOf(monitor().role))[3] as { Resource: unknown[] }).Resource).toHaveLength(4);
  });

  it('alarms on dataset drift, drifted inputs, dropped capture records and its own failures', () => {
    const alarm = (metricName: string, extra: Record<string, unknown>) =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'RideDurationPrediction',
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: 'ride-duration-prediction' }],
        ...extra,
      });
    alarm('DatasetDrift', { Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Period: 86400, Statistic: 'Maximum' });
    alarm('DriftedInputs', { Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Period: 86400 });
    alarm('CaptureRecordsDropped', { Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Statistic: 'Sum', Period: 300 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(monitor().function) } }],
    });
  });
});

describe('ground truth and model quality', () => {
  it("alarms per served model when its worst version's RMSE exceeds 1.5× its training RMSE, the metric the monitor publishes with the contract's dimensions", () => {
    for (const model of ['duration', 'cost']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'RideDurationPrediction',
        MetricName: QUALITY_METRICS.rmseOverTraining,
        Dimensions: [
          { Name: DIMENSIONS.model, Value: model },
          { Name: DIMENSIONS.service, Value: 'ride-duration-prediction' },
        ],
        Statistic: 'Maximum',
        Period: 86400,
        Threshold: 1.5,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    expect(Object.keys(stack.monitoring.rmseAlarms).sort()).toEqual(['cost', 'duration']);
  });

  it('takes the alarm factor from context, and refuses a factor below 1 naming the key', () => {
    const app = createTestApp({ context: { rmseAlarmFactor: '2.5' } });
    try {
      const alarms = Template.fromStack(addPredictStack(app.app)).findResources('AWS::CloudWatch::Alarm', {
        Properties: { MetricName: QUALITY_METRICS.rmseOverTraining },
      });
      expect(Object.values(alarms).map((a) => a.Properties.Threshold)).toEqual([2.5, 2.5]);
    } finally {
      app.cleanup();
    }
    const bad = createTestApp({ context: { rmseAlarmFactor: '0.5' } });
    try {
      expect(() => addPredictStack(bad.app)).toThrow(/invalid context rmseAlarmFactor/);
    } finally {
      bad.cleanup();
    }
  });

  it('gives producers of ground truth a policy to put objects under actuals/ and nothing else, and outputs it with the location', () => {
    const policy = template.toJSON().Resources[idOf(stack.monitoring.actualsProducerPolicy)].Properties;
    expect(policy.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 's3:PutObject', Resource: objects(idOf(stack.buckets.data), '/actuals/*') }]);
    expect(policy.Roles ?? policy.Users ?? policy.Groups).toBeUndefined();
    template.hasOutput('ActualsProducerPolicyArn', { Value: { Ref: idOf(stack.monitoring.actualsProducerPolicy) } });
    template.hasOutput('ActualsLocation', { Value: { 'Fn::Join': ['', ['s3://', { Ref: idOf(stack.buckets.data) }, '/actuals/']] } });
  });
});

describe('cdk-nag over the monitoring resources', () => {
  it('reports no unacknowledged finding, and each acknowledgement of capture/ or monitoring/ has a reason', () => {
    const report = JSON.parse(readFileSync(join(testApp.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{
        conclusion: string;
        violations: unknown[];
        suppressedViolations?: Array<{ ruleName: string; reason: string; violatingResources?: unknown }>;
      }>;
    };
    for (const plugin of report.pluginReports) expect([plugin.conclusion, plugin.violations]).toEqual(['success', []]);
    const ours = report.pluginReports.flatMap((p) => p.suppressedViolations ?? []).filter((v) => /capture|monitoring/.test(v.reason));
    expect(ours.length).toBeGreaterThanOrEqual(4);
  });
});
