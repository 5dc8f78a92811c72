import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { CaptureRecord, CaptureSource, CapturedOutput } from './capture-record';
import { filesUnder } from '../../storage/files-under';

/** What a read met besides records, counted as it streams (read it once the records are consumed). */
export interface CaptureReadStats {
  /** files or objects read */
  files: number;
  /** lines that were not a capture record (a partial last line of a file being written, damage, a line over the limit) */
  unreadable: number;
  /** records left out because `maxRecords` was reached, in the files that were read */
  truncated: number;
  /** files or objects of the period left unread once `maxRecords` was reached */
  unreadFiles: number;
  /** symbolic links met in a capture directory: never followed (a link to a folder counted it twice; a loop failed) */
  skippedLinks: number;
  /** files cut short after {@link MAX_DECOMPRESSED_BYTES} of text (a gzip bomb) */
  cutFiles: number;
}

/** Capture records read back, with what could not be read. */
export interface CaptureRead extends CaptureReadStats {
  records: CaptureRecord[];
}

/** A half-open UTC period [from, to). */
export interface Period {
  from: Date;
  to: Date;
}

export interface CaptureReadOptions {
  /** keep records whose `time` is in the period */
  period?: Period;
  /**
   * Most records to yield. When the source holds more, its files are read in an order spread
   * over the period (a shuffle seeded by the file names, so a rerun reads the same ones) and
   * reading stops at the bound: a truncated week samples all of it, not its first days.
   */
  maxRecords?: number;
  /** filled in as the records stream */
  stats?: CaptureReadStats;
}

/** The longest capture line read (a record is ~300 bytes; Firehose's own limit is 1,000 KiB). */
export const MAX_LINE_BYTES = 1024 * 1024;
/**
 * The most text one capture file or object may decompress to (Firehose buffers at most 128 MiB
 * per object; the directory sink writes at most CAPTURE_FILE_MAX_BYTES, ≤ 256 MiB, per file).
 * A file that inflates further is cut there and counted: reading streams, so a gzip bomb costs
 * bounded time and no memory.
 */
export const MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

const DAY_MS = 86_400_000;

/** The `days` before `end` (a scheduled run covers the week before its time). */
export function periodBefore(end: Date, days: number): Period {
  return { from: new Date(end.getTime() - days * DAY_MS), to: end };
}

/** Counters at zero, to pass as `stats`. */
export function emptyReadStats(): CaptureReadStats {
  return { files: 0, unreadable: 0, truncated: 0, unreadFiles: 0, skippedLinks: 0, cutFiles: 0 };
}

/**
 * The capture records of `period` under `s3://bucket/prefix` (Firehose's `dt=YYYY-MM-DD/hour=HH/`
 * layout, GZIP or plain), streamed line by line: no object is ever held whole.
 *
 * @example for await (const record of streamCaptureFromS3(s3, { bucket: 'data', prefix: 'capture/' }, periodBefore(new Date(), 7))) …
 */
export async function* streamCaptureFromS3(
  s3: S3Client,
  where: { bucket: string; prefix: string },
  period: Period,
  options: Omit<CaptureReadOptions, 'period'> = {},
): AsyncGenerator<CaptureRecord> {
  const keys: string[] = [];
  for (const day of daysOf(period)) {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: where.bucket, Prefix: `${where.prefix}dt=${day}/`, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  yield* recordsOf(keys, { ...options, period }, async (key) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: where.bucket, Key: key }));
    return object.Body as Readable;
  });
}

/**
 * The capture files (`*.jsonl`, `*.gz`) under a local directory, recursively, in name order (the
 * directory sink's names sort by time), streamed line by line. Symbolic links are not followed.
 */
export async function* streamCaptureDirectory(directory: string, options: CaptureReadOptions = {}): AsyncGenerator<CaptureRecord> {
  const stats = options.stats ?? emptyReadStats();
  // Relative names: the spread order (seeded by the names) is the same wherever the directory is.
  const files = await captureFilesUnder(directory, stats);
  yield* recordsOf(files, { ...options, stats }, async (name) => createReadStream(join(directory, name)));
}

/** The capture files below `directory` (paths, in name order), without following symbolic links. */
export async function listCaptureFiles(directory: string): Promise<string[]> {
  return (await captureFilesUnder(directory, emptyReadStats())).map((name) => join(directory, name));
}

/** Reads a directory's capture into memory (small reads: tests, the shadow comparison); at most `maxRecords`. */
export async function readCaptureDirectory(directory: string, maxRecords: number, period?: Period): Promise<CaptureRead> {
  const stats = emptyReadStats();
  return collect(streamCaptureDirectory(directory, { maxRecords, stats, ...(period ? { period } : {}) }), stats);
}

/** Reads a period's capture from S3 into memory; at most `maxRecords`. */
export async function readCaptureFromS3(s3: S3Client, where: { bucket: string; prefix: string }, period: Period, maxRecords: number): Promise<CaptureRead> {
  const stats = emptyReadStats();
  return collect(streamCaptureFromS3(s3, where, period, { maxRecords, stats }), stats);
}

async function collect(records: AsyncIterable<CaptureRecord>, stats: CaptureReadStats): Promise<CaptureRead> {
  const read: CaptureRecord[] = [];
  for await (const record of records) read.push(record);
  return Object.assign(stats, { records: read });
}

/** Every capture file below `directory` (names relative to it, sorted), walking real directories only. */
function captureFilesUnder(directory: string, stats: CaptureReadStats): Promise<string[]> {
  return filesUnder(
    directory,
    (name) => /\.(jsonl|gz)$/.test(name),
    () => stats.skippedLinks++,
  );
}

