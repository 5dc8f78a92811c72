import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MAX_DESCRIPTOR_BYTES, tooLarge, type FileStamp } from './file';

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
 * The object's stamp for a hot-swap check: its ETag and VersionId from a HeadObject (which
 * s3:GetObject permits; no bytes move). Absent (404, or 403 without s3:ListBucket) is a stamp too.
 */
export async function s3Stamp(client: S3Client, bucket: string, key: string): Promise<FileStamp> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { token: `etag:${head.ETag ?? ''}:${head.VersionId ?? ''}` };
  } catch (error) {
    if (isMissingObject(error)) return { token: 'absent' };
    throw error;
  }
}

/**
 * The object's bytes, or undefined when it is absent; refused when S3 says it is larger than
 * `maxBytes` (a sidecar or MLmodel: see MAX_DESCRIPTOR_BYTES). Without s3:ListBucket, S3 answers 403
 * rather than 404 for a missing key, so both mean "no such optional object" (a sidecar).
 */
export async function fetchOptionalS3Object(client: S3Client, bucket: string, key: string, maxBytes = MAX_DESCRIPTOR_BYTES): Promise<Uint8Array | undefined> {
  let response;
  try {
    response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
  const size = response.ContentLength ?? 0;
  if (size > maxBytes) {
    (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw tooLarge(`s3://${bucket}/${key}`, size, maxBytes);
  }
  if (!response.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return response.Body.transformToByteArray();
}

/**
 * Is this S3 error "no such object" (NoSuchKey, NotFound, NoSuchBucket, a 404, or the 403 S3
 * answers for a missing key without s3:ListBucket)? Told by the SDK's error name and HTTP status.
 */
export function isMissingObject(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket' || status === 404 || status === 403;
}
