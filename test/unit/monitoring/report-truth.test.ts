import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProfile } from '../../../lambda/monitoring/build-profile';
import { columnDrift } from '../../../lambda/monitoring/column-drift';
import { mergeProfiles } from '../../../lambda/monitoring/merge-profiles';
import { parseReferenceProfile, type ReferenceProfile } from '../../../lambda/monitoring/profile-schema';
import { runMonitor } from '../../../lambda/monitoring/run-monitor';
import type { ObservationChunk } from '../../../lambda/monitoring/observations';
import { monthObservations } from './generated-months';

/**
 * Issue 24 (6), "reports tell the truth": exact counts, missing values counted before the
 * source's filter, a warning where a sample is too small for its test, the same panels for every
 * model.
 */

const now = new Date('2026-11-28T18:00:00Z');
const models = join(__dirname, '..', '..', '..', 'models');
const shippedReference = (): ReferenceProfile =>
  mergeProfiles(
    ['reference-profile.json', 'cost/reference-profile.json'].map((file) => parseReferenceProfile(JSON.parse(readFileSync(join(models, file), 'utf8')))),
  );

/** The first `n` rows of a chunk. */
function head(chunk: ObservationChunk, n: number): ObservationChunk {
  const cut = <T extends Float64Array | readonly (string | null)[]>(column: T) => column.slice(0, n) as T;
  const mapValues = <V extends Float64Array | readonly (string | null)[]>(record: Readonly<Record<string, V>> | undefined) =>
    record && Object.fromEntries(Object.entries(record).map(([k, v]) => [k, cut(v)]));
  return {
    length: n,
    inputs: mapValues(chunk.inputs) ?? {},
    ...(chunk.time ? { time: chunk.time.slice(0, n) } : {}),
    ...(chunk.actuals ? { actuals: mapValues(chunk.actuals) } : {}),
  };
}

describe('counts in the report', () => {
  it('are exact: 109,582 joined rows read 109,582, never a rounded 109600', async () => {
    const n = 109_582;
    const distance = Float64Array.from({ length: n }, (_, i) => (i % 50) / 3);
    const current: ObservationChunk = {
      length: n,
      inputs: { trip_distance: distance },
      predictions: { duration: distance.map((d) => 5 + 3 * d) },
      actuals: { duration: distance.map((d) => 6 + 3 * d) },
    };
    const reference = await buildProfile([{ length: 500, inputs: { trip_distance: distance.slice(0, 500) } }], { source: 'reference' });

    const { summary, html } = await runMonitor({ reference, current: [current], now });

    expect(summary.quality.duration?.rows_joined).toBe(109_582);
    expect(html).toContain('data-field="rows_joined" data-value="109582">109,582<');
    expect(html).toContain('109,582 rows');
    expect(html).not.toMatch(/109[.,]?6\s*k|109600|1\.096e\+5/);
  });
});

describe('missing values', () => {
  it('are counted over every row the source read, rows its filter left out included', async () => {
    const kept: ObservationChunk = { length: 3, inputs: { PULocationID: Float64Array.of(1, 2, 3), trip_distance: Float64Array.of(1, 2, 3) } };
    // Two rows the filter dropped: one without a zone, one with a zone but an out-of-range duration.
    const chunk = {
      ...kept,
      excluded: { length: 2, inputs: { PULocationID: Float64Array.of(Number.NaN, 4), trip_distance: Float64Array.of(2, Number.POSITIVE_INFINITY) } },
    };

    const profile = await buildProfile([chunk], { source: 'a month' });
    const { summary } = await runMonitor({ reference: profile, current: profile, now });

    expect(profile).toMatchObject({ rows: 3, rows_excluded: 2 });
    expect(profile.features.PULocationID).toMatchObject({ count: 3, missing: 1, invalid: 0, excluded: 1 });
    expect(profile.features.trip_distance).toMatchObject({ count: 3, missing: 0, invalid: 1, excluded: 1 });
    expect(summary.missing.PULocationID).toMatchObject({ current_missing_share: 1 / 5, current_invalid_share: 0 });
    expect(summary.missing.trip_distance).toMatchObject({ current_missing_share: 0, current_invalid_share: 1 / 5 });
    // The dropped rows never enter a distribution: the drift test compares the three kept values.
    expect(summary.features.PULocationID?.current_values).toBe(3);
  });
});

