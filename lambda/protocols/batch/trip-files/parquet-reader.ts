import type { ColumnChunk, FileMetaData, SchemaElement } from 'hyparquet' with { 'resolution-mode': 'import' };
import type { ByteSource } from './byte-source';
import { ColumnCursor, columnByteRange, columnDecoder } from './column-cursor';
import { TripFileError } from '../errors';
import { loadDecompressors, loadPageDecoders, loadParquetReader, type PageDecoders } from './parquet-modules';
import { requiredColumns, resolveTaxiType, tripColumnNames, type TaxiType, type TripChunk, type TripReader } from './trip-chunk';

export interface ParquetTripOptions {
  /** what the job expects; otherwise told by the file's columns */
  taxiType?: TaxiType;
  /** most rows per chunk (one model run each); large row groups are read in slices */
  chunkRows: number;
  /** most values one page may decode to; a larger page fails with INVALID_TRIP_FILE */
  maxPageValues?: number;
}

/**
 * Times become epoch milliseconds instead of hyparquet's default Date objects: a number per
 * row costs 8 bytes, a Date ~10 times more, and the scorer only subtracts them.
 */
const EPOCH_MS_PARSERS = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => Number(v) / 1_000,
  // Nanoseconds since 1970 pass 2^53: drop to whole microseconds before leaving BigInt.
  timestampFromNanoseconds: (v: bigint) => Number(v / 1_000n) / 1_000,
};

/**
 * Opens a TLC trip parquet file: reads the footer, checks the five columns the job needs
 * (names and types), and returns a reader that yields row slices of at most `chunkRows`.
 */
export async function openParquetTrips(source: ByteSource, where: string, options: ParquetTripOptions): Promise<TripReader> {
  if (source.byteLength === 0) throw new TripFileError('the file is empty (0 bytes)', where);
  const { parquetMetadataAsync, parquetSchema } = await loadParquetReader();
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(source);
  } catch (cause) {
    throw new TripFileError(`not a readable parquet file: ${(cause as Error).message}`, where, { cause });
  }
  const topLevel = new Map(parquetSchema(metadata).children.map((child) => [child.element.name, child.element]));
  const taxiType = resolveTaxiType([...topLevel.keys()], where, options.taxiType);
  const names = tripColumnNames(taxiType);
  checkTimestampColumn(topLevel, names.pickup, where);
  checkTimestampColumn(topLevel, names.dropoff, where);
  for (const name of names.zonesAndDistance) checkNumericColumn(topLevel, name, where);
  return {
    taxiType,
    pickupColumn: names.pickup,
    totalRows: Number(metadata.num_rows),
    columns: [...topLevel.keys()],
    chunks: (extra: readonly string[] = []) => {
      for (const name of extra) checkNumericColumn(topLevel, name, where);
      return readChunks(
        source,
        where,
        metadata,
        [...requiredColumns(names), ...extra],
        options.chunkRows,
        options.maxPageValues ?? Number.MAX_SAFE_INTEGER,
        extra,
      );
    },
    close: () => source.close(),
  };
}

function describeType(element: SchemaElement): string {
  if (element.num_children) return 'a nested group';
  const annotation = element.logical_type?.type ?? element.converted_type;
  return annotation ? `${element.type} (${annotation})` : String(element.type);
}

function checkTimestampColumn(columns: Map<string, SchemaElement>, name: string, where: string): void {
  const element = columns.get(name) as SchemaElement;
  const isTimestamp =
    (element.type === 'INT64' &&
      (element.logical_type?.type === 'TIMESTAMP' || element.converted_type === 'TIMESTAMP_MILLIS' || element.converted_type === 'TIMESTAMP_MICROS')) ||
    (element.type === 'INT96' && !element.converted_type);
  if (!isTimestamp || element.num_children) {
    throw new TripFileError(`column ${name} must be a timestamp (INT64 TIMESTAMP or INT96), got ${describeType(element)}`, where);
  }
}

const NUMERIC_TYPES = new Set(['INT32', 'INT64', 'FLOAT', 'DOUBLE']);
const NUMERIC_ANNOTATIONS = new Set([undefined, 'INTEGER', 'INT_8', 'INT_16', 'INT_32', 'INT_64', 'UINT_8', 'UINT_16', 'UINT_32', 'UINT_64']);

