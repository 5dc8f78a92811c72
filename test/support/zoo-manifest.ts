import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A field of a request as a client sends it; `null` where a value is missing. */
export type RowValue = number | string | null;

/**
 * One model of the zoo (test/fixtures/zoo/manifest.json, written by build_zoo.py): where it is,
 * which opsets it declares, a few rides and scikit-learn's own predictions for them.
 */
export interface ZooEntry {
  readonly id: string;
  readonly description: string;
  /** relative to the repository root: an .onnx file or an MLflow model directory */
  readonly location: string;
  readonly opset: number;
  readonly ml_opset: number | null;
  readonly estimator: string;
  readonly rows: readonly Readonly<Record<string, RowValue>>[];
  /** scikit-learn's `predict` on `rows`, float64 */
  readonly expected: readonly number[];
  readonly rtol: number;
  /** runtime features the model needs beyond a plain [N,1] tensor per field: `nullable`, `columns` */
  readonly needs: readonly string[];
  /**
   * `served`: answers scikit-learn's predictions; `refused`: the load fails with `refusal` in its
   * message; `differs`: served, and answers differently from scikit-learn where `differs_where`
   * says (the converter changed the model, see the entry's description). A `refused` entry may
   * have `differs_where` too: its graph, fed directly, differs there (why its examples refuse it).
   */
  readonly expect: 'served' | 'refused' | 'differs';
  readonly refusal?: string;
  readonly differs_where?: string;
}

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** Every zoo entry, in manifest order. */
export function loadZoo(): ZooEntry[] {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'zoo', 'manifest.json'), 'utf8')) as ZooEntry[];
}

/** The entry's location as an absolute path. */
export function zooPath(entry: ZooEntry): string {
  return join(REPO_ROOT, entry.location);
}

/** The request fields a TLC trip record carries (every zoo model reads only these). */
export const TRIP_FIELDS: readonly string[] = ['PULocationID', 'DOLocationID', 'trip_distance', 'passenger_count'];

/**
 * Does a served prediction agree with scikit-learn's? Relative to the expected value, but never
 * tighter than `rtol` in absolute terms: predictions are minutes or dollars computed in float32
 * from terms of size ≥ 1, so the float32 rounding of a result near 0 is set by those terms, not
 * by the result (|actual − expected| ≤ rtol · max(|expected|, 1)).
 */
export function agrees(actual: number, expected: number, rtol: number): boolean {
  return Math.abs(actual - expected) <= rtol * Math.max(Math.abs(expected), 1);
}

/** Rows where an entry with `expect: 'differs'` is expected to disagree with scikit-learn. */
export function differsAt(entry: ZooEntry, row: Readonly<Record<string, RowValue>>): boolean {
  if (entry.differs_where !== 'trip_distance is not a whole number') throw new Error(`${entry.id}: unknown differs_where '${entry.differs_where}'`);
  return !Number.isInteger(row.trip_distance);
}
