import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { CaptureRecord } from './capture-record';

/** Capture records read back, with what could not be read. */
export interface CaptureRead {
  records: CaptureRecord[];
  /** files or objects read */
  files: number;
  /** lines that were not a capture record (a partial last line of a file being written, or damage) */
  unreadable: number;
  /** records left out because `maxRecords` was reached */
  truncated: number;
}

/** A half-open UTC period [from, to). */
export interface Period {
  from: Date;
  to: Date;
}

const DAY_MS = 86_400_000;

/** The `days` before `end` (a scheduled run covers the week before its time). */
export function periodBefore(end: Date, days: number): Period {
  return { from: new Date(end.getTime() - days * DAY_MS), to: end };
}

/**
 * Reads the capture records of `period` from `s3://bucket/prefix` (Firehose's `dt=YYYY-MM-DD/hour=HH/`
 * layout, GZIP or plain), keeping records whose `time` is in the period, at most `maxRecords`.
 *
 * @example await readCaptureFromS3(s3, { bucket: 'data', prefix: 'capture/' }, periodBefore(new Date(), 7), 500_000)
 */
export async function readCaptureFromS3(s3: S3Client, where: { bucket: string; prefix: string }, period: Period, maxRecords: number): Promise<CaptureRead> {
  const read: CaptureRead = { records: [], files: 0, unreadable: 0, truncated: 0 };
  for (const day of daysOf(period)) {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: where.bucket, Prefix: `${where.prefix}dt=${day}/`, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const body = await s3.send(new GetObjectCommand({ Bucket: where.bucket, Key: object.Key }));
        addLines(read, decode(Buffer.from(await (body.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray())), period, maxRecords);
        read.files++;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  return read;
}

/**
 * Reads every capture file (`*.jsonl`, `*.gz`) under a local directory, recursively, in name
 * order (the directory sink's names sort by time); `period` filters when given.
 */
export async function readCaptureDirectory(directory: string, maxRecords: number, period?: Period): Promise<CaptureRead> {
  const read: CaptureRead = { records: [], files: 0, unreadable: 0, truncated: 0 };
  const names = ((await readdir(directory, { recursive: true })) as string[]).filter((name) => /\.(jsonl|gz)$/.test(name)).sort();
  for (const name of names) {
    addLines(read, decode(await readFile(join(directory, name))), period, maxRecords);
    read.files++;
  }
  return read;
}

/** The `YYYY-MM-DD` partitions that can hold records of the period. */
function daysOf(period: Period): string[] {
  const days: string[] = [];
  for (let t = Math.floor(period.from.getTime() / DAY_MS) * DAY_MS; t < period.to.getTime(); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

function decode(bytes: Buffer): string {
  // Firehose's GZIP objects may be several gzip members back to back; gunzipSync reads them all.
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
}

function addLines(read: CaptureRead, text: string, period: Period | undefined, maxRecords: number): void {
  const lines = text.split('\n');
  // A file still being written may end in part of a line; only whole lines are records.
  if (!text.endsWith('\n')) {
    if ((lines.pop() ?? '') !== '') read.unreadable++;
  }
  for (const line of lines) {
    if (line === '') continue;
    const record = parseRecord(line);
    if (!record) {
      read.unreadable++;
      continue;
    }
    if (period) {
      const t = Date.parse(record.time);
      if (!(t >= period.from.getTime() && t < period.to.getTime())) continue;
    }
    if (read.records.length >= maxRecords) read.truncated++;
    else read.records.push(record);
  }
}

function parseRecord(line: string): CaptureRecord | undefined {
  try {
    const value = JSON.parse(line) as Partial<CaptureRecord> | null;
    if (typeof value !== 'object' || value === null || typeof value.time !== 'string' || typeof value.inputs !== 'object' || typeof value.outputs !== 'object') return undefined;
    return value as CaptureRecord;
  } catch {
    return undefined;
  }
}