function checkNumericColumn(columns: Map<string, SchemaElement>, name: string, where: string): void {
  const element = columns.get(name) as SchemaElement;
  const annotation = element.logical_type?.type ?? element.converted_type;
  if (element.num_children || !NUMERIC_TYPES.has(String(element.type)) || !NUMERIC_ANNOTATIONS.has(annotation)) {
    throw new TripFileError(`column ${name} must be a number (INT32, INT64, FLOAT or DOUBLE), got ${describeType(element)}`, where);
  }
}

async function* readChunks(
  source: ByteSource,
  where: string,
  metadata: FileMetaData,
  columns: string[],
  chunkRows: number,
  maxPageValues: number,
  extraNames: readonly string[],
): AsyncGenerator<TripChunk> {
  for await (const slice of numericColumnSlices(source, where, metadata, columns, chunkRows, maxPageValues)) {
    // In requiredColumns order: pickup, dropoff, PULocationID, DOLocationID, trip_distance, then the extra columns.
    const [pickup, dropoff, PULocationID, DOLocationID, trip_distance, ...extras] = columns.map((name) => slice.columns.get(name) as Float64Array);
    const extra = Object.fromEntries(extraNames.map((name, i) => [name, extras[i] as Float64Array]));
    yield { firstRow: slice.firstRow, length: slice.length, pickup, dropoff, PULocationID, DOLocationID, trip_distance, extra } as TripChunk;
  }
}

/** A slice of rows of some numeric columns: NaN where the file has a null, times as epoch milliseconds. */
export interface NumericSlice {
  readonly firstRow: number;
  readonly length: number;
  readonly columns: ReadonlyMap<string, Float64Array>;
}

/**
 * Reads flat numeric (or timestamp) columns of any parquet file in slices of at most `sliceRows`
 * rows, within the batch job's bounds: each page is checked against `maxPageValues` before it is
 * decoded, and memory holds one decoded page per column plus one slice, whatever a row group
 * claims to hold (the monitor reads batch outputs through here).
 */
export async function* numericColumnSlices(
  source: ByteSource,
  where: string,
  metadata: FileMetaData,
  columns: readonly string[],
  sliceRows: number,
  maxPageValues: number,
): AsyncGenerator<NumericSlice> {
  const { parquetSchema } = await loadParquetReader();
  const decoders = await loadPageDecoders();
  const compressors = await loadDecompressors();
  const schemaTree = parquetSchema(metadata);
  let groupStart = 0;
  for (const [group, rowGroup] of metadata.row_groups.entries()) {
    const groupEnd = groupStart + Number(rowGroup.num_rows);
    const cursors = await openCursors(
      source,
      where,
      group,
      rowGroup.columns,
      [...columns],
      (chunk) => columnDecoder(decoders, metadata, schemaTree, chunk, EPOCH_MS_PARSERS as never, compressors),
      decoders,
      maxPageValues,
    );
    for (let rowStart = groupStart; rowStart < groupEnd; rowStart += sliceRows) {
      const length = Math.min(groupEnd, rowStart + sliceRows) - rowStart;
      // NaN until read: a cell the file leaves empty stays missing, never 0.
      const slice = new Map(columns.map((name) => [name, new Float64Array(length).fill(Number.NaN)]));
      try {
        cursors.forEach((cursor, i) => cursor.read(slice.get(columns[i] as string) as Float64Array));
      } catch (cause) {
        throw new TripFileError(`cannot decode row group ${group} (rows ${rowStart}–${rowStart + length - 1}): ${(cause as Error).message}`, where, { cause });
      }
      yield { firstRow: rowStart, length, columns: slice };
    }
    groupStart = groupEnd;
  }
}

/** One cursor per needed column (in `columns` order), its column chunk fetched in one read. */
async function openCursors(
  source: ByteSource,
  where: string,
  group: number,
  chunks: ColumnChunk[],
  columns: string[],
  decoderOf: (chunk: ColumnChunk) => ReturnType<typeof columnDecoder>,
  decoders: PageDecoders,
  maxPageValues: number,
): Promise<ColumnCursor[]> {
  return Promise.all(
    columns.map(async (name) => {
      const chunk = chunks.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name);
      try {
        if (!chunk) throw new Error(`no column chunk for ${name}`);
        const { start, end } = columnByteRange(chunk);
        return new ColumnCursor(decoders, decoderOf(chunk), await source.slice(start, end), maxPageValues);
      } catch (cause) {
        throw new TripFileError(`cannot read row group ${group}: ${(cause as Error).message}`, where, { cause });
      }
    }),
  );
}
