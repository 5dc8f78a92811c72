import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';
import type { PredictSettings } from './settings';

/** One JSON line per request, in HTTP API's own $context variables. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    sourceIp: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integration.latency',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/**
 * The web service: an HTTP API (payload 2.0) with `POST /predict` and `GET /health` on one
 * function, a throttled `$default` stage and JSON access logs.
 */
export class PredictApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

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
    this.api.addRoutes({ path: '/predict', methods: [HttpMethod.POST], integration });
    this.api.addRoutes({ path: '/health', methods: [HttpMethod.GET], integration });
    acknowledgeNag(
      this.api,
      'AwsSolutions-APIG4',
      'A public prediction endpoint, as in the course; abuse is bounded by stage throttling. Add a JWT or IAM authorizer before serving anything private.',
    );
  }

  /** The stage's invoke URL (ends with '/'). */
  get url(): string {
    return this.stage.url;
  }
}
