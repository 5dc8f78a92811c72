import { buildProfile } from '../../../lambda/monitoring/build-profile';
import { columnDrift } from '../../../lambda/monitoring/column-drift';
import { runMonitor } from '../../../lambda/monitoring/run-monitor';
import { chiSquareDriftPValue } from '../../../lambda/monitoring/stattests/chi-square';
import { jensenShannonDrift } from '../../../lambda/monitoring/stattests/jensen-shannon';
import { ksTest } from '../../../lambda/monitoring/stattests/kolmogorov-smirnov';
import { normedWassersteinDistance } from '../../../lambda/monitoring/stattests/wasserstein';
import { monthObservations } from './generated-months';

const ROWS = 40_000;
const now = new Date('2026-11-28T18:00:00Z');

describe('drift on generated months (fixed seeds)', () => {
  const reference = monthObservations({ year: 2021, month: 1, rows: ROWS });

  it('does not flag a month drawn from the same city', async () => {
    const { summary } = await runMonitor({ reference: [reference], current: [monthObservations({ year: 2021, month: 2, rows: ROWS })], now });
    expect(summary.dataset_drift).toBe(false);
    expect(summary.drifted_features).toBe(0);
    expect(summary.features.trip_distance).toMatchObject({ method: 'wasserstein', threshold: 0.1, drift: false });
    expect(summary.features.PULocationID).toMatchObject({ method: 'jensenshannon', threshold: 0.1, drift: false });
    expect(summary.context.hour).toMatchObject({ method: 'jensenshannon', drift: false });
  });

  it('flags the inputs that moved (zone popularity: both zones; an evening rush: the hour) and dataset drift', async () => {
    const current = monthObservations({ year: 2021, month: 2, rows: ROWS, drift: { zones: 0.5, hours: 'rush' } });
    const { summary } = await runMonitor({ reference: [reference], current: [current], now });
    expect(summary.features.PULocationID).toMatchObject({ method: 'jensenshannon', drift: true });
    expect(summary.features.DOLocationID).toMatchObject({ method: 'jensenshannon', drift: true });
    expect(summary.context.hour?.drift).toBe(true);
    expect(summary.drifted_features).toBeGreaterThanOrEqual(2);
    expect(summary.dataset_drift).toBe(true);
  });

  it('flags longer trips alone, and does not call one moved input of three a dataset drift (share 1/3 < 0.5)', async () => {
    const current = monthObservations({ year: 2021, month: 2, rows: ROWS, drift: { distance: 1.4 } });
    const { summary } = await runMonitor({ reference: [reference], current: [current], now });
    expect(summary.features.trip_distance).toMatchObject({ method: 'wasserstein', drift: true });
    expect(summary.features.PULocationID?.drift).toBe(false);
    expect(summary.drifted_features).toBe(1);
    expect(summary.dataset_drift).toBe(false);
  });
});

describe('drift scores on small samples equal a direct computation', () => {
  const sample = (values: number[], zones: number[]) => [
    { length: values.length, inputs: { trip_distance: Float64Array.from(values), PULocationID: Float64Array.from(zones) } },
  ];
  const A = [0.61, 1.2, 1.9, 2.4, 3.3, 3.9, 4.8, 5.1, 6.6, 7.2];
  const B = [2.2, 3.1, 3.4, 4.5, 5.9, 6.1, 7.7, 8.3, 9.0, 9.4, 10.2, 11.5];
  const zonesA = [1, 1, 1, 2, 2, 3, 3, 3, 3, 4];
  const zonesB = [1, 2, 2, 2, 2, 3, 4, 4, 4, 4, 5, 5];

  it('tests a reference of ≤ 1,000 numbers with K-S (p-value) and its zones with chi-squared', async () => {
    const r = await buildProfile(sample(A, zonesA), { source: 'A' });
    const c = await buildProfile(sample(B, zonesB), { source: 'B' });
    const distance = columnDrift(r.features.trip_distance!, c.features.trip_distance!);
    expect(distance).toMatchObject({ method: 'ks', threshold: 0.05, p_value_method: 'exact', drift: false });
    expect(distance.score).toBeCloseTo(ksTest(A, B).pValue, 14);
    expect(distance.score).toBeCloseTo(0.09270296267200293, 12); // scipy ks_2samp(A, B).pvalue
    const counts = (zones: number[]) => new Map([...new Set(zones)].map((z) => [String(z), zones.filter((v) => v === z).length]));
    const zones = columnDrift(r.features.PULocationID!, c.features.PULocationID!);
    expect(zones.method).toBe('chisquare');
    expect(zones.score).toBeCloseTo(chiSquareDriftPValue(counts(zonesA), counts(zonesB)), 14);
    expect(zones.drift).toBe(true); // zone 5 was never in the reference: p = 0
  });

  it('tests a reference of > 1,000 numbers with the normed Wasserstein distance and zones with Jensen–Shannon', async () => {
    const big = (values: number[]) => values.flatMap((v) => Array.from({ length: 101 }, () => v));
    const r = await buildProfile(sample(big(A), big(zonesA)), { source: 'A×101' });
    const c = await buildProfile(sample(big(B), big(zonesB)), { source: 'B×101' });
    const std = r.features.trip_distance!.type === 'numeric' ? r.features.trip_distance!.std! : NaN;
    const distance = columnDrift(r.features.trip_distance!, c.features.trip_distance!);
    expect(distance.method).toBe('wasserstein');
    // Each value repeated 101 times: the same distributions as A and B, so scipy's 1.4530082846997234.
    expect(distance.score).toBeCloseTo(normedWassersteinDistance(A, B, std), 3);
    expect(distance.score).toBeCloseTo(1.4530082846997234, 3);
    const zones = columnDrift(r.features.PULocationID!, c.features.PULocationID!);
    expect(zones.method).toBe('jensenshannon');
    const share = (zs: number[], z: number) => zs.filter((v) => v === z).length;
    expect(zones.score).toBeCloseTo(
      jensenShannonDrift(
        new Map([1, 2, 3, 4, 5].map((z) => [String(z), share(zonesA, z)])),
        new Map([1, 2, 3, 4, 5].map((z) => [String(z), share(zonesB, z)])),
      ),
      12,
    );
  });
});
