import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { baseName, type DataLocation } from './locations';

/**
 * An output written to a temporary file first and moved into place only when complete, so a
 * failed run leaves nothing at the destination and a rerun replaces the old file whole.
 */
export interface StagedOutput {
  /** the local file to write */
  readonly tempPath: string;
  /** moves the finished file to its destination */
  commit(): Promise<void>;
  /** deletes the temporary file */
  discard(): Promise<void>;
}

/**
 * Local path: a hidden temp file in the destination directory, then rename (atomic on one
 * file system). S3: a local temp file, then one PutObject; S3 shows an object only once its
 * upload has completed, so no partial object is ever visible and no copy-and-delete of a
 * temporary key is needed (nor the s3:DeleteObject permission it would take).
 */
export async function stageOutput(location: DataLocation, s3?: S3Client): Promise<StagedOutput> {
  if (location.kind === 'file') {
    await mkdir(dirname(location.path), { recursive: true });
    const tempPath = join(dirname(location.path), `.${basename(location.path)}.${randomUUID()}.partial`);
    return { tempPath, commit: () => rename(tempPath, location.path), discard: () => rm(tempPath, { force: true }) };
  }
  const tempPath = join(tmpdir(), `batch-${randomUUID()}-${baseName(location)}`);
  return {
    tempPath,
    async commit() {
      if (!s3) throw new Error('no S3 client configured');
      const { size } = await stat(tempPath);
      await s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: location.key, Body: createReadStream(tempPath), ContentLength: size }));
      await rm(tempPath, { force: true });
    },
    discard: () => rm(tempPath, { force: true }),
  };
}
