import type { PredictService } from '../core/predict';
import { SKIP_REASONS, type SkipReason } from '../core/trips';
import type { ScoredChunk, ScoredSink } from './scored-chunk';
import type { TripChunk, TripReader } from './trip-chunk';
import { filterTrips, type KeptTrips } from './trip-filter';
import { rideIdOf } from './ride-ids';
import type { PredictionEvent } from '../capture/prediction-capture';

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
  /** the capture seam: told about each chunk's predictions (capture samples and bounds them) */
  onPredictions?: (event: PredictionEvent) => void;
}

/**
 * The scoring loop: each chunk of input rows is filtered, predicted in one call to the core,
 * and written before the next chunk is read, so memory holds one chunk at a time.
 */
export async function scoreTrips(options: ScoreTripsOptions): Promise<ScoreCounts> {
  const { reader, sink, service, rideIdPrefix } = options;
  const counts: ScoreCounts = { rowsRead: 0, rowsKept: 0, rowsScored: 0, skipped: Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number> };
  for await (const chunk of reader.chunks()) {
    const kept = filterTrips(chunk, counts.skipped);
    const predictions = kept.length > 0 ? await service.predictColumns(kept) : new Float64Array(0);
    const scored = toScoredChunk(chunk, kept, predictions, rideIdPrefix);
    if (options.onPredictions && scored.length > 0) options.onPredictions(predictionEvent(scored, kept, service.modelVersion));
    await sink.write(scored);
    counts.rowsRead += chunk.length;
    counts.rowsKept += kept.length;
    counts.rowsScored += scored.length;
    options.onProgress?.(counts.rowsRead, reader.totalRows);
  }
  return counts;
}

/** A scored chunk as the capture seam sees it: ride ids, inputs, predictions and the actual durations. */
function predictionEvent(scored: ScoredChunk, kept: KeptTrips, version: string): PredictionEvent {
  const requestIds = Array.from(scored.inputRow, (row) => rideIdOf(scored.rideIdPrefix, row));
  return {
    source: 'batch',
    requestIds,
    batch: { length: scored.length, columns: { PULocationID: kept.PULocationID, DOLocationID: kept.DOLocationID, trip_distance: kept.trip_distance } },
    prediction: { outputs: { duration: scored.predictedDuration }, versions: { duration: version } },
    actuals: { duration: scored.actualDuration },
  };
}

function toScoredChunk(chunk: TripChunk, kept: KeptTrips, predictions: Float64Array, rideIdPrefix: string): ScoredChunk {
  const n = kept.length;
  if (predictions.length !== n) throw new Error(`the model returned ${predictions.length} predictions for ${n} rides`);
  const inputRow = new Float64Array(n);
  const pickup = new Float64Array(n);
  const diff = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const position = kept.positions[j] as number;
    inputRow[j] = chunk.firstRow + position;
    pickup[j] = chunk.pickup[position] as number;
    diff[j] = (kept.duration[j] as number) - (predictions[j] as number);
  }
  return { length: n, rideIdPrefix, inputRow, pickup, PULocationID: kept.PULocationID, DOLocationID: kept.DOLocationID, actualDuration: kept.duration, predictedDuration: predictions, diff };
}
