import type { CaptureRecord } from '../observability/capture/capture-record';
import { MODEL_NAME_PATTERN } from '../contract';
import type { UnmatchedCounts } from './quality';

/**
 * Ground truth joined to predictions by ride id. In production the truth arrives after the
 * prediction (when the ride ends) and by id: an actuals file or object holds `ride_id` and one
 * `actual_<model>` value per model it covers; each captured prediction is matched by its ride id.
 * No AWS or file access here (the readers are lambda/protocols/monitor/actuals-source.ts).
 */

/** The column naming the ride in an actuals file, and the prefix of each model's truth column. */
export const RIDE_ID_COLUMN = 'ride_id';
export const ACTUAL_PREFIX = 'actual_';
/** Rides held from actuals files at most (a month of a busy city is ~3 million). */
export const MAX_ACTUAL_RIDES = 5_000_000;
/** The longest ride id accepted: Kinesis's partition key bound, which stream ride ids already meet. */
export const MAX_RIDE_ID_LENGTH = 256;

/** The truth per ride, by model: what a join looks up. */
export interface ActualsTable {
  readonly byRide: ReadonlyMap<string, Readonly<Record<string, number>>>;
  /** rows read (files may hold several rows of one ride: the first one counts) */
  readonly rows: number;
  /** rows whose ride id was seen before (kept: the first) */
  readonly duplicates: number;
  /** rows without a usable ride id, or without any finite actual */
  readonly unusable: number;
  /** rides left out beyond {@link MAX_ACTUAL_RIDES} */
  readonly truncated: number;
}

/**
 * Collects actuals rows into an {@link ActualsTable}: a ride id is a non-empty string of at most
 * 256 characters or a safe integer (as the stream's `ride_id`), compared as text; an actual is a
 * finite number; anything else in a row is ignored, and a row with nothing usable is counted.
 *
 * @example const builder = new ActualsTableBuilder(); builder.add(747624005, { actual_duration: 14.2 }); builder.finish()
 */
export class ActualsTableBuilder {
  private readonly byRide = new Map<string, Record<string, number>>();
  private rows = 0;
  private duplicates = 0;
  private unusable = 0;
  private truncated = 0;

  constructor(private readonly maxRides = MAX_ACTUAL_RIDES) {}

  /** One row: its ride id and its cells by column name (`actual_<model>` columns are read). */
  add(rideId: unknown, cells: Readonly<Record<string, unknown>>): void {
    this.rows++;
    const key = rideKey(rideId);
    const actuals: Record<string, number> = {};
    for (const [column, value] of Object.entries(cells)) {
      const model = modelOfColumn(column);
      if (model !== undefined && typeof value === 'number' && Number.isFinite(value)) actuals[model] = value;
    }
    if (key === undefined || Object.keys(actuals).length === 0) {
      this.unusable++;
      return;
    }
    if (this.byRide.has(key)) {
      this.duplicates++;
      return;
    }
    if (this.byRide.size >= this.maxRides) {
      this.truncated++;
      return;
    }
    this.byRide.set(key, actuals);
  }

  finish(): ActualsTable {
    return { byRide: this.byRide, rows: this.rows, duplicates: this.duplicates, unusable: this.unusable, truncated: this.truncated };
  }
}

/** `actual_duration` → `duration`; undefined for any other column. */
export function modelOfColumn(column: string): string | undefined {
  if (!column.startsWith(ACTUAL_PREFIX)) return undefined;
  const model = column.slice(ACTUAL_PREFIX.length);
  return MODEL_NAME_PATTERN.test(model) ? model : undefined;
}

