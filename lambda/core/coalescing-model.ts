import type { Ride, RideColumns } from './features';
import type { Model } from './model';

interface Waiting {
  rides: readonly Ride[];
  resolve(durations: Float64Array): void;
  reject(error: unknown): void;
}

/**
 * A Model that merges calls made in the same event-loop turn into one run of `inner`.
 *
 * A run costs ~15 µs whatever its size up to hundreds of rides, so when a server holds many
 * connections, the requests parsed in one poll phase share one run instead of paying it each.
 * The wait is bounded by one turn of the event loop (`setImmediate`): a lone request is never
 * held back for a timer, and a run never exceeds `inner.maxRowsPerRun` rides.
 *
 * @example
 * const model = new CoalescingModel(await OnnxModel.fromBytes(bytes));
 * const [a, b] = await Promise.all([model.run([rideA]), model.run([rideB])]); // one ONNX run
 */
export class CoalescingModel implements Model {
  readonly maxRowsPerRun: number;
  private waiting: Waiting[] = [];
  private waitingRows = 0;
  private scheduled = false;

  constructor(private readonly inner: Model) {
    this.maxRowsPerRun = inner.maxRowsPerRun;
  }

  /** Column input comes from the batch job, one large call at a time: nothing to merge. */
  runColumns(columns: RideColumns): Promise<Float64Array> {
    return this.inner.runColumns(columns);
  }

  run(rides: readonly Ride[]): Promise<Float64Array> {
    if (rides.length === 0) return this.inner.run(rides);
    if (this.waitingRows + rides.length > this.maxRowsPerRun) this.flush();
    return new Promise((resolve, reject) => {
      this.waiting.push({ rides, resolve, reject });
      this.waitingRows += rides.length;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Starts one run for everything waiting and hands each caller its own slice. */
  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.waitingRows = 0;
    this.scheduled = false;
    if (batch.length === 0) return;
    if (batch.length === 1) {
      const only = batch[0] as Waiting;
      this.inner.run(only.rides).then(only.resolve, only.reject);
      return;
    }
    const rides = batch.flatMap((w) => w.rides);
    this.inner.run(rides).then(
      (durations) => {
        let offset = 0;
        for (const w of batch) {
          w.resolve(durations.subarray(offset, offset + w.rides.length));
          offset += w.rides.length;
        }
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  }
}
