import { CoalescingModel } from './coalescing-model';
import type { Model } from './model';
import type { Ride, RideColumns } from './features';

/** A loaded model plus the version string reported with each of its predictions. */
export interface PredictService {
  readonly modelVersion: string;
  /** Durations in minutes, one per ride, in input order. */
  predict(rides: readonly Ride[]): Promise<number[]>;
  /** The same for rides given column by column (the batch job): no object per ride. */
  predictColumns(columns: RideColumns): Promise<Float64Array>;
}

/**
 * The predict core: rides in, durations out. Everything the adapters need from the model
 * goes through here; it knows nothing of HTTP, Kinesis, S3 or Lambda. Calls made in the
 * same event-loop turn (concurrent HTTP requests) share one model run (CoalescingModel).
 *
 * @example
 * const service = createPredictService(await OnnxModel.fromBytes(bytes), 'v1');
 * await service.predict([{ PULocationID: 10, DOLocationID: 50, trip_distance: 40 }]); // [54.2]
 */
export function createPredictService(inner: Model, modelVersion: string): PredictService {
  const model = new CoalescingModel(inner);
  return {
    modelVersion,
    async predict(rides) {
      // At most one model run per call (shared with concurrent calls), split only where a run
      // would exceed the model's memory bound.
      const step = model.maxRowsPerRun;
      if (rides.length <= step) return Array.from(await model.run(rides));
      const durations: number[] = [];
      for (let start = 0; start < rides.length; start += step) {
        for (const d of await model.run(rides.slice(start, start + step))) durations.push(d);
      }
      return durations;
    },
    async predictColumns(columns) {
      const n = columns.PULocationID.length;
      const step = model.maxRowsPerRun;
      if (n <= step) return model.runColumns(columns);
      const durations = new Float64Array(n);
      for (let start = 0; start < n; start += step) {
        durations.set(await model.runColumns(sliceColumns(columns, start, Math.min(n, start + step))), start);
      }
      return durations;
    },
  };
}

function sliceColumns(columns: RideColumns, start: number, end: number): RideColumns {
  const slice = (column: ArrayLike<number>): ArrayLike<number> =>
    ArrayBuffer.isView(column) ? (column as Float64Array).subarray(start, end) : (Array.prototype.slice.call(column, start, end) as number[]);
  return { PULocationID: slice(columns.PULocationID), DOLocationID: slice(columns.DOLocationID), trip_distance: slice(columns.trip_distance) };
}
