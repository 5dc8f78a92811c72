import { loadParquetWriter } from '../../lambda/protocols/batch/trip-files/parquet-modules';

/**
 * A green trip file whose every column is ONE page of `rows` identical values: dictionary
 * encoded, so the page is a few bytes of run-length indexes that decode to `rows` numbers.
 * This is the hostile shape behind the page bound (a ~400 KB file that decodes to a
 * 10M-row page); real writers cut pages at about 1 MB of values.
 */
export async function writeOnePageTripFile(path: string, rows: number): Promise<void> {
  const { ParquetWriter, fileWriter } = await loadParquetWriter();
  const pickup = Date.UTC(2021, 1, 3, 8) * 1000;
  const time = (name: string) => ({
    name,
    type: 'INT64' as const,
    logical_type: { type: 'TIMESTAMP' as const, isAdjustedToUTC: false, unit: 'MICROS' as const },
    repetition_type: 'REQUIRED' as const,
  });
  const schema = [
    { name: 'root', num_children: 5 },
    time('lpep_pickup_datetime'),
    time('lpep_dropoff_datetime'),
    { name: 'PULocationID', type: 'INT32' as const, repetition_type: 'REQUIRED' as const },
    { name: 'DOLocationID', type: 'INT32' as const, repetition_type: 'REQUIRED' as const },
    { name: 'trip_distance', type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const },
  ];
  const writer = new ParquetWriter({ writer: fileWriter(path), schema, codec: 'SNAPPY' });
  await writer.write({
    columnData: [
      { name: 'lpep_pickup_datetime', data: new BigInt64Array(rows).fill(BigInt(pickup)) },
      { name: 'lpep_dropoff_datetime', data: new BigInt64Array(rows).fill(BigInt(pickup + 12 * 60_000_000)) },
      { name: 'PULocationID', data: new Int32Array(rows).fill(130) },
      { name: 'DOLocationID', data: new Int32Array(rows).fill(205) },
      { name: 'trip_distance', data: new Float64Array(rows).fill(3.66) },
    ],
    rowGroupSize: rows,
    // 0 = no page limit: hyparquet-writer then writes each column chunk as a single page
    pageSize: 0,
  });
  await writer.finish();
}

/**
 * A batch output (trip_distance and predicted_duration) whose every column is ONE dictionary
 * page of `rows` values: a file of a few KB that claims `rows` rows in a single page, the
 * shape the monitor's batch-output reader must refuse rather than decode.
 */
export async function writeOnePageBatchOutput(path: string, rows: number): Promise<void> {
  const { ParquetWriter, fileWriter } = await loadParquetWriter();
  const schema = [
    { name: 'root', num_children: 2 },
    { name: 'trip_distance', type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const },
    { name: 'predicted_duration', type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const },
  ];
  const writer = new ParquetWriter({ writer: fileWriter(path), schema, codec: 'SNAPPY' });
  await writer.write({
    columnData: [
      { name: 'trip_distance', data: new Float64Array(rows).fill(3.66) },
      { name: 'predicted_duration', data: new Float64Array(rows).fill(14.2) },
    ],
    rowGroupSize: rows,
    pageSize: 0,
  });
  await writer.finish();
}