describe('a sample too small for its test', () => {
  const reference = monthObservations({ year: 2021, month: 1, rows: 40_000 });

  it('warns on each verdict 101 captured rows cannot support, in the summary and the report', async () => {
    const { summary, html } = await runMonitor({ reference: [reference], current: [head(monthObservations({ year: 2021, month: 2, rows: 2_000 }), 101)], now });

    expect(summary.features.PULocationID?.sample_warning).toMatch(
      /^the current side has 101 values over \d+ categories: sampling noise alone gives a Jensen–Shannon distance of about 0\.\d\d \(threshold 0\.1\)$/,
    );
    expect(summary.features.trip_distance?.sample_warning).toMatch(
      /^the current side has 101 values: sampling noise alone gives a normed Wasserstein distance of about 0\.08 \(threshold 0\.1\)$/,
    );
    expect(summary.sample_warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^input PULocationID: /),
        expect.stringMatching(/^input DOLocationID: /),
        expect.stringMatching(/^input trip_distance: /),
      ]),
    );
    expect(html).toContain('Too small a sample for some verdicts');
    expect(html).toContain('⚠ too small');
  });

  it('warns a K-S verdict on fewer than 30 values and a chi-squared one under 5 expected values per category', async () => {
    const numbers = (values: number[]) => buildProfile([{ length: values.length, inputs: { x: Float64Array.from(values) } }], { source: 's' });
    const zones = (values: number[]) => buildProfile([{ length: values.length, inputs: { PULocationID: Float64Array.from(values) } }], { source: 's' });
    const small = columnDrift(
      (await numbers(Array.from({ length: 200 }, (_, i) => i % 17))).features.x as never,
      (await numbers(Array.from({ length: 20 }, (_, i) => i % 17))).features.x as never,
    );
    const sparse = columnDrift(
      (await zones(Array.from({ length: 500 }, (_, i) => 1 + (i % 10)))).features.PULocationID as never,
      (await zones(Array.from({ length: 40 }, (_, i) => 1 + (i % 10)))).features.PULocationID as never,
    );

    expect(small).toMatchObject({ method: 'ks', sample_warning: 'the current side has 20 values; K-S needs 30 to detect any but a gross shift' });
    expect(sparse).toMatchObject({
      method: 'chisquare',
      sample_warning: 'the current side has 40 values over 10 categories; chi-squared wants 5 per category (50)',
    });
  });

  it('gives no warning for a month of 40,000 rows', async () => {
    const { summary } = await runMonitor({ reference: [reference], current: [monthObservations({ year: 2021, month: 2, rows: 40_000 })], now });

    expect(summary.sample_warnings).toEqual([]);
  });

  it('rests on noise estimates that match what two samples of one month score (within a factor of two)', async () => {
    const full = await buildProfile([reference], { source: 'reference' });
    for (const n of [300, 2_000]) {
      const sample = await buildProfile([head(monthObservations({ year: 2021, month: 1, rows: 3 * n, seed: 7 }), n)], { source: 'sample' });
      const zones = columnDrift(full.features.PULocationID as never, sample.features.PULocationID as never);
      const distance = columnDrift(full.features.trip_distance as never, sample.features.trip_distance as never);
      const estimate = (warning: string | undefined) => Number(/about (\d\.\d\d)/.exec(warning ?? '')?.[1]);
      // Warned only while the noise is at least half the threshold; the estimate itself is checked where given.
      if (zones.sample_warning) expect(zones.score as number).toBeGreaterThan(estimate(zones.sample_warning) / 2);
      if (zones.sample_warning) expect(zones.score as number).toBeLessThan(estimate(zones.sample_warning) * 2);
      if (distance.sample_warning) expect(distance.score as number).toBeLessThan(estimate(distance.sample_warning) * 2);
      expect(zones.sample_warning).toBeDefined();
    }
  });
});

describe('every model', () => {
  it('gets a prediction panel and a quality panel, each saying why when a side lacks what it needs', async () => {
    const month = monthObservations({ year: 2021, month: 2, rows: 5_000 });

    const { summary, html } = await runMonitor({ reference: shippedReference(), current: [month], now });

    expect(summary.models).toEqual(['duration', 'cost']);
    expect(summary.predictions.cost).toMatchObject({
      method: null,
      method_title: 'not tested: the current data has no predictions of cost',
      reference_mean: expect.any(Number),
    });
    for (const model of ['duration', 'cost']) {
      expect(html).toContain(`<section id="predictions-${model}">`);
      expect(html).toContain(`<section id="quality-${model}">`);
    }
    expect(html).toMatch(
      /Quality of cost is not measured: the current data has no row with both its prediction and an actual\. The reference gives its training RMSE 4\.175, validation RMSE 5\.491\./,
    );
  });

  it("compares the cost model's predictions and quality against its own reference when both sides have them", async () => {
    const month = monthObservations({ year: 2021, month: 2, rows: 5_000 });
    const current = {
      ...month,
      predictions: { duration: month.actuals?.duration as Float64Array, cost: (month.actuals?.duration as Float64Array).map((m) => 3 + m) },
      actuals: { ...month.actuals, cost: (month.actuals?.duration as Float64Array).map((m) => 4 + m) },
    };

    const { summary, html } = await runMonitor({ reference: shippedReference(), current: [current], now });

    expect(summary.predictions.cost).toMatchObject({ method: 'wasserstein' });
    expect(summary.quality.cost).toMatchObject({ train_rmse: 4.1746, bias: -1, by_version: [{ version: 'unknown', rmse: 1 }] });
    expect(html).toMatch(/<section id="quality-cost">[\s\S]*?<svg/);
  });
});
