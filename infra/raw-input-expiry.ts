import { Duration } from 'aws-cdk-lib';
import type { Bucket } from 'aws-cdk-lib/aws-s3';

/**
 * Expires objects under each prefix after `days` (and aborts uploads left incomplete there):
 * dead letters and captured requests hold riders' raw inputs, kept only as long as they are
 * useful for debugging and drift reports.
 *
 * @example expireRawInputs(dataBucket, ['dead-letters/', 'capture/'], 90)
 */
export function expireRawInputs(bucket: Bucket, prefixes: readonly string[], days: number): void {
  for (const prefix of prefixes) {
    bucket.addLifecycleRule({
      id: `expire-${prefix.replace(/\/$/, '')}`,
      prefix,
      expiration: Duration.days(days),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    });
  }
}
