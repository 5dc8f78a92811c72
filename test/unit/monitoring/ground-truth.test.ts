import fc from 'fast-check';
import type { CaptureRecord } from '../../../lambda/observability/capture/capture-record';
import { ActualsTableBuilder, joinActuals, rideOfRecord } from '../../../lambda/monitoring/ground-truth';
import { buildProfile } from '../../../lambda/monitoring/build-profile';
import { observationsFromCapture } from '../../../lambda/monitoring/capture-observations';
import { runMonitor } from '../../../lambda/monitoring/run-monitor';
import { mergeProfiles } from '../../../lambda/monitoring/merge-profiles';

/** A captured prediction of `duration` (and `cost` when given) for one ride. */
function captured(id: string, source: CaptureRecord['source'], duration: number, extra: Partial<CaptureRecord> = {}, version = 'v1'): CaptureRecord {
  return {
    time: '2026-11-24T10:00:00.000Z',
    source,
    id,
    inputs: { PULocationID: 1, DOLocationID: 2, trip_distance: 3 },
    outputs: { duration: { output: duration, version } },
    ...extra,
  };
}

function table(rows: [unknown, Record<string, unknown>][]) {
  const builder = new ActualsTableBuilder();
  for (const [ride, cells] of rows) builder.add(ride, cells);
  return builder.finish();
}

describe('the ride a capture record is about', () => {
  it('is the HTTP ride_id when sent, the stream and batch id otherwise, and none for an HTTP request without one', () => {
    expect(rideOfRecord(captured('req-1', 'http', 1, { ride_id: 747624005 }))).toBe('747624005');
    expect(rideOfRecord(captured('req-1', 'http', 1, { ride_id: 'r-9' }))).toBe('r-9');
    expect(rideOfRecord(captured('256', 'stream', 1))).toBe('256');
    expect(rideOfRecord(captured('2021/02_17', 'batch', 1))).toBe('2021/02_17');
    expect(rideOfRecord(captured('6c1f-request-id', 'http', 1))).toBeUndefined();
  });
});

describe('an actuals table', () => {
  it('keeps the first row of a ride, counts repeats and rows with no ride id or no finite actual, and reads ride ids as text', () => {
    const actuals = table([
      [256, { actual_duration: 14.5, actual_cost: 20 }],
      ['256', { actual_duration: 99 }],
      ['2021/02_17', { actual_duration: 7, passenger_count: 2 }],
      [null, { actual_duration: 3 }],
      [1.5, { actual_duration: 3 }],
      ['x'.repeat(257), { actual_duration: 3 }],
      ['r-1', { actual_duration: 'slow' }],
      ['r-2', { actual_Duration: 3, actual_: 4 }],
    ]);

    expect(Object.fromEntries(actuals.byRide)).toEqual({ '256': { duration: 14.5, cost: 20 }, '2021/02_17': { duration: 7 } });
    expect(actuals).toMatchObject({ rows: 8, duplicates: 1, unusable: 5, truncated: 0 });
  });

  it('never throws on hostile rows, and keeps only finite actuals of well-formed ride ids', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.jsonValue(), fc.dictionary(fc.oneof(fc.constant('actual_duration'), fc.string()), fc.oneof(fc.jsonValue(), fc.double()))), {
          maxLength: 30,
        }),
        (rows) => {
          const actuals = table(rows);

          expect(actuals.rows).toBe(rows.length);
          expect(actuals.byRide.size + actuals.duplicates + actuals.unusable).toBe(rows.length);
          for (const [ride, truth] of actuals.byRide) {
            expect(ride.length).toBeGreaterThan(0);
            for (const value of Object.values(truth)) expect(Number.isFinite(value)).toBe(true);
          }
        },
      ),
    );
  });

  it('holds at most its bound of rides and counts the rest', () => {
    const builder = new ActualsTableBuilder(2);
    for (const ride of ['a', 'b', 'c']) builder.add(ride, { actual_duration: 1 });
    expect(builder.finish()).toMatchObject({ rows: 3, truncated: 1 });
  });
});

