import type { InputBatch } from './input-batch';

/** What the coalescer drives: one run over several batches taken end to end (OnnxModel). */
export interface SegmentRunner {
  readonly maxRowsPerRun: number;
  run(segments: readonly InputBatch[]): Promise<Float64Array>;
}

interface Waiting {
  batch: InputBatch;
  resolve(outputs: Float64Array): void;
  reject(error: unknown): void;
}

/**
 * Merges the runs asked for in the same event-loop turn into one run of `inner`.
 *
 * A run costs ~15 µs whatever its size up to hundreds of rows, so when a server holds many
 * connections, the requests parsed in one poll phase share one run instead of paying it each.
 * The wait is bounded by one turn of the event loop (`setImmediate`): a lone request is never
 * held back for a timer, and a run never exceeds `inner.maxRowsPerRun` rows. The batches are
 * handed over as segments, never copied together.
 *
 * @example
 * const coalescer = new Coalescer(await OnnxModel.fromBytes(bytes));
 * const [a, b] = await Promise.all([coalescer.run(batchA), coalescer.run(batchB)]); // one ONNX run
 */
export class Coalescer {
  private waiting: Waiting[] = [];
  private waitingRows = 0;
  private scheduled = false;

  constructor(private readonly inner: SegmentRunner) {}

  get maxRowsPerRun(): number {
    return this.inner.maxRowsPerRun;
  }

  /** One output per row of `batch` (at most maxRowsPerRun rows). */
  run(batch: InputBatch): Promise<Float64Array> {
    // A large batch (the batch job's chunks, a Kinesis batch) has nothing to wait for.
    if (batch.length === 0 || batch.length * 2 > this.inner.maxRowsPerRun) return this.inner.run([batch]);
    if (this.waitingRows + batch.length > this.inner.maxRowsPerRun) this.flush();
    return new Promise((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      this.waitingRows += batch.length;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Starts one run for everything waiting and hands each caller its own slice. */
  private flush(): void {
    const waiting = this.waiting;
    this.waiting = [];
    this.waitingRows = 0;
    this.scheduled = false;
    if (waiting.length === 0) return;
    if (waiting.length === 1) {
      const only = waiting[0] as Waiting;
      this.inner.run([only.batch]).then(only.resolve, only.reject);
      return;
    }
    this.inner.run(waiting.map((w) => w.batch)).then(
      (outputs) => {
        let offset = 0;
        for (const w of waiting) {
          w.resolve(outputs.subarray(offset, offset + w.batch.length));
          offset += w.batch.length;
        }
      },
      (error: unknown) => {
        for (const w of waiting) w.reject(error);
      },
    );
  }
}
