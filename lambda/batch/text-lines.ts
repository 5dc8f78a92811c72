import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TripFileError, TripFileNotFoundError } from './errors';
import { describeDataLocation, type DataLocation } from './locations';

/** A text file or S3 object read front to back, line by line (CRLF or LF). */
export interface TextLines {
  readonly lines: AsyncIterableIterator<string>;
  /** stops reading early (after an error) and releases the file or connection */
  close(): void;
}

export async function openTextLines(location: DataLocation, s3?: S3Client): Promise<TextLines> {
  const where = describeDataLocation(location);
  const stream = location.kind === 'file' ? await openFileStream(location.path) : await openS3Stream(location.bucket, location.key, where, s3);
  const lines = createInterface({ input: stream, crlfDelay: Infinity })[Symbol.asyncIterator]();
  return { lines, close: () => stream.destroy() };
}

function openFileStream(path: string): Promise<Readable> {
  const stream = createReadStream(path);
  return new Promise((resolve, reject) => {
    stream.once('open', () => resolve(stream));
    stream.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new TripFileNotFoundError(path, { cause: error }) : new TripFileError(error.message, path, { cause: error }));
    });
  });
}

async function openS3Stream(bucket: string, key: string, where: string, s3?: S3Client): Promise<Readable> {
  if (!s3) throw new TripFileError('no S3 client configured', where);
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })).catch((error: Error) => {
    throw error.name === 'NoSuchKey' || error.name === 'NotFound' ? new TripFileNotFoundError(where, { cause: error }) : error;
  });
  return response.Body as Readable;
}
