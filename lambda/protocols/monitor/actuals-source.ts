import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ActualsTableBuilder, RIDE_ID_COLUMN, modelOfColumn, type ActualsTable } from '../../monitoring/ground-truth';
import { describeLocation, type Location } from '../../storage/location';
import { openByteSource } from '../batch/trip-files/byte-source';
import { parseCsvNumber, splitCsvLine } from '../batch/trip-files/csv';
import { loadDecompressors, loadParquetReader } from '../batch/trip-files/parquet-modules';
import { openTextLines } from '../batch/trip-files/text-lines';

/**
 * Reads ground truth (lambda/monitoring/ground-truth.ts) from files: CSV, parquet or JSON lines,
 * each row a `ride_id` and one `actual_<model>` value per model it covers — locally for
 * `npm run monitor -- --actuals FILE`, and in AWS from the data bucket's `actuals/` prefix.
 */

/** An actuals file that cannot be read as one; `code` is stable (the CLI prints it). */
export class ActualsFileError extends Error {
  readonly code = 'INVALID_ACTUALS' as const;
  override readonly name = 'ActualsFileError';
  constructor(
    message: string,
    readonly where: string,
    options?: ErrorOptions,
  ) {
    super(`${where}: ${message}`, options);
  }
}

export type ActualsFormat = 'csv' | 'jsonl' | 'parquet';

/** `.csv` is CSV, `.jsonl`/`.ndjson`/`.json` JSON lines, anything else parquet (as the batch job names files). */
export function actualsFormatOf(name: string): ActualsFormat {
  if (/\.csv$/i.test(name)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(name)) return 'jsonl';
  return 'parquet';
}

/** The longest line an actuals CSV or JSON-lines file may have. */
const MAX_LINE_CHARS = 65_536;

/**
 * Reads one actuals file into `builder` (several files may share one builder: a period's objects).
 * Throws ActualsFileError when the file is not readable as its format, or has no `ride_id` or no
 * `actual_<model>` column; a row it cannot use is counted, never fatal.
 *
 * @example const builder = new ActualsTableBuilder(); await readActualsInto(builder, parseLocation('actuals.csv', { what: 'the file' })); builder.finish()
 */
export async function readActualsInto(builder: ActualsTableBuilder, location: Location, s3?: S3Client): Promise<void> {
  const where = describeLocation(location);
  const format = actualsFormatOf(where);
  try {
    if (format === 'csv') await readCsv(builder, location, s3, where);
    else if (format === 'jsonl') await readJsonLines(builder, location, s3);
    else await readParquet(builder, location, s3, where);
  } catch (error) {
    if (error instanceof ActualsFileError) throw error;
    throw new ActualsFileError(`cannot read as ${format === 'jsonl' ? 'JSON lines' : format} (${(error as Error).message})`, where, { cause: error });
  }
}

/** One actuals file as a table. */
export async function readActualsFile(location: Location, s3?: S3Client): Promise<ActualsTable> {
  const builder = new ActualsTableBuilder();
  await readActualsInto(builder, location, s3);
  return builder.finish();
}

/** The actuals of a period read from S3, and how many objects held them. */
export interface ActualsRead {
  table: ActualsTable;
  files: number;
  /** objects that could not be read as actuals, each with why (the run goes on without them) */
  unreadable: string[];
}

/**
 * Every object under `s3://bucket/prefix` in the period's `dt=YYYY-MM-DD/` partitions (the day of
 * the ride, UTC; docs/monitoring.md), read into one table.
 */
export async function readActualsFromS3(s3: S3Client, where: { bucket: string; prefix: string }, days: readonly string[]): Promise<ActualsRead> {
  const builder = new ActualsTableBuilder();
  let files = 0;
  const unreadable: string[] = [];
  for (const day of days) {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: where.bucket, Prefix: `${where.prefix}dt=${day}/`, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith('/')) continue;
        await readOneOf(builder, { kind: 's3', bucket: where.bucket, key: object.Key }, s3, unreadable);
        files++;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  return { table: builder.finish(), files, unreadable };
}

