import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TripFileError, TripFileNotFoundError } from '../errors';
import { type Location, describeLocation } from '../../../storage/location';

/** A text file or S3 object read front to back, line by line (CRLF or LF). */
export interface TextLines {
  readonly lines: AsyncIterableIterator<string>;
  /** stops reading early (after an error) and releases the file or connection */
  close(): void;
}

/** No line may be longer than this many characters (the caller's BATCH_MAX_LINE_CHARS). */
export interface TextLineOptions {
  maxLineChars: number;
}

export async function openTextLines(location: Location, s3: S3Client | undefined, options: TextLineOptions): Promise<TextLines> {
  const where = describeLocation(location);
  const stream = location.kind === 'file' ? await openFileStream(location.path) : await openS3Stream(location.bucket, location.key, where, s3);
  return { lines: boundedLines(stream, options.maxLineChars, where), close: () => stream.destroy() };
}

/**
 * Lines of a byte stream, each at most `maxChars` long: a longer one fails with
 * INVALID_TRIP_FILE naming it as soon as the limit is passed, so memory holds at most one
 * line of that size (node's readline would gather a line of any length, up to a RangeError).
 * A read error (the input is a directory, an I/O error, a dropped connection) is a
 * TripFileError too.
 */
async function* boundedLines(stream: Readable, maxChars: number, where: string): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNumber = 0;
  const tooLong = (at: number) => new TripFileError(`line ${at} is longer than ${maxChars.toLocaleString('en-US')} characters (BATCH_MAX_LINE_CHARS)`, where);
  try {
    for await (const bytes of stream) {
      const text = pending + decoder.write(bytes as Buffer);
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        lineNumber++;
        const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
        if (stop - start > maxChars) throw tooLong(lineNumber);
        yield text.slice(start, stop);
        start = end + 1;
      }
      pending = text.slice(start);
      if (pending.length > maxChars + 1) throw tooLong(lineNumber + 1);
    }
  } catch (error) {
    if (error instanceof TripFileError) throw error;
    throw new TripFileError(`cannot read: ${(error as Error).message}`, where, { cause: error });
  } finally {
    stream.destroy();
  }
  pending += decoder.end();
  if (pending.endsWith('\r')) pending = pending.slice(0, -1);
  if (pending.length > maxChars) throw tooLong(lineNumber + 1);
  if (pending !== '') yield pending;
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
    throw isMissing(error)
      ? new TripFileNotFoundError(where, { cause: error })
      : new TripFileError(`cannot read (${error.name}): ${error.message}`, where, { cause: error });
  });
  return response.Body as Readable;
}

/** S3's answers for an object (or its bucket) that does not exist. */
export function isMissing(error: Error): boolean {
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || error.name === 'NoSuchBucket';
}
