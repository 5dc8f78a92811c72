import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ModelBytes } from './index';

/**
 * Fetches the model object. Retries and timeouts are the S3 client's own (its `maxAttempts`
 * and request handler), set once where the client is built.
 */
export async function fetchS3Model(client: S3Client, bucket: string, key: string): Promise<ModelBytes> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!response.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  const bytes = await response.Body.transformToByteArray();
  // A versioned bucket names the exact object version; otherwise the ETag identifies the bytes.
  const storeVersion = response.VersionId && response.VersionId !== 'null' ? response.VersionId : response.ETag?.replace(/"/g, '');
  return { bytes, storeVersion };
}