/**
 * Reads one file of a period into `builder`; a file that is not an actuals file is noted in
 * `unreadable` instead of failing the run (one producer's bad object must not stop the report).
 */
export async function readOneOf(builder: ActualsTableBuilder, location: Location, s3: S3Client | undefined, unreadable: string[]): Promise<void> {
  try {
    await readActualsInto(builder, location, s3);
  } catch (error) {
    if (!(error instanceof ActualsFileError)) throw error;
    unreadable.push(error.message);
  }
}

function checkColumns(columns: readonly string[], where: string): string[] {
  const actuals = columns.filter((c) => modelOfColumn(c) !== undefined);
  if (!columns.includes(RIDE_ID_COLUMN) || actuals.length === 0) {
    throw new ActualsFileError(
      `an actuals file needs a ${RIDE_ID_COLUMN} column and at least one actual_<model> column (e.g. actual_duration); it has ${columns.slice(0, 12).join(', ') || 'none'}`,
      where,
    );
  }
  return actuals;
}

async function readCsv(builder: ActualsTableBuilder, location: Location, s3: S3Client | undefined, where: string): Promise<void> {
  const text = await openTextLines(location, s3, { maxLineChars: MAX_LINE_CHARS });
  try {
    const first = await text.lines.next();
    const header = first.done ? [] : splitCsvLine(first.value.replace(/^\uFEFF/, '')).map((h) => h.trim());
    const actuals = checkColumns(header, where).map((name) => ({ name, at: header.indexOf(name) }));
    const rideAt = header.indexOf(RIDE_ID_COLUMN);
    for await (const line of text.lines) {
      if (line === '') continue;
      const cells = splitCsvLine(line);
      builder.add(cells[rideAt]?.trim() || undefined, Object.fromEntries(actuals.map(({ name, at }) => [name, parseCsvNumber(cells[at])])));
    }
  } finally {
    text.close();
  }
}

async function readJsonLines(builder: ActualsTableBuilder, location: Location, s3: S3Client | undefined): Promise<void> {
  const text = await openTextLines(location, s3, { maxLineChars: MAX_LINE_CHARS });
  try {
    for await (const line of text.lines) {
      if (line.trim() === '') continue;
      const row = parseObject(line);
      builder.add(row?.[RIDE_ID_COLUMN], row ?? {});
    }
  } finally {
    text.close();
  }
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the ride id and actual columns one row group at a time (a month never sits in memory as rows). */
async function readParquet(builder: ActualsTableBuilder, location: Location, s3: S3Client | undefined, where: string): Promise<void> {
  const { parquetMetadataAsync, parquetRead } = await loadParquetReader();
  const compressors = await loadDecompressors();
  const file = await openByteSource(location, s3);
  try {
    const metadata = await parquetMetadataAsync(file);
    const actuals = checkColumns(
      metadata.schema.slice(1).map((element) => element.name),
      where,
    );
    const columns = [RIDE_ID_COLUMN, ...actuals];
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rows = Number(group.num_rows);
      const data = new Map<string, unknown[]>(columns.map((c) => [c, new Array<unknown>(rows)]));
      await parquetRead({
        file,
        metadata,
        compressors,
        columns,
        rowStart,
        rowEnd: rowStart + rows,
        onChunk: ({ columnName, columnData, rowStart: chunkStart }) => {
          const into = data.get(columnName);
          if (!into) return;
          for (let i = 0; i < columnData.length; i++) {
            const at = chunkStart + i - rowStart;
            if (at >= 0 && at < rows) into[at] = columnData[i];
          }
        },
      });
      const rideIds = data.get(RIDE_ID_COLUMN) as unknown[];
      for (let i = 0; i < rows; i++) builder.add(rideIds[i], Object.fromEntries(actuals.map((c) => [c, numberOf((data.get(c) as unknown[])[i])])));
      rowStart += rows;
    }
  } finally {
    await file.close();
  }
}

function numberOf(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}
