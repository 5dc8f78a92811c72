import { CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpNoneAuthorizer, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HTTP_ROUTES, type RouteAccess } from '../lambda/contract';
import { predictionAuthorization } from './api-auth';
import { acknowledgeNag } from './nag';
import type { PredictSettings } from './settings';

/** The route table's routes of one access kind, as the HTTP API names their methods. */
const routesFor = (access: RouteAccess) =>
  Object.freeze(HTTP_ROUTES.filter((route) => route.access === access).map(({ method, path }) => ({ method: HttpMethod[method], path })));

/**
 * Routes that score rides (the course's `/predict`, OIP v2's `infer`, MLflow/SageMaker's
 * `/invocations`): authenticated unless `apiAuth=none`. `{name}` picks one model.
 */
export const PREDICTION_ROUTES = routesFor('predict');

/** Routes open to anyone in every mode (health, metadata, the API description and its page): they reveal no ride and cost no model run. */
export const OPEN_ROUTES = routesFor('open');

/** One JSON line per request, in HTTP API's own $context variables. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    sourceIp: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    // Who called: the IAM principal (apiAuth=iam) or the token's subject (jwt); never the token itself.
    callerArn: '$context.identity.userArn',
    jwtSubject: '$context.authorizer.claims.sub',
    status: '$context.status',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integration.latency',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/**
 * The web service: an HTTP API (payload 2.0) on one function, a throttled `$default` stage and
 * JSON access logs. The prediction routes ({@link PREDICTION_ROUTES}) need the caller authenticated
 * as `settings.apiAuth` says (SigV4 by default); the open ones ({@link OPEN_ROUTES}) stay open.
 * In `iam` mode, {@link invokePolicy} is a managed policy to attach to whoever may predict.
 */
export class PredictApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  /** `iam` mode: `execute-api:Invoke` on the prediction routes of the `$default` stage, nothing else */
  readonly invokePolicy?: ManagedPolicy;

  constructor(scope: Construct, id: string, fn: IFunction, settings: PredictSettings) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', { description: 'Ride duration prediction', createDefaultStage: false });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: settings.logRetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.apiRateLimit, burstLimit: settings.apiBurstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
    });
    const integration = new HttpLambdaIntegration('Predict', fn);
    const auth = predictionAuthorization(settings);
    for (const { method, path } of PREDICTION_ROUTES) this.api.addRoutes({ path, methods: [method], integration, ...auth });
    for (const { method, path } of OPEN_ROUTES) {
      const [route] = this.api.addRoutes({ path, methods: [method], integration, authorizer: new HttpNoneAuthorizer() });
      if (settings.apiAuth !== 'none') {
        acknowledgeNag(
          route!,
          'AwsSolutions-APIG4',
          `${method} ${path} is open on purpose: it answers health, model metadata or the API description and its page, never a prediction, and runs no model.`,
        );
      }
    }
    if (settings.apiAuth === 'none') {
      acknowledgeNag(
        this.api,
        'AwsSolutions-APIG4',
        'Deployed with -c apiAuth=none, explicitly: a public prediction endpoint as in the course, bounded only by stage throttling.',
      );
    }
    if (settings.apiAuth === 'iam') this.invokePolicy = this.createInvokePolicy();
  }

  /**
   * `execute-api:Invoke` on exactly the prediction routes of this API's `$default` stage. Each `*`
   * is one `{name}` or `{version}` path segment: IAM cannot match a single segment more narrowly.
   */
  private createInvokePolicy(): ManagedPolicy {
    const resourcePath = (path: string) => path.replace(/\{[^}]+\}/g, '*');
    const resources = PREDICTION_ROUTES.map(({ method, path }) => this.api.arnForExecuteApi(method, resourcePath(path), this.stage.stageName));
    const policy = new ManagedPolicy(this, 'InvokePolicy', {
      description: `May call the prediction routes of the ride duration API (SigV4): ${PREDICTION_ROUTES.map(({ method, path }) => `${method} ${path}`).join(', ')}`,
      statements: [new PolicyStatement({ actions: ['execute-api:Invoke'], resources })],
    });
    for (const { method, path } of PREDICTION_ROUTES.filter((route) => route.path.includes('{'))) {
      acknowledgeNag(
        policy,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${this.apiLogicalId()}>/$default/${method}${resourcePath(path)}]`,
        `Each * stands for one path segment of ${method} ${path} (a model name or version); stage and method are fixed.`,
      );
    }
    return policy;
  }

  private apiLogicalId(): string {
    const stack = Stack.of(this);
    return stack.resolve(stack.getLogicalId(this.api.node.defaultChild as CfnElement)) as string;
  }

  /** The stage's invoke URL (ends with '/'). */
  get url(): string {
    return this.stage.url;
  }
}