describe('joining captured predictions to ground truth', () => {
  it('gives each captured ride its actuals, and counts what matched nothing both ways per model', () => {
    const records = [
      captured('1', 'stream', 10),
      captured('2', 'stream', 12),
      captured('2', 'stream', 12), // a retried batch captured twice: the first counts
      captured('req', 'http', 8), // no ride id
      captured('req', 'http', 9, { ride_id: 3 }),
      captured('2021/02_5', 'batch', 6, { actuals: { duration: 5 } }), // the batch row's own truth
    ];
    const actuals = table([
      [1, { actual_duration: 11 }],
      [3, { actual_duration: 9.5, actual_cost: 30 }],
      [4, { actual_duration: 1 }],
    ]);

    const joined = joinActuals(records, actuals);

    expect(joined.records.map((r) => r.actuals)).toEqual([{ duration: 11 }, undefined, undefined, { duration: 9.5, cost: 30 }, { duration: 5 }]);
    expect(joined.unmatched).toEqual({
      duration: { captured_without_actual: 2, actuals_without_capture: 1 },
      cost: { captured_without_actual: 0, actuals_without_capture: 1 },
    });
    expect(joined.counts).toMatchObject({ actuals_rows: 3, captured_without_ride_id: 1, duplicate_captures: 1 });
  });

  it('accounts for every captured ride and every actual: joined plus unmatched equals each side, for any rides', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 40 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 40 }),
        (capturedRides, actualRides) => {
          const records = capturedRides.map((ride) => captured(String(ride), 'stream', ride));
          const actuals = table(actualRides.map((ride) => [ride, { actual_duration: ride + 1 }]));
          const both = capturedRides.filter((ride) => actualRides.includes(ride)).length;

          const { unmatched, records: joined } = joinActuals(records, actuals);

          const counts = unmatched.duration ?? { captured_without_actual: 0, actuals_without_capture: 0 };
          expect(joined.filter((r) => r.actuals?.duration !== undefined)).toHaveLength(both);
          expect(both + counts.captured_without_actual).toBe(capturedRides.length);
          expect(both + counts.actuals_without_capture).toBe(actualRides.length);
        },
      ),
    );
  });
});

describe('quality of joined rides in the summary', () => {
  it('gives RMSE, MAE and bias overall, per day and per version, each version beside its training RMSE, with the unmatched counts', async () => {
    const day = (d: number) => new Date(Date.UTC(2026, 10, d, 12)).toISOString();
    const records = [
      captured('1', 'stream', 10, { time: day(23) }, 'v1'),
      captured('2', 'stream', 14, { time: day(23) }, 'v1'),
      captured('3', 'stream', 20, { time: day(24) }, 'v2'),
      captured('4', 'stream', 5, { time: day(24) }, 'v2'),
    ];
    const joined = joinActuals(
      records,
      table([
        [1, { actual_duration: 11 }],
        [2, { actual_duration: 12 }],
        [3, { actual_duration: 16 }],
        [9, { actual_duration: 1 }],
      ]),
    );
    const reference = await buildProfile([{ length: 2, inputs: { trip_distance: Float64Array.of(1, 2) } }], {
      source: 'r',
      models: { duration: { version: 'v2', metrics: { train_rmse: 2 } } },
    });

    const { summary } = await runMonitor({
      reference,
      current: observationsFromCapture(joined.records),
      groundTruth: { unmatched: joined.unmatched, counts: joined.counts },
    });

    const quality = summary.quality.duration;
    expect(quality).toMatchObject({
      rows_joined: 3,
      bias: (-1 + 2 + 4) / 3,
      unmatched: { captured_without_actual: 1, actuals_without_capture: 1 },
      train_rmse: 2,
    });
    expect(quality?.rmse).toBeCloseTo(Math.sqrt((1 + 4 + 16) / 3), 12);
    expect(quality?.by_day.map((d) => [d.day, d.rows])).toEqual([
      ['2026-11-23', 2],
      ['2026-11-24', 1],
    ]);
    expect(quality?.by_version).toEqual([
      { version: 'v1', rows: 2, rmse: Math.sqrt(5 / 2), mae: 1.5, bias: 0.5 },
      { version: 'v2', rows: 1, rmse: 4, mae: 4, bias: 4, train_rmse: 2, rmse_over_train: 2 },
    ]);
    expect(summary.ground_truth).toMatchObject({ actuals_rows: 4, captured_without_ride_id: 0 });
  });

  it("compares each version with its own training RMSE when the reference merges two versions' profiles", async () => {
    const profile = (version: string, trainRmse: number) =>
      buildProfile([{ length: 1, inputs: { trip_distance: Float64Array.of(1) } }], {
        source: version,
        models: { duration: { version, metrics: { train_rmse: trainRmse } } },
      });
    const reference = mergeProfiles([await profile('v2', 2), await profile('v1', 4)]);
    const records = [captured('1', 'stream', 10, {}, 'v1'), captured('2', 'stream', 10, {}, 'v2')];
    const joined = joinActuals(
      records,
      table([
        [1, { actual_duration: 12 }],
        [2, { actual_duration: 13 }],
      ]),
    );

    const { summary } = await runMonitor({ reference, current: observationsFromCapture(joined.records) });

    expect(reference.models.duration).toEqual({ version: 'v2', metrics: { train_rmse: 2 }, versions: { v1: { train_rmse: 4 } } });
    expect(summary.quality.duration?.by_version.map((v) => [v.version, v.train_rmse, v.rmse_over_train])).toEqual([
      ['v1', 4, 0.5],
      ['v2', 2, 1.5],
    ]);
  });
});
