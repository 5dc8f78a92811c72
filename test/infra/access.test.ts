import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { addPredictStack } from '../../infra/predict-app';
import type { PredictStack } from '../../infra/stack';
import { createTestApp, idOf, type TestApp } from '../support/cdk-app';

/** The routes that score rides, on every protocol: the course's, OIP v2's and MLflow/SageMaker's. */
const PREDICTION_ROUTE_KEYS = [
  'POST /predict',
  'POST /predict/{name}',
  'POST /v2/models/{name}/infer',
  'POST /v2/models/{name}/versions/{version}/infer',
  'POST /invocations',
];
/** Health, metadata and the API description: open in every mode. */
const OPEN_ROUTE_KEYS = [
  'GET /health',
  'GET /openapi.json',
  'GET /docs',
  'GET /docs/{asset}',
  'GET /v2',
  'GET /v2/health/live',
  'GET /v2/health/ready',
  'GET /v2/models/{name}',
  'GET /v2/models/{name}/ready',
  'GET /v2/models/{name}/versions/{version}',
  'GET /v2/models/{name}/versions/{version}/ready',
  'GET /ping',
  'GET /version',
];
/** Every route key with the same authorization. */
const allWith = (keys: readonly string[], authorization: unknown) => Object.fromEntries(keys.map((key) => [key, authorization]));
/** cdk-nag's construct path of a route: `POST /predict/{name}` → `…/Api/POST--predict--{name}/Resource`. */
const routePath = (key: string) => `RideDurationPrediction/Web/Api/${key.replace(' ', '').replace(/\//g, '--')}/Resource`;

/** Who may call the API and put ride events, per `-c apiAuth=…`; how long raw inputs live. */

interface Synthesized {
  stack: PredictStack;
  template: Template;
  testApp: TestApp;
}

interface Suppressed {
  ruleName: string;
  reason: string;
  violatingConstructs: Array<{ constructPath: string }>;
}

interface PluginReport {
  pluginName: string;
  conclusion: string;
  violations: unknown[];
  suppressedViolations?: Suppressed[];
}

const apps: TestApp[] = [];
afterAll(() => {
  for (const app of apps) app.cleanup();
});

/** Synthesizes as `cdk synth` does (cdk-nag included), without building the asset. */
function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const testApp = createTestApp({ context });
  apps.push(testApp);
  const stack = addPredictStack(testApp.app);
  const template = Template.fromStack(stack);
  return { stack, template, testApp };
}

/** Route key → its authorization, as CloudFormation will create it. */
function routesOf(template: Template): Record<string, { AuthorizationType: string; AuthorizerId?: unknown; AuthorizationScopes?: string[] }> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => {
      const { RouteKey, AuthorizationType, AuthorizerId, AuthorizationScopes } = r.Properties;
      return [RouteKey, { AuthorizationType, AuthorizerId, AuthorizationScopes }];
    }),
  );
}

