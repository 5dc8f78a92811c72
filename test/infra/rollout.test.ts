import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { idOf } from '../support/cdk-app';
import { foreignObject, nagReportOf, objectsOf, readStatementsOf, stackSynthesizer, statementsOf, type SynthesizedStack } from '../support/synthesized-stack';

const synthesizer = stackSynthesizer();
let defaults: SynthesizedStack;
let scratch: string;

beforeAll(() => {
  defaults = synthesizer.synthesize();
  scratch = mkdtempSync(join(tmpdir(), 'rollout-test-'));
});

afterAll(() => {
  synthesizer.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const resourcesOf = (synthesized: SynthesizedStack, type: string) => Object.entries(synthesized.template.findResources(type));

/** The logical id of the one published version (CDK names it after a hash of the function's configuration). */
function publishedVersionId(synthesized: SynthesizedStack): string {
  const ids = resourcesOf(synthesized, 'AWS::Lambda::Version').map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

/** A model file with the given bytes in its own directory; returns its path. */
function modelFile(name: string, bytes: string): string {
  const dir = join(scratch, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeFileSync(join(dir, 'model.onnx'), bytes);
  return join(dir, 'model.onnx');
}

describe('the live alias', () => {
  it('points at the version published from the current code and configuration, which is kept when a newer one replaces it', () => {
    const { stack, template } = defaults;
    const versions = resourcesOf(defaults, 'AWS::Lambda::Version');
    expect(versions).toHaveLength(1);
    const [versionId, version] = versions[0] as [string, { Properties: unknown; DeletionPolicy: string }];
    expect(version).toMatchObject({ Properties: { FunctionName: { Ref: idOf(stack.predict.function) } }, DeletionPolicy: 'Retain' });
    template.resourceCountIs('AWS::Lambda::Alias', 1);
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionName: { Ref: idOf(stack.predict.function) },
      FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] },
    });
  });

  it('is what the API may invoke: the permission names the alias, not the function', () => {
    const { stack, template } = defaults;
    const apiPermissions = resourcesOf(defaults, 'AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 'apigateway.amazonaws.com');
    expect(apiPermissions.length).toBeGreaterThan(0);
    for (const [, permission] of apiPermissions) expect(permission.Properties.FunctionName).toEqual({ Ref: idOf(stack.rollout.alias) });
    template.resourcePropertiesCountIs('AWS::ApiGatewayV2::Integration', { IntegrationUri: { Ref: idOf(stack.rollout.alias) } }, 1);
  });

  it('is not given to the batch function, which its schedule invokes unversioned', () => {
    const { stack, template } = defaults;
    template.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [idOf(stack.batch.function), 'Arn'] } })] });
    const versioned = resourcesOf(defaults, 'AWS::Lambda::Version').map(([, v]) => v.Properties.FunctionName);
    expect(versioned).not.toContainEqual({ Ref: idOf(stack.batch.function) });
  });

  it('moves to a new version exactly when a model changes: new bytes, new key, new MODELS, new version', () => {
    const path = modelFile('a', 'first model bytes');
    const versionOf = (synthesized: SynthesizedStack) => resourcesOf(synthesized, 'AWS::Lambda::Version').map(([id]) => id)[0];
    const modelsOf = (synthesized: SynthesizedStack) => synthesized.stack.models.models[0]?.location.split('/').slice(3).join('/');
    const first = synthesizer.synthesize({ models: `duration=${path}` });
    const same = synthesizer.synthesize({ models: `duration=${path}` });
    writeFileSync(path, 'second model bytes');
    const changed = synthesizer.synthesize({ models: `duration=${path}` });
    expect(versionOf(same)).toBe(versionOf(first));
    expect(modelsOf(same)).toBe(modelsOf(first));
    expect(modelsOf(changed)).not.toBe(modelsOf(first));
    expect(versionOf(changed)).not.toBe(versionOf(first));
  });
});

