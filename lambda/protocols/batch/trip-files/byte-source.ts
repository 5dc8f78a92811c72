import { open } from 'node:fs/promises';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TripFileError, TripFileNotFoundError } from '../errors';
import { type Location, describeLocation } from '../../../storage/location';
import { isMissing } from './text-lines';

/**
 * A file read by byte ranges (hyparquet's AsyncBuffer): parquet readers fetch the footer, then
 * only the column chunks they need, so a file is never loaded whole.
 */
export interface ByteSource {
  readonly byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
  close(): Promise<void>;
}

/** Opens a local file or an S3 object (ranged GetObject) for random access. */
export async function openByteSource(location: Location, s3?: S3Client): Promise<ByteSource> {
  if (location.kind === 'file') return openFileSource(location.path);
  if (!s3) throw new TripFileError('no S3 client configured', describeLocation(location));
  return openS3Source(s3, location.bucket, location.key);
}

async function openFileSource(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? new TripFileNotFoundError(path, { cause: error }) : new TripFileError(error.message, path, { cause: error });
  });
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start, end = size) {
      // A crafted footer may point past the end: never allocate more than the file holds.
      const bytes = new Uint8Array(Math.max(0, Math.min(end, size) - start));
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, start).catch((error: Error) => {
        throw new TripFileError(`cannot read: ${error.message}`, path, { cause: error });
      });
      return bytes.buffer.slice(0, bytesRead);
    },
    close: () => handle.close(),
  };
}

async function openS3Source(s3: S3Client, bucket: string, key: string): Promise<ByteSource> {
  const where = `s3://${bucket}/${key}`;
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch((error: Error & { name: string }) => {
    throw isMissing(error)
      ? new TripFileNotFoundError(where, { cause: error })
      : new TripFileError(`cannot read (${error.name}): ${error.message}`, where, { cause: error });
  });
  const size = head.ContentLength ?? 0;
  return {
    byteLength: size,
    async slice(start, end = size) {
      if (end <= start) return new ArrayBuffer(0);
      // HTTP ranges are inclusive at both ends.
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}`, IfMatch: head.ETag }));
      const bytes = (await response.Body?.transformToByteArray()) ?? new Uint8Array(0);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
    close: async () => undefined,
  };
}
