import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag AwsSolutions finding on `scope` (and what it contains), with the
 * reason a reviewer reads. `rule` is the finding as cdk-nag names it, e.g. `AwsSolutions-S1` or
 * `AwsSolutions-IAM5[Resource::*]`; the pack prefix CDK's validation report expects is added here.
 *
 * @example acknowledgeNag(bucket, 'AwsSolutions-S1', 'This is the access-log bucket itself.')
 */
export function acknowledgeNag(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}