describe('the CodeDeploy deployment group', () => {
  it('shifts the live alias as a canary of 10 % for 5 minutes by default, rolling back on failure, stop and alarm', () => {
    const { stack, template } = defaults;
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      DeploymentStyle: { DeploymentOption: 'WITH_TRAFFIC_CONTROL', DeploymentType: 'BLUE_GREEN' },
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'] },
    });
    template.hasResource('AWS::Lambda::Alias', {
      UpdatePolicy: {
        CodeDeployLambdaAliasUpdate: {
          ApplicationName: { Ref: idOf(stack.rollout.deploymentGroup.application) },
          DeploymentGroupName: { Ref: idOf(stack.rollout.deploymentGroup) },
        },
      },
    });
  });

  it('rolls back when any of five alarms fires: errors, p99 duration, own failures and dead letters of the new version, or API 5xx', () => {
    const { stack, template } = defaults;
    const { errors, p99Duration, predictionErrors, deadLetters, api5xx } = stack.rollout.alarms;
    const alarms = [errors, p99Duration, predictionErrors, deadLetters, api5xx].map((alarm) => ({ Name: { Ref: idOf(alarm!) } }));
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { AlarmConfiguration: { Enabled: true, Alarms: alarms } });
  });

  it("watches Lambda's own metrics of the new version through the alias and its executed version", () => {
    const { stack, template } = defaults;
    const fn = { Ref: idOf(stack.predict.function) };
    const version = { 'Fn::GetAtt': [publishedVersionId(defaults), 'Version'] };
    const dimensions = [
      { Name: 'ExecutedVersion', Value: version },
      { Name: 'FunctionName', Value: fn },
      { Name: 'Resource', Value: { 'Fn::Join': ['', [fn, ':live']] } },
    ];
    const resources = template.toJSON().Resources;
    expect(resources[idOf(stack.rollout.alarms.errors)].Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 0,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      Dimensions: dimensions,
    });
    expect(resources[idOf(stack.rollout.alarms.p99Duration)].Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      ExtendedStatistic: 'p99',
      Threshold: 3000,
      EvaluationPeriods: 2,
      Dimensions: dimensions,
    });
  });

  it("watches the application's metrics of the new version by service and function_version, as the contract names them", () => {
    const { stack, template } = defaults;
    const dimensions = [
      { Name: 'function_version', Value: { 'Fn::GetAtt': [publishedVersionId(defaults), 'Version'] } },
      { Name: 'service', Value: 'ride-duration-prediction' },
    ];
    const resources = template.toJSON().Resources;
    for (const [alarm, metricName] of [
      [stack.rollout.alarms.predictionErrors, 'PredictionErrors'],
      [stack.rollout.alarms.deadLetters, 'RecordsDeadLettered'],
    ] as const) {
      expect(resources[idOf(alarm)].Properties).toMatchObject({
        Namespace: 'RideDurationPrediction',
        MetricName: metricName,
        Statistic: 'Sum',
        Threshold: 0,
        Dimensions: dimensions,
      });
    }
  });

  it("watches the API's 5xx by API id", () => {
    const { stack, template } = defaults;
    expect(template.toJSON().Resources[idOf(stack.rollout.alarms.api5xx!)].Properties).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Statistic: 'Sum',
      Threshold: 0,
      Dimensions: [{ Name: 'ApiId', Value: { Ref: idOf(stack.api.api) } }],
    });
  });

  it("runs as CodeDeploy's service role with AWSCodeDeployRoleForLambdaLimited, plus invoking its PreTraffic hook and nothing else", () => {
    const { stack, template } = defaults;
    const roles = resourcesOf(defaults, 'AWS::IAM::Role').filter(
      ([, r]) => r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service === 'codedeploy.amazonaws.com',
    );
    expect(roles).toHaveLength(1);
    const [roleId, role] = roles[0] as [string, { Properties: { ManagedPolicyArns: unknown } }];
    expect(role.Properties.ManagedPolicyArns).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited']] },
    ]);
    // The managed policy only covers hooks named CodeDeployHook_*; this hook is granted by name.
    const hook = { 'Fn::GetAtt': [idOf(stack.rollout.preTrafficHook.function), 'Arn'] };
    expect(statementsOf(template, roleId)).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [hook, { 'Fn::Join': ['', [hook, ':*']] }] },
    ]);
  });

  it('takes a linear or custom canary shift, or all at once, from context', () => {
    const linear = synthesizer.synthesize({ deployment: 'linear', deploymentPercentage: '20', deploymentMinutes: '2' });
    linear.template.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ComputePlatform: 'Lambda',
      TrafficRoutingConfig: { Type: 'TimeBasedLinear', TimeBasedLinear: { LinearInterval: 2, LinearPercentage: 20 } },
    });
    const canary = synthesizer.synthesize({ deployment: 'canary', deploymentPercentage: '25', deploymentMinutes: '15' });
    canary.template.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryInterval: 15, CanaryPercentage: 25 } },
    });
    const allAtOnce = synthesizer.synthesize({ deployment: 'allAtOnce' });
    allAtOnce.template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { DeploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' });
    allAtOnce.template.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 0);
    for (const synthesized of [linear, canary, allAtOnce]) expect(nagReportOf(synthesized.testApp.outdir).map((r) => r.conclusion)).toEqual(['success']);
  });

  it('refuses a deployment style or share it does not know, naming the key', () => {
    expect(() => synthesizer.synthesize({ deployment: 'blue-green' })).toThrow(/invalid context deployment/);
    expect(() => synthesizer.synthesize({ deploymentPercentage: '100' })).toThrow(/invalid context deploymentPercentage/);
  });
});

