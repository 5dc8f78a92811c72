import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TripFileRow } from '../../lambda/local/synthetic/trip-file';
import { agrees, differsAt, loadZoo, zooPath, type RowValue, type ZooEntry } from './zoo-manifest';

/**
 * The zoo of converter-shaped models (test/fixtures/zoo) as the artifact tests run it: which
 * entries the runtime serves, one set of rides every served model can take, and the check of a
 * path's answers against scikit-learn's own predictions.
 */

export type { ZooEntry };

/** The model name an entry is served under (MODELS keys): its id. */
export function zooName(entry: ZooEntry): string {
  return entry.id;
}

/** Served entries: expected to answer, exactly or as `differs` says. */
export function servedZoo(filter: (entry: ZooEntry) => boolean = () => true): ZooEntry[] {
  return loadZoo().filter((e) => e.expect !== 'refused' && filter(e));
}

export function refusedZoo(): ZooEntry[] {
  return loadZoo().filter((e) => e.expect === 'refused');
}

/** Is any of the entry's rows missing a value (a nullable model's rides)? */
export function hasNullRows(entry: ZooEntry): boolean {
  return entry.rows.some((row) => Object.values(row).some((v) => v === null));
}

/**
 * The rides every entry can take at once (a stream record or a trip-file row carries every
 * model's fields): the manifest draws each model's rows from the same test rides, so row i of
 * every entry is one ride seen through that model's fields. Throws if two entries disagree.
 */
export function sharedRides(entries: readonly ZooEntry[]): Record<string, RowValue>[] {
  const n = entries[0]?.rows.length ?? 0;
  return Array.from({ length: n }, (_, i) => {
    const ride: Record<string, RowValue> = {};
    for (const entry of entries) {
      if (entry.rows.length !== n) throw new Error(`zoo entry ${entry.id} has ${entry.rows.length} rows, not ${n}`);
      for (const [field, value] of Object.entries(entry.rows[i] as Record<string, RowValue>)) {
        if (field in ride && ride[field] !== value) throw new Error(`zoo row ${i}: ${field} is ${ride[field]} in one entry and ${value} in ${entry.id}`);
        ride[field] = value;
      }
    }
    return ride;
  });
}

/** Where an answer is not what scikit-learn (or, for `differs`, the converter's documented change) leads to expect. */
export interface ZooMismatch {
  model: string;
  row: number;
  expected: number;
  actual: unknown;
}

/**
 * Checks one path's answers for an entry's rows; returns every mismatch (an empty list is a pass).
 * With ZOO_REPORT set to a file, appends `{path, model, worst}` for the model × path table.
 */
export function zooMismatches(entry: ZooEntry, actual: readonly unknown[], path?: string): ZooMismatch[] {
  if (path && process.env.ZOO_REPORT && actual.every((v) => typeof v === 'number')) {
    appendFileSync(process.env.ZOO_REPORT, `${JSON.stringify({ path, model: entry.id, worst: worstDifference(entry, actual as number[]) })}\n`);
  }
  const mismatches: ZooMismatch[] = [];
  entry.expected.forEach((expected, row) => {
    const value = actual[row];
    const ok = typeof value === 'number' && Number.isFinite(value) && agrees(value, expected, entry.rtol);
    const wanted =
      entry.expect === 'differs' && differsAt(entry, entry.rows[row] as Record<string, RowValue>)
        ? !ok && typeof value === 'number' && Number.isFinite(value)
        : ok;
    if (!wanted || actual.length !== entry.expected.length) mismatches.push({ model: entry.id, row, expected, actual: value });
  });
  return mismatches;
}

/** The worst relative difference from scikit-learn over the rows that must agree (for the notes). */
export function worstDifference(entry: ZooEntry, actual: readonly number[]): number {
  let worst = 0;
  entry.expected.forEach((expected, row) => {
    if (entry.expect === 'differs' && differsAt(entry, entry.rows[row] as Record<string, RowValue>)) return;
    worst = Math.max(worst, Math.abs((actual[row] as number) - expected) / Math.max(Math.abs(expected), 1));
  });
  return worst;
}

/** `name=location,...` for MODELS, each entry's location given by `locate`. */
export function modelsVariable(entries: readonly ZooEntry[], locate: (entry: ZooEntry) => string): string {
  return entries.map((e) => `${zooName(e)}=${locate(e)}`).join(',');
}

/** The entry's files (a model file with its sidecar, or an MLflow directory), relative to its directory. */
export function zooFiles(entry: ZooEntry): Array<{ name: string; path: string }> {
  const location = zooPath(entry);
  const dir = statSync(location).isDirectory() ? location : join(location, '..');
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => statSync(join(dir, name)).isFile())
    .map((name) => ({ name, path: join(dir, name) }));
}

/** The entry's location relative to its directory: the model file's name, or '' for an MLflow directory. */
export function zooModelFile(entry: ZooEntry): string {
  const location = zooPath(entry);
  return statSync(location).isDirectory() ? '' : relative(join(location, '..'), location);
}

/** Rides as trip-file rows: a ten-minute trip each (kept by the course's 1–60 min filter), on 2021-02-03. */
export function zooTripRows(rides: readonly Record<string, RowValue>[]): TripFileRow[] {
  return rides.map((ride, i) => {
    const pickup = new Date(Date.UTC(2021, 1, 3, 8, i));
    const number = (field: string) => (ride[field] === undefined ? null : (ride[field] as number | null));
    return {
      pickup,
      dropoff: new Date(pickup.getTime() + 10 * 60_000),
      PULocationID: number('PULocationID'),
      DOLocationID: number('DOLocationID'),
      trip_distance: number('trip_distance'),
      ...('passenger_count' in ride ? { passenger_count: number('passenger_count') } : {}),
    };
  });
}

/** The bytes of a file, for uploads. */
export function bytesOf(path: string): Buffer {
  return readFileSync(path);
}
