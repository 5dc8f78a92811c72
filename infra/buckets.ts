import { resolve } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, CfnBucket, BucketEncryption, ObjectOwnership, type BucketProps, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';
import { DEFAULT_MODEL_KEY, type PredictSettings } from './settings';

/** Prefixes of the data bucket; the functions may touch only these. */
export const DATA_PREFIXES = Object.freeze({
  tripData: 'trip-data/',
  predictions: 'predictions/',
  deadLetters: 'dead-letters/',
});

const MODELS_DIR = resolve(__dirname, '..', 'models');

/** Settings every bucket of the stack shares: private, encrypted, TLS only, kept on stack deletion. */
function privateBucketProps(accessLogs?: IBucket, prefix?: string): BucketProps {
  return {
    encryption: BucketEncryption.S3_MANAGED,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.RETAIN,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: prefix,
  };
}

/**
 * The stack's S3 storage: the model bucket (created versioned, or an existing one by name), the
 * data bucket (batch input, predictions, dead letters) and the bucket their access logs go to.
 */
export class Buckets extends Construct {
  readonly accessLogs: Bucket;
  readonly model: IBucket;
  readonly data: Bucket;

  constructor(scope: Construct, id: string, settings: PredictSettings) {
    super(scope, id);
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...privateBucketProps(),
      // The log delivery service writes here through the bucket policy CDK adds.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });
    acknowledgeNag(this.accessLogs, 'AwsSolutions-S1', 'This is the access-log bucket; logging its own access would loop.');
    this.model = settings.modelBucketName
      ? Bucket.fromBucketName(this, 'Model', settings.modelBucketName)
      : new Bucket(this, 'Model', { ...privateBucketProps(this.accessLogs, 'model/'), versioned: true });
    this.data = new Bucket(this, 'Data', privateBucketProps(this.accessLogs, 'data/'));
    if (settings.uploadDefaultModel) this.uploadDefaultModel();
  }

  /**
   * Puts models/model.onnx (and its model.json) under models/ so a first deploy answers at once.
   * Never prunes or deletes: models uploaded by hand next to it stay.
   */
  private uploadDefaultModel(): void {
    const deployment = new BucketDeployment(this, 'DefaultModel', {
      sources: [Source.asset(MODELS_DIR, { exclude: ['**', '!model.onnx', '!model.json', '!reference-profile.json'] })],
      destinationBucket: this.model,
      destinationKeyPrefix: DEFAULT_MODEL_KEY.slice(0, DEFAULT_MODEL_KEY.lastIndexOf('/') + 1),
      prune: false,
      retainOnDelete: true,
      extract: true,
    });
    // The copying handler is a stack-level singleton made and permissioned by aws-cdk-lib.
    const handler = Stack.of(this).node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    const cdkOwned = "CDK's own BucketDeployment handler (copies the default model from the CDK assets bucket once per deploy)";
    for (const scope of [deployment, handler ?? deployment]) {
      acknowledgeNag(scope, 'AwsSolutions-L1', `${cdkOwned}: its runtime is chosen by aws-cdk-lib.`);
      acknowledgeNag(
        scope,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        `${cdkOwned}: the managed policy covers its own logs only.`,
      );
      for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*']) {
        acknowledgeNag(scope, `AwsSolutions-IAM5[Action::${action}]`, `${cdkOwned}: reads the assets bucket and writes the model bucket, as CDK grants it.`);
      }
      acknowledgeNag(
        scope,
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        `${cdkOwned}: reads the staged asset from the bootstrap assets bucket.`,
      );
      acknowledgeNag(scope, `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.model)}.Arn>/*]`, `${cdkOwned}: writes models/ into the model bucket.`);
    }
  }
}

/** The CloudFormation logical id of a bucket defined in this stack (as cdk-nag names it in findings). */
export function logicalIdOf(bucket: IBucket): string {
  const resource = bucket.node.defaultChild;
  if (!(resource instanceof CfnBucket)) return bucket.node.id;
  return Stack.of(bucket).resolve(Stack.of(bucket).getLogicalId(resource)) as string;
}
