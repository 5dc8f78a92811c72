import { Coalescer, type SegmentRunner } from '../../../lambda/model/coalescer';
import type { InputBatch } from '../../../lambda/model/input-batch';
import { COURSE_RIDE, batchOf, defaultModels } from '../../support/fixtures';

/** A runner that predicts trip_distance × 2 and records the size of every run it is asked for. */
function recordingRunner(maxRowsPerRun = 8192, fail?: Error): SegmentRunner & { runs: number[]; segments: number[] } {
  const runs: number[] = [];
  const segments: number[] = [];
  return {
    runs,
    segments,
    maxRowsPerRun,
    async run(parts: readonly InputBatch[]) {
      const out = parts.flatMap((p) => Array.from(p.columns.trip_distance as Float64Array, (d) => d * 2));
      runs.push(out.length);
      segments.push(parts.length);
      if (fail) throw fail;
      return Float64Array.from(out);
    },
  };
}

const rides = (...distances: number[]): InputBatch => batchOf(distances.map((trip_distance) => ({ PULocationID: 1, DOLocationID: 2, trip_distance })));

describe('Coalescer', () => {
  it('answers calls made in the same event-loop turn with one run over their batches as segments, each caller getting its own slice', async () => {
    const inner = recordingRunner();
    const coalescer = new Coalescer(inner);

    const [a, b, c] = await Promise.all([coalescer.run(rides(1)), coalescer.run(rides(2, 3)), coalescer.run(rides(4))]);

    expect(inner.runs).toEqual([4]);
    expect(inner.segments).toEqual([3]);
    expect(Array.from(a)).toEqual([2]);
    expect(Array.from(b)).toEqual([4, 6]);
    expect(Array.from(c)).toEqual([8]);
  });

  it('runs calls made in different turns separately', async () => {
    const inner = recordingRunner();
    const coalescer = new Coalescer(inner);

    await coalescer.run(rides(1));
    await coalescer.run(rides(2));

    expect(inner.runs).toEqual([1, 1]);
  });

  it("never lets a shared run exceed the inner runner's maxRowsPerRun", async () => {
    const inner = recordingRunner(5);
    const coalescer = new Coalescer(inner);

    const results = await Promise.all([coalescer.run(rides(1, 2)), coalescer.run(rides(3, 4)), coalescer.run(rides(5, 6))]);

    expect(inner.runs).toEqual([4, 2]);
    expect(results.map((r) => Array.from(r))).toEqual([
      [2, 4],
      [6, 8],
      [10, 12],
    ]);
  });

  it('passes a batch larger than half a run straight through as its own run', async () => {
    const inner = recordingRunner(4);
    const coalescer = new Coalescer(inner);

    const out = await coalescer.run(rides(1, 2, 3));

    expect(Array.from(out)).toEqual([2, 4, 6]);
    expect(inner.runs).toEqual([3]);
  });

  it("rejects every caller of a failed run with the run's error", async () => {
    const failure = new Error('session broke');
    const coalescer = new Coalescer(recordingRunner(8192, failure));

    const settled = await Promise.allSettled([coalescer.run(rides(1)), coalescer.run(rides(2))]);

    expect(settled).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
  });

  it('gives concurrent predict calls on the real model the same durations as one call each', async () => {
    const set = await defaultModels();
    const input = [COURSE_RIDE, { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }, { PULocationID: 7, DOLocationID: 7, trip_distance: 0 }];
    const alone: number[] = [];
    for (const r of input) alone.push(...(await set.predict(batchOf([r]))).outputs.duration!);

    const together = await Promise.all(input.map(async (r) => Array.from((await set.predict(batchOf([r]))).outputs.duration!)));

    expect(together.flat()).toEqual(alone);
  });
});
