import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, CfnBucket, BucketEncryption, ObjectOwnership, type BucketProps, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';
import type { PredictSettings } from './settings';

/** Prefixes of the data bucket; the functions may touch only these. */
export const DATA_PREFIXES = Object.freeze({
  tripData: 'trip-data/',
  predictions: 'predictions/',
  deadLetters: 'dead-letters/',
});

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
 * The stack's S3 storage: the model bucket (created versioned, or an existing one by name; infra/models.ts
 * uploads the models), the data bucket (batch input, predictions, dead letters) and the bucket their access logs go to.
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
  }
}

/** The CloudFormation logical id of a bucket defined in this stack (as cdk-nag names it in findings). */
export function logicalIdOf(bucket: IBucket): string {
  const resource = bucket.node.defaultChild;
  if (!(resource instanceof CfnBucket)) return bucket.node.id;
  return Stack.of(bucket).resolve(Stack.of(bucket).getLogicalId(resource)) as string;
}
