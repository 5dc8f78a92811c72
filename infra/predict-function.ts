import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { predictCode } from './predict-code';
import { acknowledgeNag } from './nag';
import type { PredictSettings } from './settings';

export interface PredictFunctionProps {
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly environment: Record<string, string>;
  readonly settings: PredictSettings;
  /** keep published versions when a newer one replaces them (manual rollback: update-alias to any of them) */
  readonly retainVersions?: boolean;
}

/**
 * One function built from the one asset (infra/bundling.ts: lambda/entry.mts bundled to
 * index.mjs and its chunks, handler `index.handler`), with its own role (no managed policies:
 * each permission is granted by the stack) and its own log group.
 */
export class PredictFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PredictFunctionProps) {
    super(scope, id);
    const { settings } = props;
    this.logGroup = new LogGroup(this, 'Logs', { retention: settings.logRetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `${props.description} (execution role)` });
    this.logGroup.grantWrite(this.role);
    this.function = new LambdaFunction(this, 'Function', {
      code: predictCode(settings.architecture),
      handler: 'index.handler',
      // onnxruntime-node 1.30 needs glibc ≥ 2.28 (Amazon Linux 2023); the code is tested on Node 22's API.
      runtime: Runtime.NODEJS_22_X,
      architecture: settings.architecture === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      // No --enable-source-maps: parsing the 4 MB map costs ~50 ms (~11 %) of every cold start
      // (BENCHMARKS.md, Lambda cold start). The map ships in the asset: set
      // NODE_OPTIONS=--enable-source-maps on the function to get TypeScript stack traces while debugging.
      // onnxruntime-node reports telemetry to Microsoft unless told not to: a prediction service reports to no third party.
      environment: { ORT_DISABLE_TELEMETRY: '1', ...props.environment },
      ...(props.retainVersions ? { currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN } } : {}),
    });
    acknowledgeNag(this, 'AwsSolutions-L1', 'nodejs22.x is the runtime the asset and onnxruntime-node 1.30 are built and tested for.');
    acknowledgeNag(this, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.');
  }
}
