import type { CaptureRecord } from '../../../lambda/observability/capture/capture-record';
import { buildProfile } from '../../../lambda/monitoring/build-profile';
import { observationsFromCapture } from '../../../lambda/monitoring/capture-observations';
import { ReferenceProfileSchema } from '../../../lambda/monitoring/profile-schema';
import { runMonitor } from '../../../lambda/monitoring/run-monitor';
import { monthObservations } from './generated-months';

describe('reference profile', () => {
  it('round-trips through JSON and its zod schema, bounded in size for a 60,000-row month', async () => {
    const profile = await buildProfile([monthObservations({ year: 2021, month: 1, rows: 60_000 })], {
      source: 'synthetic 2021-01',
      models: { duration: { version: 'v1', metrics: { train_rmse: 5.5 } } },
    });
    const text = JSON.stringify(profile);
    expect(ReferenceProfileSchema.parse(JSON.parse(text))).toEqual(profile);
    const pairs = profile.context.PU_DO;
    expect(pairs?.type === 'categorical' && pairs.categories.length).toBe(300);
    expect(pairs?.type === 'categorical' && pairs.other).toBeGreaterThan(0);
    const distance = profile.features.trip_distance;
    expect(distance?.type === 'numeric' && distance.summary.length).toBe(2_000);
    expect(text.length).toBeLessThan(200_000);
    expect(profile.rows).toBe(60_000);
  });

  it('counts NaN as missing and ±Infinity as invalid, apart from the values', async () => {
    const profile = await buildProfile(
      [
        {
          length: 5,
          inputs: { trip_distance: Float64Array.of(1, Number.NaN, Infinity, 2, -Infinity), PULocationID: Float64Array.of(1, 2, Number.NaN, Infinity, 3) },
        },
      ],
      { source: 't' },
    );
    expect(profile.features.trip_distance).toMatchObject({ count: 2, missing: 1, invalid: 2, mean: 1.5, std: 0.5 });
    expect(profile.features.PULocationID).toMatchObject({ count: 3, missing: 1, invalid: 1 });
  });

  it('sums errors by day so RMSE, MAE and bias per period equal a direct computation', async () => {
    const day = (d: number, h: number) => Date.UTC(2021, 1, d, h);
    const predicted = Float64Array.of(10, 12, 8, 20);
    const actual = Float64Array.of(11, 10, 8, 16);
    const current = [
      {
        length: 4,
        inputs: { trip_distance: Float64Array.of(1, 2, 3, 4) },
        predictions: { duration: predicted },
        actuals: { duration: actual },
        time: Float64Array.of(day(1, 8), day(1, 9), day(2, 8), day(2, 9)),
      },
    ];
    const reference = await buildProfile([{ length: 2, inputs: { trip_distance: Float64Array.of(1, 2) } }], {
      source: 'r',
      models: { duration: { metrics: { train_rmse: 1.25 } } },
    });
    const { summary } = await runMonitor({ reference, current });
    const quality = summary.quality.duration!;
    expect(quality).toMatchObject({ rows_joined: 4, train_rmse: 1.25 });
    expect(quality.rmse).toBeCloseTo(Math.sqrt((1 + 4 + 0 + 16) / 4), 12);
    expect(quality.mae).toBeCloseTo((1 + 2 + 0 + 4) / 4, 12);
    expect(quality.bias).toBeCloseTo((-1 + 2 + 0 + 4) / 4, 12);
    expect(quality.by_day.map((p) => [p.day, p.rows, p.rmse])).toEqual([
      ['2021-02-01', 2, Math.sqrt(5 / 2)],
      ['2021-02-02', 2, Math.sqrt(16 / 2)],
    ]);
  });
});

describe('capture records as observations', () => {
  const record = (i: number, extra: Partial<CaptureRecord> = {}): CaptureRecord => ({
    time: new Date(Date.UTC(2026, 10, 23, i % 24)).toISOString(),
    source: 'http',
    id: `r${i}`,
    inputs: { PULocationID: 1 + (i % 5), DOLocationID: 7, trip_distance: i / 10 },
    outputs: { duration: { output: 10 + i, version: 'v1' } },
    ...extra,
  });

  it('turns inputs, outputs, actuals and times into columns; a null output is missing', async () => {
    const records = [
      record(0),
      record(1, { actuals: { duration: 9 } }),
      record(2, { outputs: { duration: { output: null as unknown as number, version: 'v1' } } }),
    ];
    const chunks = [];
    for await (const chunk of observationsFromCapture(records)) chunks.push(chunk);
    const [chunk, more] = chunks;
    expect(more).toBeUndefined();
    expect(chunk?.length).toBe(3);
    expect(Array.from(chunk!.inputs.trip_distance as Float64Array)).toEqual([0, 0.1, 0.2]);
    expect(Array.from(chunk!.predictions!.duration!)).toEqual([10, 11, NaN]);
    expect(Array.from(chunk!.actuals!.duration!)).toEqual([NaN, 9, NaN]);
    expect(chunk!.time![1]).toBe(Date.UTC(2026, 10, 23, 1));
  });

  it('counts a text value in a number input as invalid, not as a number', async () => {
    const records = [record(0), record(1, { inputs: { PULocationID: 2, DOLocationID: 7, trip_distance: 'far' } })];
    const profile = await buildProfile(observationsFromCapture(records), { source: 'capture' });
    expect(profile.features.trip_distance).toMatchObject({ count: 1, invalid: 1 });
  });
});
