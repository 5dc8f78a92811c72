import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Fetches one object's bytes. Retries and timeouts are the S3 client's own (its `maxAttempts`
 * and request handler), set once where the client is built.
 */
export async function fetchS3Object(client: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!response.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return response.Body.transformToByteArray();
}

/**
 * The object's bytes, or undefined when it is absent. Without s3:ListBucket, S3 answers 403
 * rather than 404 for a missing key, so both mean "no such optional object" (a sidecar).
 */
export async function fetchOptionalS3Object(client: S3Client, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    return await fetchS3Object(client, bucket, key);
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if ((error as Error).name === 'NoSuchKey' || status === 404 || status === 403) return undefined;
    throw error;
  }
}