/** A ride id as the join compares it (text), or undefined when it is not one. */
export function rideKey(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 && value.length <= MAX_RIDE_ID_LENGTH ? value : undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined;
  if (typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * The ride a capture record is about: its `ride_id` (an HTTP ride that carried one), else its
 * `id` when the path names rides by it (the stream's ride id, the batch row's `YYYY/MM_<row>`).
 * An HTTP record without a ride id has none: its `id` is a request id.
 */
export function rideOfRecord(record: CaptureRecord): string | undefined {
  if (record.ride_id !== undefined) return rideKey(record.ride_id);
  return record.source === 'http' ? undefined : rideKey(record.id);
}

/** What a join saw beyond each model's unmatched counts. */
export interface GroundTruthCounts {
  /** rows of the actuals read, and how many were duplicates, unusable, or beyond the bound */
  actuals_rows: number;
  actuals_duplicates: number;
  actuals_unusable: number;
  actuals_truncated: number;
  /** capture records with no ride id (HTTP requests that sent none) */
  captured_without_ride_id: number;
  /** capture records of a ride already captured (a retried stream batch, a re-scored month): the first is kept */
  duplicate_captures: number;
}

/** Capture records with their actuals joined in, and what did not match. */
export interface JoinedCapture {
  readonly records: CaptureRecord[];
  readonly unmatched: Record<string, UnmatchedCounts>;
  readonly counts: GroundTruthCounts;
}

/**
 * Joins capture records to actuals by ride id: each record (the first of each ride) gets the
 * actuals of its ride, on top of any it carried (a batch row's own duration). Counts, per model,
 * the captured predictions left without an actual and the actuals no captured prediction
 * matched, so a report says how much of the traffic its quality figures cover.
 *
 * @example const joined = joinActuals(read.records, table); runMonitor({ ..., current: observationsFromCapture(joined.records), unmatched: joined.unmatched })
 */
export function joinActuals(records: readonly CaptureRecord[], actuals: ActualsTable): JoinedCapture {
  const join = new ActualsJoin(actuals);
  const joined: CaptureRecord[] = [];
  for (const record of records) {
    const one = join.add(record);
    if (one) joined.push(one);
  }
  return { records: joined, ...join.finish() };
}

/**
 * {@link joinActuals} as records stream (issue 28: a capture of any size is read record by record,
 * never held): yields each joined record; `join.finish()` gives the counts once the stream ended.
 *
 * @example const join = new ActualsJoin(table); await runMonitor({ ..., current: observationsFromCapture(joinedStream(stream, join)), groundTruth: () => join.finish() })
 */
export async function* joinedStream(records: Iterable<CaptureRecord> | AsyncIterable<CaptureRecord>, join: ActualsJoin): AsyncGenerator<CaptureRecord> {
  for await (const record of records) {
    const one = join.add(record);
    if (one) yield one;
  }
}

/**
 * The join one record at a time. It holds the ride ids seen (to keep the first record of each)
 * and the rides captured per model, never the records.
 */
export class ActualsJoin {
  private readonly seen = new Set<string>();
  private readonly capturedByModel = new Map<string, Set<string>>();
  // Keyed by model names from the data: no prototype, so a model named `__proto__` is just a name.
  private readonly unmatched = Object.create(null) as Record<string, UnmatchedCounts>;
  private withoutRide = 0;
  private duplicates = 0;

  constructor(private readonly actuals: ActualsTable) {}

  /** The record with its ride's actuals, or undefined when its ride was already joined (a repeat). */
  add(record: CaptureRecord): CaptureRecord | undefined {
    const ride = rideOfRecord(record);
    if (ride === undefined) this.withoutRide++;
    else if (this.seen.has(ride)) {
      this.duplicates++;
      return undefined;
    } else this.seen.add(ride);
    const truth = { ...record.actuals, ...(ride === undefined ? {} : this.actuals.byRide.get(ride)) };
    for (const model of Object.keys(record.outputs ?? {})) {
      if (ride !== undefined) (this.capturedByModel.get(model) ?? this.capturedByModel.set(model, new Set()).get(model))?.add(ride);
      if (typeof truth[model] !== 'number') this.counts(model).captured_without_actual++;
    }
    return Object.keys(truth).length > 0 ? { ...record, actuals: truth } : record;
  }

  /** What did not match, per model, and the join's counts (final once every record was added). */
  finish(): Omit<JoinedCapture, 'records'> {
    const unmatched = Object.create(null) as Record<string, UnmatchedCounts>;
    for (const [model, counts] of Object.entries(this.unmatched)) unmatched[model] = { ...counts };
    for (const [ride, truth] of this.actuals.byRide) {
      for (const model of Object.keys(truth)) {
        if (!this.capturedByModel.get(model)?.has(ride))
          (unmatched[model] ??= { captured_without_actual: 0, actuals_without_capture: 0 }).actuals_without_capture++;
      }
    }
    return {
      unmatched,
      counts: {
        actuals_rows: this.actuals.rows,
        actuals_duplicates: this.actuals.duplicates,
        actuals_unusable: this.actuals.unusable,
        actuals_truncated: this.actuals.truncated,
        captured_without_ride_id: this.withoutRide,
        duplicate_captures: this.duplicates,
      },
    };
  }

  private counts(model: string): UnmatchedCounts {
    return (this.unmatched[model] ??= { captured_without_actual: 0, actuals_without_capture: 0 });
  }
}