/** The records of `files` (opened by `open`), in order, or spread over them once a bound may be reached. */
async function* recordsOf(files: readonly string[], options: CaptureReadOptions, open: (file: string) => Promise<Readable>): AsyncGenerator<CaptureRecord> {
  const stats = options.stats ?? emptyReadStats();
  const max = options.maxRecords ?? Number.POSITIVE_INFINITY;
  const order = Number.isFinite(max) ? seededShuffle(files) : files;
  let kept = 0;
  for (const [at, file] of order.entries()) {
    if (kept >= max) {
      stats.unreadFiles = order.length - at;
      return;
    }
    stats.files++;
    try {
      for await (const line of linesOf(await open(file), stats)) {
        const record = line === undefined ? undefined : parseRecord(line);
        if (!record) {
          stats.unreadable++;
          continue;
        }
        if (options.period && !inPeriod(record, options.period)) continue;
        if (kept >= max) {
          stats.truncated++;
          continue;
        }
        kept++;
        yield record;
      }
    } catch (error) {
      // A damaged GZIP file is one unreadable part of the capture, not the end of the report.
      if (!String((error as NodeJS.ErrnoException).code).startsWith('Z_')) throw error;
      stats.unreadable++;
    }
  }
}

function inPeriod(record: CaptureRecord, period: Period): boolean {
  const t = Date.parse(record.time);
  return t >= period.from.getTime() && t < period.to.getTime();
}

/**
 * The lines of a capture file, decompressed when it is GZIP (Firehose may write several members
 * back to back; the gunzip stream reads them all): a string per line, `undefined` for a line that
 * cannot be a record (longer than {@link MAX_LINE_BYTES}, or the partial last line of a file still
 * being written). Text past {@link MAX_DECOMPRESSED_BYTES} is not read.
 */
async function* linesOf(source: Readable, stats: CaptureReadStats): AsyncGenerator<string | undefined> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  let total = 0;
  for await (const chunk of await decompressed(source)) {
    const bytes = chunk as Buffer;
    total += bytes.length;
    if (total > MAX_DECOMPRESSED_BYTES) {
      stats.cutFiles++;
      source.destroy();
      return;
    }
    let start = 0;
    for (let end = bytes.indexOf(10, start); end !== -1; start = end + 1, end = bytes.indexOf(10, start)) {
      const line =
        overlong || pendingBytes + end - start > MAX_LINE_BYTES ? undefined : Buffer.concat([...pending, bytes.subarray(start, end)]).toString('utf8');
      pending = [];
      pendingBytes = 0;
      overlong = false;
      if (line !== '') yield line;
    }
    if (overlong) continue;
    pendingBytes += bytes.length - start;
    if (pendingBytes > MAX_LINE_BYTES) {
      overlong = true;
      pending = [];
    } else if (start < bytes.length) pending.push(bytes.subarray(start));
  }
  if (overlong || pendingBytes > 0) yield undefined;
}

/** The stream's bytes, through gunzip when it starts with the GZIP magic number. */
async function decompressed(source: Readable): Promise<AsyncIterable<Buffer>> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await iterator.next();
  if (first.done) return Readable.from([]);
  async function* all(): AsyncGenerator<Buffer> {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  if (first.value[0] !== 0x1f || first.value[1] !== 0x8b) return all();
  return pipeline(Readable.from(all()), createGunzip(), () => undefined);
}

/** The `YYYY-MM-DD` partitions that can hold records of the period. */
function daysOf(period: Period): string[] {
  const days: string[] = [];
  for (let t = Math.floor(period.from.getTime() / DAY_MS) * DAY_MS; t < period.to.getTime(); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** A deterministic shuffle (FNV-1a of every name seeds a xorshift32): the same files give the same order. */
function seededShuffle(names: readonly string[]): string[] {
  let state = 0x811c9dc5;
  for (const name of names) for (let i = 0; i < name.length; i++) state = Math.imul(state ^ name.charCodeAt(i), 0x01000193) >>> 0;
  state ||= 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const shuffled = [...names];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
  }
  return shuffled;
}

/**
 * One line as a capture record, or undefined when it is not one. Every key of `inputs`, `outputs`,
 * `shadows` and `actuals` is data, kept in objects without a prototype: a line whose inputs hold
 * `"__proto__"` or `"constructor"` cannot reach Object.prototype through them.
 */
function parseRecord(line: string): CaptureRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.time !== 'string' || !isObject(value.inputs) || !isObject(value.outputs)) return undefined;
  const record: CaptureRecord = {
    time: value.time,
    source: (typeof value.source === 'string' ? value.source : 'http') as CaptureSource,
    id: typeof value.id === 'string' ? value.id : String(value.id ?? ''),
    ...(typeof value.index === 'number' ? { index: value.index } : {}),
    inputs: dataOf(value.inputs, (v): v is number | string => typeof v === 'number' || typeof v === 'string'),
    outputs: dataOf(value.outputs, isCapturedOutput),
  };
  const shadows = isObject(value.shadows) ? dataOf(value.shadows, isCapturedOutput) : undefined;
  const actuals = isObject(value.actuals) ? dataOf(value.actuals, (v): v is number => typeof v === 'number') : undefined;
  return { ...record, ...(shadows ? { shadows } : {}), ...(actuals ? { actuals } : {}) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A capture output: `output` a number, or null where the model gave a non-finite one. */
function isCapturedOutput(value: unknown): value is CapturedOutput {
  return isObject(value) && (typeof value.output === 'number' || value.output === null);
}

/** The entries of `object` that pass `keep`, in an object without a prototype. */
function dataOf<T>(object: Record<string, unknown>, keep: (value: unknown) => value is T): Record<string, T> {
  const data = Object.create(null) as Record<string, T>;
  for (const [key, value] of Object.entries(object)) if (keep(value)) data[key] = value;
  return data;
}
