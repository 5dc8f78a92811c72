import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticMonth, writeTripParquet, type TripFileOptions, type TripFileRow } from '../../lambda/local/synthetic/trip-file';
import { classifyTrip, type SkipReason } from '../../lambda/rides/trips';
import type { Ride } from '../../lambda/rides/features';

export const FIXTURE_MONTH = { year: 2021, month: 2 } as const;

const minute = 60_000;
const at = (day: number, hh: number, mm: number) => new Date(Date.UTC(2021, 1, day, hh, mm));

/**
 * Rows that exercise every rule of the filter, followed by a synthetic month with 5% nulls:
 * a null zone, distance and datetime, durations of 0.5, 61 and −5 minutes (skipped) and of
 * exactly 1 and 60 minutes (kept).
 */
export function fixtureRows(syntheticCount = 2_500): TripFileRow[] {
  const t = at(3, 8, 0);
  const special: TripFileRow[] = [
    { pickup: t, dropoff: new Date(t.getTime() + 12 * minute), PULocationID: 10, DOLocationID: 50, trip_distance: 4.2 },
    { pickup: t, dropoff: new Date(t.getTime() + 12 * minute), PULocationID: null, DOLocationID: 50, trip_distance: 4.2 },
    { pickup: t, dropoff: new Date(t.getTime() + 12 * minute), PULocationID: 10, DOLocationID: 50, trip_distance: null },
    { pickup: null, dropoff: new Date(t.getTime() + 12 * minute), PULocationID: 10, DOLocationID: 50, trip_distance: 4.2 },
    { pickup: t, dropoff: new Date(t.getTime() + 0.5 * minute), PULocationID: 10, DOLocationID: 50, trip_distance: 0.1 },
    { pickup: t, dropoff: new Date(t.getTime() + 61 * minute), PULocationID: 10, DOLocationID: 50, trip_distance: 9 },
    { pickup: t, dropoff: new Date(t.getTime() - 5 * minute), PULocationID: 10, DOLocationID: 50, trip_distance: 1 },
    { pickup: t, dropoff: new Date(t.getTime() + 1 * minute), PULocationID: 7, DOLocationID: 7, trip_distance: 0.3 },
    { pickup: t, dropoff: new Date(t.getTime() + 60 * minute), PULocationID: 132, DOLocationID: 265, trip_distance: 25.5 },
  ];
  return [...special, ...syntheticMonth({ ...FIXTURE_MONTH, rows: syntheticCount, nullRate: 0.05 })];
}

/** What the course's filter makes of the rows: the kept ones (with input index) and the skip counts. */
export function expectedFilter(rows: readonly TripFileRow[]): {
  kept: { index: number; ride: Ride; duration: number; pickup: Date }[];
  skipped: Record<SkipReason, number>;
} {
  const kept: { index: number; ride: Ride; duration: number; pickup: Date }[] = [];
  const skipped: Record<SkipReason, number> = {
    null_zone: 0,
    null_distance: 0,
    null_datetime: 0,
    null_input: 0,
    invalid_time: 0,
    invalid_value: 0,
    duration_out_of_range: 0,
    non_finite_prediction: 0,
  };
  rows.forEach((row, index) => {
    const result = classifyTrip(row);
    if (result.kind === 'kept') kept.push({ index, ride: result.ride, duration: result.duration, pickup: row.pickup as Date });
    else skipped[result.reason]++;
  });
  return { kept, skipped };
}

/** A scratch directory, removed by the returned function. */
export function scratchDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'batch-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function writeFixture(path: string, rows: readonly TripFileRow[], options: Partial<TripFileOptions> = {}): Promise<void> {
  await writeTripParquet(path, rows, { taxiType: 'green', rowGroupSize: 1_000, ...options });
}

export interface ParquetContents {
  columns: { name: string; type: string | undefined; logical: string | undefined; required: boolean }[];
  rowGroups: number;
  rows: Record<string, unknown>[];
}

/** Reads a whole parquet file back (hyparquet), with its top-level schema. */
export async function readParquet(source: string | Uint8Array): Promise<ParquetContents> {
  const { parquetMetadata, parquetReadObjects } = await import('hyparquet');
  // Outputs are GZIP-compressed (lambda/protocols/batch/output/parquet-writer.ts): hyparquet reads only snappy without its compressors.
  const { compressors } = await import('hyparquet-compressors');
  const bytes = typeof source === 'string' ? new Uint8Array(readFileSync(source)) : source;
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const columns = metadata.schema
    .slice(1)
    .map((e) => ({ name: e.name, type: e.type, logical: e.logical_type?.type ?? e.converted_type, required: e.repetition_type === 'REQUIRED' }));
  return { columns, rowGroups: metadata.row_groups.length, rows: await parquetReadObjects({ file, metadata, compressors }) };
}
