import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime, type CfnFunction, type IVersion } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PRETRAFFIC } from '../lambda/contract';
import { acknowledgeNag } from './nag';
import { predictCode } from './predict-code';
import type { PredictSettings } from './settings';

export interface PreTrafficHookProps {
  /** the predict version a deployment shifts the live alias to */
  readonly version: IVersion;
  readonly deploymentGroup: LambdaDeploymentGroup;
  readonly settings: PredictSettings;
}

/**
 * The canary's BeforeAllowTraffic hook (lambda/deploy-hook): before CodeDeploy shifts any traffic
 * to the new predict version, this function invokes that version with every model's examples over
 * the API Gateway and Kinesis event shapes, and reports Failed (no shift, rollback) on an error or
 * a mismatch.
 *
 * Same asset as the other functions, its own entry (`pretraffic.handler`): it loads no model. Its
 * role may do exactly two things besides writing its own logs: invoke the new version (its
 * qualified ARN, which changes with every deploy, as does the hook's PRETRAFFIC_TARGET) and report
 * to this deployment group.
 */
export class PreTrafficHook extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PreTrafficHookProps) {
    super(scope, id);
    const { settings, version } = props;
    this.logGroup = new LogGroup(this, 'Logs', { retention: settings.logRetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'PreTraffic hook of the live alias: invokes the new predict version, reports to CodeDeploy',
    });
    this.logGroup.grantWrite(this.role);
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [version.functionArn] }));
    this.function = new LambdaFunction(this, 'Function', {
      code: predictCode(settings.architecture),
      handler: PRETRAFFIC.handler,
      runtime: Runtime.NODEJS_22_X,
      architecture: settings.architecture === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64,
      memorySize: 256,
      // The new version's cold start (models fetched and checked) plus a few invocations.
      timeout: Duration.minutes(2),
      description: "Ride duration prediction: PreTraffic hook (checks a new version against its models' examples)",
      role: this.role,
      logGroup: this.logGroup,
      environment: { [PRETRAFFIC.targetEnv]: version.functionArn },
    });
    // Grants codedeploy:PutLifecycleEventHookExecutionStatus on this deployment group, and the alias update waits for the hook.
    props.deploymentGroup.addPreHook(this.function);
    acknowledgeNag(this, 'AwsSolutions-L1', 'nodejs22.x is the runtime the asset is built and tested for.');
    acknowledgeNag(
      props.deploymentGroup,
      `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.function.node.defaultChild as CfnFunction)}.Arn>:*]`,
      "addPreHook lets CodeDeploy's role invoke the hook function (and its qualified ARNs, as Lambda's grantInvoke writes it); nothing else.",
    );
  }
}
