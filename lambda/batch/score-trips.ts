import type { Ride } from '../core/features';
import type { PredictService } from '../core/predict';
import { SKIP_REASONS, classifyTrip, type SkipReason } from '../core/trips';
import type { ScoredChunk, ScoredSink } from './scored-chunk';
import { tripAt, type TripChunk, type TripReader } from './trip-chunk';

/** What a scoring pass did with every input row. */
export interface ScoreCounts {
  rowsRead: number;
  /** passed the course's filter (1–60 min, no nulls) */
  rowsKept: number;
  /** predicted and written; equals rowsKept when the run succeeds */
  rowsScored: number;
  skipped: Record<SkipReason, number>;
}

export interface ScoreTripsOptions {
  reader: TripReader;
  sink: ScoredSink;
  service: PredictService;
  /** `YYYY/MM_`: a ride's id is this plus its row index in the input */
  rideIdPrefix: string;
  onProgress?(rowsRead: number, totalRows: number | undefined): void;
}

/**
 * The scoring loop: each chunk of input rows is filtered, predicted in one call to the core,
 * and written before the next chunk is read, so memory holds one chunk at a time.
 */
export async function scoreTrips(options: ScoreTripsOptions): Promise<ScoreCounts> {
  const { reader, sink, service, rideIdPrefix } = options;
  const counts: ScoreCounts = { rowsRead: 0, rowsKept: 0, rowsScored: 0, skipped: Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number> };
  for await (const chunk of reader.chunks()) {
    const kept = filterChunk(chunk, counts);
    const predictions = kept.rides.length > 0 ? await service.predict(kept.rides) : [];
    const scored = toScoredChunk(chunk, kept, predictions, rideIdPrefix);
    await sink.write(scored);
    counts.rowsRead += chunk.length;
    counts.rowsKept += kept.rides.length;
    counts.rowsScored += scored.length;
    options.onProgress?.(counts.rowsRead, reader.totalRows);
  }
  return counts;
}

interface KeptRows {
  /** positions within the chunk */
  positions: number[];
  rides: Ride[];
  durations: number[];
}

function filterChunk(chunk: TripChunk, counts: ScoreCounts): KeptRows {
  const kept: KeptRows = { positions: [], rides: [], durations: [] };
  for (let i = 0; i < chunk.length; i++) {
    const result = classifyTrip(tripAt(chunk, i));
    if (result.kind === 'skipped' || !fitsInt32(result.ride)) {
      counts.skipped[result.kind === 'skipped' ? result.reason : 'invalid_value']++;
      continue;
    }
    kept.positions.push(i);
    kept.rides.push(result.ride);
    kept.durations.push(result.duration);
  }
  return kept;
}

/** The output stores zone ids as INT32 (TLC ids are 1–265); larger ids would wrap, so they are invalid. */
function fitsInt32(ride: Ride): boolean {
  return ride.PULocationID <= INT32_MAX && ride.DOLocationID <= INT32_MAX;
}

const INT32_MAX = 2 ** 31 - 1;

function toScoredChunk(chunk: TripChunk, kept: KeptRows, predictions: readonly number[], rideIdPrefix: string): ScoredChunk {
  const n = kept.rides.length;
  if (predictions.length !== n) throw new Error(`the model returned ${predictions.length} predictions for ${n} rides`);
  const scored = {
    length: n,
    rideId: new Array<string>(n),
    pickup: new Float64Array(n),
    PULocationID: new Int32Array(n),
    DOLocationID: new Int32Array(n),
    actualDuration: new Float64Array(n),
    predictedDuration: new Float64Array(n),
    diff: new Float64Array(n),
  };
  for (let j = 0; j < n; j++) {
    const position = kept.positions[j] as number;
    const ride = kept.rides[j] as Ride;
    const actual = kept.durations[j] as number;
    const predicted = predictions[j] as number;
    scored.rideId[j] = `${rideIdPrefix}${chunk.firstRow + position}`;
    scored.pickup[j] = chunk.pickup[position] as number;
    scored.PULocationID[j] = ride.PULocationID;
    scored.DOLocationID[j] = ride.DOLocationID;
    scored.actualDuration[j] = actual;
    scored.predictedDuration[j] = predicted;
    scored.diff[j] = actual - predicted;
  }
  return scored;
}
