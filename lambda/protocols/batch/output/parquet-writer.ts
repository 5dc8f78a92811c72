import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { loadParquetWriter, type WriterColumnData as ColumnData, type WriterSchemaElement as SchemaElement } from '../trip-files/parquet-modules';
import { encodeRideIds } from '../ride-ids';
import { outputColumnNames, type OutputLayout, type ScoredChunk, type ScoredSink } from './scored-chunk';

/** Output schema: the pickup time as TLC stores it (local, microseconds); only target columns may be null. */
function outputSchema(layout: OutputLayout): SchemaElement[] {
  const required = 'REQUIRED' as const;
  const text = (name: string): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: required });
  return [
    { name: 'root', num_children: layout.numeric.length + 4 },
    text('ride_id'),
    { name: layout.pickupColumn, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' }, repetition_type: required },
    ...layout.numeric.map(
      (column): SchemaElement => ({ name: column.name, type: column.kind === 'int32' ? 'INT32' : 'DOUBLE', repetition_type: column.kind === 'nullable' ? 'OPTIONAL' : required }),
    ),
    text('model_version'),
    text('model_versions'),
  ];
}

/**
 * Encodings chosen per column. hyparquet-writer otherwise builds a dictionary for every column
 * and keeps it only if it halves the size: worth it for zones (≤ 265 ids), actual durations
 * (whole seconds, ≤ 3,540 values) and the model versions, never for unique ride ids, pickup
 * times or continuous predictions, where the attempt cost a third of the write time.
 */
const PLAIN = { encoding: 'PLAIN' } as const;

/**
 * Pages are compressed with GZIP (every parquet reader has it) by Node's own zlib at level 1:
 * hyparquet-writer's SNAPPY is JavaScript, and compressing took ~40 % of a 3M-row job; zlib
 * level 1 is native, faster, and its files are ~30 % smaller (71 → 51 MB for 3M rows).
 * gzipSync writes no timestamp: the same rows still give the same bytes.
 */
const GZIP = { GZIP: (bytes: Uint8Array): Uint8Array => gzipSync(bytes, { level: 1 }) };

/**
 * A parquet file written one row group per chunk (hyparquet-writer's ParquetWriter); its writer
 * flushes to disk every megabyte, so memory holds one chunk, never the whole output. No
 * timestamps or random ids go into the file: the same rows give the same bytes. This is the
 * writer itself, in the calling thread; the batch runs it in a thread of its own
 * (parquet-writer-thread.ts).
 */
export async function createParquetWriterInThread(path: string, layout: OutputLayout): Promise<ScoredSink> {
  const { ParquetWriter, ByteWriter } = await loadParquetWriter();
  const names = outputColumnNames(layout);
  const encodings = [PLAIN, PLAIN, ...layout.numeric.map((c) => (c.dictionary ? {} : PLAIN)), {}, {}];
  const file = descriptorWriter(path, new ByteWriter());
  // No min/max statistics: a predictions file is read whole, not pruned by range, and computing
  // them for every column cost ~12 % of a 200k-row job (bench, batch-peer section).
  const writer = new ParquetWriter({ writer: file.writer, schema: outputSchema(layout), codec: 'GZIP', compressors: GZIP, statistics: false, createdBy: 'ride-duration-batch' });
  return {
    async write(chunk: ScoredChunk) {
      if (chunk.length === 0) return;
      const micros = new Array<bigint>(chunk.length);
      for (let i = 0; i < chunk.length; i++) micros[i] = BigInt(Math.round((chunk.pickup[i] as number) * 1000));
      const numeric = layout.numeric.map((column, c) => (column.kind === 'nullable' ? withNulls(chunk.numeric[c] as Float64Array) : (chunk.numeric[c] as ColumnData)));
      const data: ColumnData[] = [encodeRideIds(chunk.rideIdPrefix, chunk.inputRow), micros, ...numeric, new Array<string>(chunk.length).fill(layout.modelVersion), new Array<string>(chunk.length).fill(layout.modelVersions)];
      await writer.write({ columnData: names.map((name, i) => ({ name, data: data[i] as ColumnData, ...encodings[i] })), rowGroupSize: chunk.length });
    },
    async finish() {
      await writer.finish();
      file.close();
    },
    abort: () => file.close(),
  };
}

/** hyparquet-writer's ByteWriter, the buffer every page goes through. */
type ByteWriter = InstanceType<Awaited<ReturnType<typeof loadParquetWriter>>['ByteWriter']>;

/**
 * hyparquet-writer's buffered file writer, on one descriptor opened once: its own `fileWriter`
 * re-opens the file by name at every flush, which would re-create a staging file that a stop
 * signal has just removed (output/interrupt.ts) if the flush runs in another thread meanwhile.
 * Flushes every megabyte, like `fileWriter`.
 */
function descriptorWriter(path: string, writer: ByteWriter): { writer: ByteWriter; close(): void } {
  const fd = openSync(path, 'w');
  let open = true;
  const flush = () => {
    writeSync(fd, new Uint8Array(writer.buffer, 0, writer.index));
    writer.index = 0;
  };
  const grow = writer.ensure.bind(writer);
  writer.ensure = (size: number) => {
    if (writer.index > FLUSH_BYTES) flush();
    grow(size);
  };
  writer.finish = flush;
  return {
    writer,
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

const FLUSH_BYTES = 1_000_000;

/** NaN (no value in the input) → null, for an OPTIONAL column. */
function withNulls(values: Float64Array): (number | null)[] {
  return Array.from(values, (v) => (Number.isNaN(v) ? null : v));
}
