import { buildProfile } from '../../lambda/monitoring/build-profile';
import type { ObservationChunk } from '../../lambda/monitoring/observations';
import type { ReferenceProfile } from '../../lambda/monitoring/profile-schema';
import type { LinearModel } from './linear-regression';

/** A training row as the profile sees it: the request's fields, the pickup time and the truth. */
export interface ProfiledRow {
  PULocationID: number;
  DOLocationID: number;
  tripDistance: number;
  puDo: string;
  pickupMs: number;
  actual: number;
}

/**
 * The prediction the exported float32 graph computes (./export-onnx.ts: Gather, Mul, Add, Add,
 * each rounded to float32), so the profile's prediction distribution is the one the service
 * will answer, to the bit.
 */
export function predictAsServed(model: LinearModel, lookup: ReadonlyMap<string, number>, puDo: string, tripDistance: number): number {
  const f = Math.fround;
  const c = lookup.get(puDo);
  const weight = c === undefined ? 0 : f(model.weights[c] as number);
  const distanceTerm = f(f(tripDistance) * f(model.distanceCoef));
  return f(f(weight + distanceTerm) + f(model.intercept));
}

/** A training-month row the 1–60 minute filter skipped: its inputs as read, NaN where missing. */
export interface ExcludedRow {
  PULocationID: number;
  DOLocationID: number;
  tripDistance: number;
}

export interface ProfileFacts {
  /** the model's name (duration, cost) */
  name: string;
  version: string;
  metrics: Record<string, number>;
  /** where the rows came from, shown in reports */
  source: string;
}

/**
 * The reference profile `npm run train` writes next to a model (lambda/monitoring's format): its
 * training rows' inputs, the model's predictions on them, the truth, and the training metrics;
 * the rows the filter skipped (`excluded`) count toward the inputs' missing shares only.
 * `created` is the last training pickup, not the wall clock, so the file reproduces byte for byte.
 */
export async function trainingProfile(
  model: LinearModel,
  rows: readonly ProfiledRow[],
  facts: ProfileFacts,
  excluded: readonly ExcludedRow[] = [],
): Promise<ReferenceProfile> {
  const lookup = new Map(model.vocabulary.map((s, i) => [s, i]));
  const n = rows.length;
  const pu = new Float64Array(n);
  const dropoff = new Float64Array(n);
  const distance = new Float64Array(n);
  const predicted = new Float64Array(n);
  const actual = new Float64Array(n);
  const time = new Float64Array(n);
  let last = 0;
  rows.forEach((row, i) => {
    pu[i] = row.PULocationID;
    dropoff[i] = row.DOLocationID;
    distance[i] = row.tripDistance;
    predicted[i] = predictAsServed(model, lookup, row.puDo, row.tripDistance);
    actual[i] = row.actual;
    time[i] = row.pickupMs;
    last = Math.max(last, row.pickupMs);
  });
  const chunk: ObservationChunk = {
    length: n,
    inputs: { PULocationID: pu, DOLocationID: dropoff, trip_distance: distance },
    predictions: { [facts.name]: predicted },
    actuals: { [facts.name]: actual },
    time,
    // The month's skipped rows count toward missing shares, as the monitor counts a current trip file's.
    ...(excluded.length > 0
      ? {
          excluded: {
            length: excluded.length,
            inputs: {
              PULocationID: Float64Array.from(excluded, (r) => r.PULocationID),
              DOLocationID: Float64Array.from(excluded, (r) => r.DOLocationID),
              trip_distance: Float64Array.from(excluded, (r) => r.tripDistance),
            },
          },
        }
      : {}),
  };
  return buildProfile([chunk], { source: facts.source, models: { [facts.name]: { version: facts.version, metrics: facts.metrics } }, created: new Date(last) });
}
