import type { CaptureBuffer } from './capture-buffer';
import { toCaptureLine, type CapturedOutput, type CaptureRecord } from './capture-record';
import { isSampled, sampleKey } from './sampling';
import type { PredictionEvent } from '../../serving/dataplane';

/** Model outputs for a batch of rows, by model name, with the versions that ran. */
export interface CapturedPrediction {
  readonly outputs: Readonly<Record<string, ArrayLike<number>>>;
  readonly versions: Readonly<Record<string, string>>;
}

export type { PredictionEvent } from '../../serving/dataplane';

export interface PredictionCaptureOptions {
  buffer: CaptureBuffer;
  /** CAPTURE_SAMPLE_RATE: share of ids captured (0–1) */
  sampleRate: number;
  /** most records one batch chunk (~10^5 rows) may add: the rows with the lowest sample keys win */
  maxBatchRecordsPerChunk: number;
  /** told when a record cannot be built; capture never throws into a reply */
  onError(error: unknown): void;
  now?: () => Date;
}

/**
 * Turns each prediction event into capture records (one per row that is sampled) and hands them
 * to the buffer. Synchronous and non-throwing, so adapters may call it in the reply path.
 *
 * @example const observe = createPredictionCapture({ buffer, sampleRate: 1, maxBatchRecordsPerChunk: 1000, onError });
 */
export function createPredictionCapture(options: PredictionCaptureOptions): (event: PredictionEvent) => void {
  const now = options.now ?? (() => new Date());
  return (event) => {
    try {
      const time = now().toISOString();
      for (const row of selectRows(event, options)) options.buffer.add(toCaptureLine(recordOf(event, row, time)));
    } catch (error) {
      options.onError(error);
    }
  };
}

/**
 * Rides given one object each (HTTP, Kinesis) as the column batch a prediction event carries.
 *
 * @example columnsOf([{ PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }]).columns.trip_distance // [3.66]
 */
export function columnsOf<Row extends object>(rows: readonly Row[]): PredictionEvent['batch'] {
  const columns: Record<string, Array<number | string>> = {};
  rows.forEach((row, i) => {
    for (const [name, value] of Object.entries(row)) (columns[name] ??= new Array<number | string>(rows.length))[i] = value as number | string;
  });
  return { length: rows.length, columns: columns as unknown as PredictionEvent['batch']['columns'] };
}

function idOf(event: PredictionEvent, row: number): { id: string; index?: number } {
  const perRow = event.requestIds.length === event.batch.length;
  const id = String((perRow ? event.requestIds[row] : event.requestIds[0]) ?? '');
  return perRow || event.batch.length === 1 ? { id } : { id, index: row };
}

/** Rows kept by the sample rate, then, past the per-event cap, the ones with the lowest keys. */
function selectRows(event: PredictionEvent, options: PredictionCaptureOptions): number[] {
  const rows: number[] = [];
  // A ride whose prediction was refused (non-finite) was never emitted: nothing to capture.
  for (let row = 0; row < event.batch.length; row++) if (!event.refused.has(row) && isSampled(idOf(event, row).id, options.sampleRate)) rows.push(row);
  // HTTP and stream events are bounded by the request and batch limits; a batch chunk is not.
  const cap = event.source === 'batch' ? options.maxBatchRecordsPerChunk : Number.POSITIVE_INFINITY;
  if (rows.length <= cap) return rows;
  const keyOf = (row: number) => {
    const { id, index } = idOf(event, row);
    return sampleKey(index === undefined ? id : `${id}#${index}`);
  };
  return rows
    .map((row) => ({ row, key: keyOf(row) }))
    .sort((a, b) => a.key - b.key)
    .slice(0, cap)
    .map(({ row }) => row)
    .sort((a, b) => a - b);
}

function recordOf(event: PredictionEvent, row: number, time: string): CaptureRecord {
  const inputs: Record<string, number | string> = {};
  for (const [name, column] of Object.entries(event.batch.columns)) inputs[name] = column[row] as number | string;
  const record: CaptureRecord = { time, source: event.source, ...idOf(event, row), inputs, outputs: outputsAt(event.prediction, row) };
  const shadows = event.shadows && outputsAt(event.shadows, row);
  const actuals = event.actuals && Object.fromEntries(Object.entries(event.actuals).map(([name, column]) => [name, column[row] as number]));
  return { ...record, ...(shadows ? { shadows } : {}), ...(actuals ? { actuals } : {}) };
}

function outputsAt(prediction: CapturedPrediction, row: number): Record<string, CapturedOutput> {
  const outputs: Record<string, CapturedOutput> = {};
  for (const [name, column] of Object.entries(prediction.outputs)) outputs[name] = { output: column[row] as number, version: prediction.versions[name] ?? '' };
  return outputs;
}
