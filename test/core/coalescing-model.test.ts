import { CoalescingModel } from '../../lambda/core/coalescing-model';
import type { Ride } from '../../lambda/core/features';
import type { Model } from '../../lambda/core/model';
import { defaultService, COURSE_RIDE } from '../support/fixtures';

/** A model that predicts trip_distance × 2 and records the size of every run it is asked for. */
function recordingModel(maxRowsPerRun = 8192, fail?: Error): Model & { runs: number[] } {
  const runs: number[] = [];
  return {
    runs,
    maxRowsPerRun,
    async run(rides: readonly Ride[]) {
      runs.push(rides.length);
      if (fail) throw fail;
      return Float64Array.from(rides, (r) => r.trip_distance * 2);
    },
    async runColumns(columns) {
      runs.push(columns.trip_distance.length);
      return Float64Array.from(columns.trip_distance, (d) => d * 2);
    },
  };
}

const ride = (distance: number): Ride => ({ PULocationID: 1, DOLocationID: 2, trip_distance: distance });

describe('CoalescingModel', () => {
  it('answers calls made in the same event-loop turn with one run, each caller getting its own slice', async () => {
    const inner = recordingModel();
    const model = new CoalescingModel(inner);

    const [a, b, c] = await Promise.all([model.run([ride(1)]), model.run([ride(2), ride(3)]), model.run([ride(4)])]);

    expect(inner.runs).toEqual([4]);
    expect(Array.from(a)).toEqual([2]);
    expect(Array.from(b)).toEqual([4, 6]);
    expect(Array.from(c)).toEqual([8]);
  });

  it('runs calls made in different turns separately', async () => {
    const inner = recordingModel();
    const model = new CoalescingModel(inner);

    await model.run([ride(1)]);
    await model.run([ride(2)]);

    expect(inner.runs).toEqual([1, 1]);
  });

  it('never lets a shared run exceed the inner model\'s maxRowsPerRun', async () => {
    const inner = recordingModel(3);
    const model = new CoalescingModel(inner);

    const results = await Promise.all([model.run([ride(1), ride(2)]), model.run([ride(3), ride(4)]), model.run([ride(5)])]);

    expect(inner.runs).toEqual([2, 3]);
    expect(results.map((r) => Array.from(r))).toEqual([[2, 4], [6, 8], [10]]);
  });

  it('rejects every caller of a failed run with the run\'s error', async () => {
    const failure = new Error('session broke');
    const model = new CoalescingModel(recordingModel(8192, failure));

    const settled = await Promise.allSettled([model.run([ride(1)]), model.run([ride(2)])]);

    expect(settled).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
  });

  it('gives concurrent predict calls on the real model the same durations as one call each', async () => {
    const service = await defaultService();
    const rides = [COURSE_RIDE, { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }, { PULocationID: 7, DOLocationID: 7, trip_distance: 0 }];
    const alone: number[] = [];
    for (const r of rides) alone.push(...(await service.predict([r])));

    const together = await Promise.all(rides.map((r) => service.predict([r])));

    expect(together.flat()).toEqual(alone);
  });
});

describe('CoalescingModel with column input', () => {
  it('passes a column batch straight to the inner model as one run', async () => {
    const inner = recordingModel();
    const model = new CoalescingModel(inner);

    const durations = await model.runColumns({ PULocationID: [1, 2], DOLocationID: [3, 4], trip_distance: [1.5, 2] });

    expect(Array.from(durations)).toEqual([3, 4]);
    expect(inner.runs).toEqual([2]);
  });
});
