import { loadParquetWriter, type WriterColumnData as ColumnData, type WriterSchemaElement as SchemaElement } from './parquet-modules';
import { encodeRideIds } from './ride-ids';
import { outputColumnNames, type ScoredChunk, type ScoredSink } from './scored-chunk';

/** Output schema: all columns required; the pickup time as TLC stores it (local, microseconds). */
function outputSchema(pickupColumn: string): SchemaElement[] {
  const [rideId, pickup, pu, doZone, actual, predicted, diff, version] = outputColumnNames(pickupColumn) as [string, string, string, string, string, string, string, string];
  const required = 'REQUIRED' as const;
  return [
    { name: 'root', num_children: 8 },
    { name: rideId, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: required },
    { name: pickup, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' }, repetition_type: required },
    { name: pu, type: 'INT32', repetition_type: required },
    { name: doZone, type: 'INT32', repetition_type: required },
    { name: actual, type: 'DOUBLE', repetition_type: required },
    { name: predicted, type: 'DOUBLE', repetition_type: required },
    { name: diff, type: 'DOUBLE', repetition_type: required },
    { name: version, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: required },
  ];
}

/**
 * Encodings chosen per column, in output order. hyparquet-writer otherwise builds a dictionary
 * for every column and keeps it only if it halves the size: worth it for zones (≤ 265 ids),
 * actual durations (whole seconds, ≤ 3,540 values) and the model version, never for unique
 * ride ids, pickup times or continuous predictions, where the attempt cost a third of the
 * write time. The bytes are the same as with the attempt.
 */
const PLAIN = { encoding: 'PLAIN' } as const;
const ENCODINGS = [PLAIN, PLAIN, {}, {}, {}, PLAIN, PLAIN, {}];

/**
 * A parquet file written one row group per chunk (hyparquet-writer's ParquetWriter); its file
 * writer flushes to disk every megabyte, so memory holds one chunk, never the whole output.
 * No timestamps or random ids go into the file: the same rows give the same bytes.
 */
export async function createParquetSink(path: string, pickupColumn: string, modelVersion: string): Promise<ScoredSink> {
  const { ParquetWriter, fileWriter } = await loadParquetWriter();
  const names = outputColumnNames(pickupColumn);
  const writer = new ParquetWriter({ writer: fileWriter(path), schema: outputSchema(pickupColumn), codec: 'SNAPPY', createdBy: 'ride-duration-batch' });
  return {
    async write(chunk: ScoredChunk) {
      if (chunk.length === 0) return;
      const micros = new Array<bigint>(chunk.length);
      for (let i = 0; i < chunk.length; i++) micros[i] = BigInt(Math.round((chunk.pickup[i] as number) * 1000));
      const data: ColumnData[] = [encodeRideIds(chunk.rideIdPrefix, chunk.inputRow), micros, chunk.PULocationID, chunk.DOLocationID, chunk.actualDuration, chunk.predictedDuration, chunk.diff, new Array<string>(chunk.length).fill(modelVersion)];
      await writer.write({ columnData: names.map((name, i) => ({ name, data: data[i] as ColumnData, ...ENCODINGS[i] })), rowGroupSize: chunk.length });
    },
    async finish() {
      await writer.finish();
    },
    // The file writer holds no descriptor between flushes: nothing to release.
    abort: () => undefined,
  };
}