describe('hot swap and shadows', () => {
  it('pass MODEL_REFRESH_SECONDS and SHADOW_MODELS to the predict function only, granting it read on the shadow alone', () => {
    const shadow = modelFile('shadow', 'shadow model bytes');
    const { stack, template } = synthesizer.synthesize({ modelRefreshSeconds: '60', shadowModels: `duration=${shadow}` });
    const resources = template.toJSON().Resources;
    const predictEnv = resources[idOf(stack.predict.function)].Properties.Environment.Variables;
    const batchEnv = resources[idOf(stack.batch.function)].Properties.Environment.Variables;
    expect(predictEnv.MODEL_REFRESH_SECONDS).toBe('60');
    const [shadowModel] = stack.models.shadows;
    expect(shadowModel?.location).toMatch(/\/models\/duration\/[0-9a-f]{16}\/model\.onnx$/);
    expect(predictEnv.SHADOW_MODELS).toEqual({
      'Fn::Join': ['', ['duration=s3://', { Ref: idOf(stack.buckets.model) }, `/${shadowModel?.location.split('/').slice(3).join('/')}`]],
    });
    expect(batchEnv.MODEL_REFRESH_SECONDS).toBeUndefined();
    expect(batchEnv.SHADOW_MODELS).toBeUndefined();
    expect(stack.models.uploads.map((upload) => upload.path)).toContain(shadow);
    // Only uploaded (immutable) models: a refresh interval has nothing to watch, and synth says so.
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('modelRefreshSeconds has nothing to watch'));
  });

  it('hot swap of an overwritten key: MODEL_REFRESH_SECONDS on the predict function, which may read that key and its sidecar only', () => {
    const { stack, template } = synthesizer.synthesize({ models: 'duration=s3://team-models/duration/current.onnx', modelRefreshSeconds: '60' });
    const predictEnv = template.toJSON().Resources[idOf(stack.predict.function)].Properties.Environment.Variables;
    expect(predictEnv).toMatchObject({ MODELS: 'duration=s3://team-models/duration/current.onnx', MODEL_REFRESH_SECONDS: '60' });
    // The runtime's check is a HeadObject of the model and its sidecar, which s3:GetObject permits: no s3:ListBucket, no prefix.
    expect(readStatementsOf(template, stack.predict.role)).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [foreignObject('team-models/duration/current.json'), foreignObject('team-models/duration/current.onnx')],
      },
    ]);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('modelRefreshSeconds'));
  });

  it('grant read on an S3 shadow object and its sidecar to the predict role, not to the batch role', () => {
    const { stack, template } = synthesizer.synthesize({ shadowModels: 'cost=s3://shadow-bucket/cost/next.onnx' });
    const model = idOf(stack.buckets.model);
    // IAM policy minimization sorts the resources.
    const served = stack.models.models
      .map((m) => m.name)
      .sort()
      .map((name) => objectsOf(model, `/models/${name}/*`));
    expect(readStatementsOf(template, stack.predict.role)).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [foreignObject('shadow-bucket/cost/next.json'), foreignObject('shadow-bucket/cost/next.onnx'), ...served],
      },
    ]);
    expect(JSON.stringify(readStatementsOf(template, stack.batch.role))).not.toContain('shadow-bucket');
  });
});

describe('the PreTraffic hook', () => {
  it('runs before CodeDeploy shifts any traffic to a new version: the alias update names it as BeforeAllowTraffic', () => {
    const { stack, template } = defaults;
    template.hasResource('AWS::Lambda::Alias', {
      UpdatePolicy: { CodeDeployLambdaAliasUpdate: Match.objectLike({ BeforeAllowTrafficHook: { Ref: idOf(stack.rollout.preTrafficHook.function) } }) },
    });
  });

  it("is the same asset as the predict function, its own entry, told the new version's qualified ARN", () => {
    const { stack, template } = defaults;
    const resources = template.toJSON().Resources;
    const hook = resources[idOf(stack.rollout.preTrafficHook.function)].Properties;
    const predict = resources[idOf(stack.predict.function)].Properties;
    expect(hook.Code).toEqual(predict.Code);
    expect(hook).toMatchObject({
      Handler: 'pretraffic.handler',
      Runtime: 'nodejs22.x',
      Environment: { Variables: { PRETRAFFIC_TARGET: { Ref: publishedVersionId(defaults) } } },
    });
    expect(predict.Handler).toBe('index.handler');
  });

  it('may invoke exactly the new version and report to exactly this deployment group, besides writing its own logs', () => {
    const { stack, template } = defaults;
    const hook = stack.rollout.preTrafficHook;
    const group = stack.rollout.deploymentGroup;
    const groupArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':codedeploy:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':deploymentgroup:',
          { Ref: idOf(group.application) },
          '/',
          { Ref: idOf(group) },
        ],
      ],
    };
    expect(statementsOf(template, idOf(hook.role))).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [idOf(hook.logGroup), 'Arn'] } },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { Ref: publishedVersionId(defaults) } },
      { Effect: 'Allow', Action: 'codedeploy:PutLifecycleEventHookExecutionStatus', Resource: groupArn },
    ]);
    expect(resourcesOf(defaults, 'AWS::IAM::Role').find(([id]) => id === idOf(hook.role))?.[1].Properties.ManagedPolicyArns).toBeUndefined();
  });
});
