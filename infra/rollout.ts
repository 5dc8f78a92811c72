import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaDeploymentConfig, LambdaDeploymentGroup, TrafficRouting, type ILambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { Alias, type Function as LambdaFunction, type IVersion } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DIMENSIONS, METRICS, SERVICE_NAME } from '../lambda/contract';
import { acknowledgeNag } from './nag';
import { PreTrafficHook } from './pretraffic-hook';
import type { PredictSettings } from './settings';

/** The alias the HTTP API and the stream invoke; CodeDeploy moves it from version to version. */
export const LIVE_ALIAS = 'live';

export interface PredictRolloutProps {
  /** the predict function; published as a new version whenever its code or configuration changes */
  readonly function: LambdaFunction;
  readonly settings: PredictSettings;
}

/**
 * Safe rollout of the predict function: every deploy that changes its code or configuration (a
 * model is configuration: MODELS names content-addressed keys) publishes a version; CodeDeploy
 * shifts the `live` alias to it (canary 10 % for 5 minutes by default) once its PreTraffic hook
 * has seen it reproduce every model's examples, and moves it back at once when any rollback alarm
 * fires.
 *
 * The alarms watch the NEW version alone where CloudWatch can: an alarm needs its dimension values
 * when it is defined, and the one value the stack knows about the new version is its number (the
 * Version resource's attribute, resolved at deploy time — the alarms are updated before the alias
 * is). Lambda publishes `Errors` and `Duration` per alias and executed version; the application's
 * EMF metrics carry `function_version` (from AWS_LAMBDA_FUNCTION_VERSION) for the same reason. Only
 * the API's 5xx cannot be split by version (API Gateway does not know it): it watches the whole API.
 */
export class PredictRollout extends Construct {
  readonly version: IVersion;
  readonly alias: Alias;
  readonly deploymentGroup: LambdaDeploymentGroup;
  /** checks each new version against its models' examples before any traffic shifts to it */
  readonly preTrafficHook: PreTrafficHook;
  /** the alarms that roll a deployment back, by what they watch */
  readonly alarms: {
    readonly errors: Alarm;
    readonly p99Duration: Alarm;
    readonly predictionErrors: Alarm;
    readonly deadLetters: Alarm;
    api5xx?: Alarm;
  };

  constructor(scope: Construct, id: string, props: PredictRolloutProps) {
    super(scope, id);
    const { function: fn, settings } = props;
    this.version = fn.currentVersion;
    this.alias = new Alias(this, 'Live', {
      aliasName: LIVE_ALIAS,
      version: this.version,
      description: 'What the HTTP API and the ride-events stream invoke; moved by CodeDeploy',
    });
    const lambdaDimensions = { FunctionName: fn.functionName, Resource: `${fn.functionName}:${LIVE_ALIAS}`, ExecutedVersion: this.version.version };
    const appDimensions = { [DIMENSIONS.service]: SERVICE_NAME, [DIMENSIONS.functionVersion]: this.version.version };
    const lambdaMetric = (metricName: string, statistic: string) =>
      new Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: lambdaDimensions, statistic, period: Duration.minutes(1) });
    const appMetric = (metricName: string) =>
      new Metric({ namespace: settings.metricsNamespace, metricName, dimensionsMap: appDimensions, statistic: 'Sum', period: Duration.minutes(1) });
    this.alarms = {
      errors: this.alarm('NewVersionErrors', lambdaMetric('Errors', 'Sum'), 0, 1, 'The new predict version threw (a function error).'),
      // Two minutes in a row: one cold start (model fetch) in a quiet minute is not a regression.
      p99Duration: this.alarm(
        'NewVersionP99Duration',
        lambdaMetric('Duration', 'p99'),
        settings.rollbackP99DurationMs,
        2,
        `The new predict version's p99 duration stayed above ${settings.rollbackP99DurationMs} ms.`,
      ),
      predictionErrors: this.alarm(
        'NewVersionPredictionErrors',
        appMetric(METRICS.predictionErrors),
        0,
        1,
        'The new predict version failed requests or records on its own account (model unavailable, unexpected error).',
      ),
      deadLetters: this.alarm('NewVersionDeadLetters', appMetric(METRICS.recordsDeadLettered), 0, 1, 'The new predict version dead-lettered ride events.'),
    };
    this.deploymentGroup = new LambdaDeploymentGroup(this, 'Deployment', {
      alias: this.alias,
      deploymentConfig: this.deploymentConfig(settings),
      alarms: [this.alarms.errors, this.alarms.p99Duration, this.alarms.predictionErrors, this.alarms.deadLetters],
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    this.preTrafficHook = new PreTrafficHook(this, 'PreTraffic', { version: this.version, deploymentGroup: this.deploymentGroup, settings });
    acknowledgeNag(
      this.deploymentGroup,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      "CodeDeploy's service role for Lambda as AWS intends it: the managed policy lets CodeDeploy read the alarms and update the alias, nothing else.",
    );
  }

  /** Rolls a deployment back on any 5xx of the HTTP API (both versions: API Gateway cannot tell them apart). */
  watchApi(api: HttpApi): void {
    const serverErrors = api.metricServerError({ statistic: 'Sum', period: Duration.minutes(1) });
    this.alarms.api5xx = this.alarm('Api5xx', serverErrors, 0, 1, 'The HTTP API answered 5xx.');
    this.deploymentGroup.addAlarm(this.alarms.api5xx);
  }

  private deploymentConfig(settings: PredictSettings): ILambdaDeploymentConfig {
    const { deployment, deploymentPercentage: percentage, deploymentMinutes: minutes } = settings;
    if (deployment === 'allAtOnce') return LambdaDeploymentConfig.ALL_AT_ONCE;
    // CodeDeploy's predefined configurations when they fit (no resource); else a custom one.
    const predefined = PREDEFINED[`${deployment}/${percentage}/${minutes}`];
    if (predefined) return predefined;
    const interval = Duration.minutes(minutes);
    return new LambdaDeploymentConfig(this, 'Config', {
      trafficRouting:
        deployment === 'canary' ? TrafficRouting.timeBasedCanary({ interval, percentage }) : TrafficRouting.timeBasedLinear({ interval, percentage }),
    });
  }

  private alarm(id: string, metric: Metric, threshold: number, evaluationPeriods: number, description: string): Alarm {
    return new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No traffic on the new version yet is not a failure.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `${description} Rolls back a running deployment of the live alias.`,
    });
  }
}

const PREDEFINED: Readonly<Record<string, ILambdaDeploymentConfig>> = {
  'canary/10/5': LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  'canary/10/10': LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  'canary/10/15': LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  'canary/10/30': LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
  'linear/10/1': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  'linear/10/2': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
  'linear/10/3': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
  'linear/10/10': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
};