function nagReportOf(testApp: TestApp): PluginReport {
  const reports = (JSON.parse(readFileSync(join(testApp.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: PluginReport[] }).pluginReports;
  const report = reports.find((r) => r.pluginName === 'AwsSolutions');
  if (!report) throw new Error('cdk-nag did not run');
  return report;
}

/** Which constructs an acknowledged finding of `rule` covers. */
const suppressedPaths = (report: PluginReport, rule: string) =>
  (report.suppressedViolations ?? [])
    .filter((v) => v.ruleName === rule || v.ruleName.startsWith(`${rule}[`))
    .flatMap((v) => v.violatingConstructs.map((c) => c.constructPath));

const OPEN = { AuthorizationType: 'NONE' };
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example';

describe('apiAuth=iam (the default)', () => {
  let iam: Synthesized;
  beforeAll(() => {
    iam = synthesize();
  });

  it('requires a SigV4 signature on every prediction route (/predict, OIP v2 infer, /invocations) and leaves health, metadata and the docs open', () => {
    expect(routesOf(iam.template)).toEqual({ ...allWith(PREDICTION_ROUTE_KEYS, { AuthorizationType: 'AWS_IAM' }), ...allWith(OPEN_ROUTE_KEYS, OPEN) });
    iam.template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });

  it('outputs a managed policy allowing execute-api:Invoke on exactly the prediction routes of the $default stage', () => {
    const { stack, template } = iam;
    const api = idOf(stack.api.api);
    const routeArn = (path: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':execute-api:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':',
          { Ref: api },
          `/$default/POST${path}`,
        ],
      ],
    });
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    const invoke = policies[idOf(stack.api.invokePolicy!)];
    const resources = [
      routeArn('/predict'),
      routeArn('/predict/*'),
      routeArn('/v2/models/*/infer'),
      routeArn('/v2/models/*/versions/*/infer'),
      routeArn('/invocations'),
    ];
    expect(invoke?.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: expect.arrayContaining(resources) },
    ]);
    expect(invoke?.Properties.PolicyDocument.Statement[0].Resource).toHaveLength(resources.length);
    expect(invoke?.Properties.Roles ?? invoke?.Properties.Users ?? invoke?.Properties.Groups).toBeUndefined();
    template.hasOutput('InvokePolicyArn', { Value: { Ref: idOf(stack.api.invokePolicy!) } });
  });

  it('logs who called each route (IAM principal or JWT subject) in the access log, never a credential', () => {
    const stage = Object.values(iam.template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    const format = JSON.parse(stage?.Properties.AccessLogSettings.Format) as Record<string, string>;

    expect(format).toMatchObject({
      callerArn: '$context.identity.userArn',
      jwtSubject: '$context.authorizer.claims.sub',
      sourceIp: '$context.identity.sourceIp',
    });
    expect(Object.values(format).join(' ')).not.toMatch(/authorization|token|header/i);
  });

  it('passes cdk-nag, acknowledging only the open routes and the model-name and version wildcards', () => {
    const report = nagReportOf(iam.testApp);
    expect({ conclusion: report.conclusion, violations: report.violations }).toEqual({ conclusion: 'success', violations: [] });
    expect(suppressedPaths(report, 'AwsSolutions-APIG4').sort()).toEqual(OPEN_ROUTE_KEYS.map(routePath).sort());
    // one acknowledgement per wildcard route: /predict/*, /v2/models/*/infer, /v2/models/*/versions/*/infer
    expect(suppressedPaths(report, 'AwsSolutions-IAM5').filter((path) => path.includes('InvokePolicy'))).toEqual(
      Array(3).fill('RideDurationPrediction/Web/InvokePolicy/Resource'),
    );
  });
});

describe('apiAuth=jwt', () => {
  let jwt: Synthesized;
  beforeAll(() => {
    jwt = synthesize({ apiAuth: 'jwt', jwtIssuer: ISSUER, jwtAudience: 'client-a, client-b', jwtScope: 'predict/invoke' });
  });

  it('checks bearer tokens from the issuer for the audiences, read from the Authorization header', () => {
    const authorizers = Object.values(jwt.template.findResources('AWS::ApiGatewayV2::Authorizer'));
    expect(authorizers.map((a) => a.Properties)).toEqual([
      {
        ApiId: { Ref: idOf(jwt.stack.api.api) },
        AuthorizerType: 'JWT',
        Name: 'Jwt',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: ISSUER, Audience: ['client-a', 'client-b'] },
      },
    ]);
  });

  it('puts the authorizer and the required scope on the prediction routes only', () => {
    const [authorizerId] = Object.keys(jwt.template.findResources('AWS::ApiGatewayV2::Authorizer'));
    const protectedRoute = { AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId }, AuthorizationScopes: ['predict/invoke'] };
    expect(routesOf(jwt.template)).toEqual({ ...allWith(PREDICTION_ROUTE_KEYS, protectedRoute), ...allWith(OPEN_ROUTE_KEYS, OPEN) });
  });

  it('asks for no scope when none is given, and outputs no IAM invoke policy', () => {
    const { template, stack } = synthesize({ apiAuth: 'jwt', jwtIssuer: ISSUER, jwtAudience: 'client-a' });
    for (const key of PREDICTION_ROUTE_KEYS) expect(routesOf(template)[key]).toEqual({ AuthorizationType: 'JWT', AuthorizerId: expect.anything() });
    expect(stack.api.invokePolicy).toBeUndefined();
    expect(Object.keys(template.findOutputs('*'))).not.toContain('InvokePolicyArn');
  });

  it('passes cdk-nag, acknowledging only the open routes', () => {
    const report = nagReportOf(jwt.testApp);
    expect({ conclusion: report.conclusion, violations: report.violations }).toEqual({ conclusion: 'success', violations: [] });
    expect(suppressedPaths(report, 'AwsSolutions-APIG4').sort()).toEqual(OPEN_ROUTE_KEYS.map(routePath).sort());
  });

  it('is refused without an issuer and audience, or with an issuer that is not https', () => {
    expect(() => synthesize({ apiAuth: 'jwt' })).toThrow(/apiAuth=jwt needs context jwtIssuer/);
    expect(() => synthesize({ apiAuth: 'jwt', jwtIssuer: ISSUER })).toThrow(/jwtAudience/);
    expect(() => synthesize({ apiAuth: 'jwt', jwtIssuer: 'http://issuer.example', jwtAudience: 'a' })).toThrow(/invalid context jwtIssuer/);
    expect(() => synthesize({ apiAuth: 'open' })).toThrow(/invalid context apiAuth/);
  });
});

describe('apiAuth=none (only when asked for)', () => {
  let none: Synthesized;
  beforeAll(() => {
    none = synthesize({ apiAuth: 'none' });
  });

  it('leaves every route open and creates no authorizer or invoke policy', () => {
    expect(routesOf(none.template)).toEqual(allWith([...PREDICTION_ROUTE_KEYS, ...OPEN_ROUTE_KEYS], OPEN));
    none.template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    expect(none.stack.api.invokePolicy).toBeUndefined();
  });

  it("passes cdk-nag only because the open API's finding is acknowledged with the reason", () => {
    const report = nagReportOf(none.testApp);
    expect(report.conclusion).toBe('success');
    const apig4 = (report.suppressedViolations ?? []).filter((v) => v.ruleName === 'AwsSolutions-APIG4');
    expect(apig4.flatMap((v) => v.violatingConstructs.map((c) => c.constructPath)).sort()).toEqual(
      [...PREDICTION_ROUTE_KEYS, ...OPEN_ROUTE_KEYS].map(routePath).sort(),
    );
    expect(apig4.map((v) => v.reason)).toContainEqual(expect.stringContaining('-c apiAuth=none'));
  });
});

describe('the input stream', () => {
  it('has a producer policy that may put records on it and nothing else, and stays encrypted', () => {
    const { stack, template } = synthesize();
    const policy = template.findResources('AWS::IAM::ManagedPolicy')[idOf(stack.streams.producerPolicy)];
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['kinesis:PutRecord', 'kinesis:PutRecords'], Resource: { 'Fn::GetAtt': [idOf(stack.streams.input), 'Arn'] } },
    ]);
    // aws/kinesis is AWS-managed: its key policy lets the account's principals use it via Kinesis.
    expect(template.toJSON().Resources[idOf(stack.streams.input)].Properties.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    template.hasOutput('ProducerPolicyArn', { Value: { Ref: idOf(stack.streams.producerPolicy) } });
  });
});

describe('raw inputs in the data bucket', () => {
  const expiryOf = (synthesized: Synthesized) =>
    synthesized.template.toJSON().Resources[idOf(synthesized.stack.buckets.data)].Properties.LifecycleConfiguration.Rules;

  it('expire after 90 days under dead-letters/, capture/, capture-errors/ and actuals/, and nothing else expires', () => {
    const rule = (prefix: string) => ({
      Id: `expire-${prefix.slice(0, -1)}`,
      Prefix: prefix,
      ExpirationInDays: 90,
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      Status: 'Enabled',
    });
    expect(expiryOf(synthesize())).toEqual([rule('dead-letters/'), rule('capture/'), rule('capture-errors/'), rule('actuals/')]);
  });

  it('expire after the days given as context', () => {
    expect(expiryOf(synthesize({ rawInputExpiryDays: '7' })).map((r: { ExpirationInDays: number }) => r.ExpirationInDays)).toEqual([7, 7, 7, 7]);
    expect(() => synthesize({ rawInputExpiryDays: '0' })).toThrow(/invalid context rawInputExpiryDays/);
  });

  it('sit in a bucket that is encrypted, blocks public access and refuses requests without TLS', () => {
    const { stack, template } = synthesize();
    const data = template.toJSON().Resources[idOf(stack.buckets.data)].Properties;
    expect(data.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(data.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: idOf(stack.buckets.data) } } }));
    expect(policies[0]?.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });
});
