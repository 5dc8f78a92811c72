import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toCaptureLine, type CaptureRecord } from '../../../lambda/observability/capture/capture-record';
import { classifyTrip } from '../../../lambda/rides/trips';
import { runMonitorCli } from '../../../lambda/local/monitor-cli';
import type { MonitorSummary } from '../../../lambda/monitoring';
import { syntheticMonth, writeTripCsv, writeTripParquet } from '../../../lambda/local/synthetic';
import { readParquet, scratchDirectory } from '../../support/trip-fixtures';
import { LAUNCHER } from '../../support/local-programs';

const dir = scratchDirectory();
afterAll(() => dir.remove());
const now = new Date('2026-11-28T18:00:00Z');
const jan = join(dir.path, 'green_tripdata_2021-01.parquet');
const febDrift = join(dir.path, 'green_tripdata_2021-02.csv');
const feb = join(dir.path, 'green_tripdata_2021-02.parquet');

async function monitor(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runMonitorCli(argv, { stdout: { write: (s: string) => out.push(s) > 0 }, stderr: { write: (s: string) => err.push(s) > 0 }, now });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

const summaryIn = (out: string) => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as MonitorSummary;

beforeAll(async () => {
  await writeTripParquet(jan, syntheticMonth({ year: 2021, month: 1, rows: 6_000 }), { taxiType: 'green', rowGroupSize: 2_500 });
  await writeTripParquet(feb, syntheticMonth({ year: 2021, month: 2, rows: 6_000 }), { taxiType: 'green' });
  writeTripCsv(febDrift, syntheticMonth({ year: 2021, month: 2, rows: 6_000, drift: { distance: 1.5, zones: 0.6 } }), 'green');
});

describe('npm run monitor', () => {
  it('compares a parquet month with a drifted CSV month, writing summary.json and an HTML report with SVG charts', async () => {
    const out = join(dir.path, 'drift-report');
    const run = await monitor('--reference', jan, '--current', febDrift, '--out', out);
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toContain('dataset drift: YES');
    const summary = summaryIn(out);
    expect(summary.dataset_drift).toBe(true);
    expect(summary.features.trip_distance).toMatchObject({ drift: true, method: 'wasserstein', threshold: 0.1 });
    expect(summary.features.PULocationID).toMatchObject({ drift: true, method: 'jensenshannon' });
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(5);
    expect(html).toContain('mark-rect');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('writes a profile that, compared with the file it came from, shows no drift at all', async () => {
    const profile = join(dir.path, 'reference-profile.json');
    expect((await monitor('profile', jan, profile)).status).toBe(0);
    const out = join(dir.path, 'self-report');
    expect((await monitor('--reference', profile, '--current', jan, '--out', out)).status).toBe(0);
    const summary = summaryIn(out);
    expect(summary.dataset_drift).toBe(false);
    for (const feature of Object.values(summary.features)) expect(feature.score).toBeCloseTo(0, 12);
  });

  it('reads a batch output: quality per day from its actual and predicted durations', async () => {
    const scored = join(dir.path, 'scored', 'feb.parquet');
    const env = { ...process.env, MODEL_LOCATION: '', MODEL_VERSION: '', RUN_ID: '', MODELS: '' };
    const batch = spawnSync(process.execPath, [LAUNCHER, 'batch', feb, scored], { encoding: 'utf8', env, cwd: resolve(__dirname, '..', '..', '..') });
    expect(batch.status).toBe(0);
    const out = join(dir.path, 'batch-report');
    expect((await monitor('--reference', jan, '--current', scored, '--out', out)).status).toBe(0);
    const quality = summaryIn(out).quality.duration!;
    const { rows, columns } = await readParquet(scored);
    const inputs = ['PULocationID', 'DOLocationID', 'trip_distance'];
    expect(summaryIn(out).features_not_compared).toEqual(inputs.filter((name) => !columns.some((c) => c.name === name)));
    const errors = rows.map((r) => Number(r.predicted_duration) - Number(r.actual_duration));
    expect(quality.rows_joined).toBe(rows.length);
    expect(quality.rmse).toBeCloseTo(Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length), 9);
    expect(quality.by_day.length).toBe(28);
    expect(quality.by_version).toEqual([expect.objectContaining({ version: 'unknown', rows: rows.length })]);
    expect(summaryIn(out).features.PULocationID?.method).toBe('jensenshannon');
  });

  it('reads a capture directory (JSON lines under dt=/hour=) as the current side', async () => {
    const capture = join(dir.path, 'capture', 'dt=2026-11-23', 'hour=10');
    mkdirSync(capture, { recursive: true });
    // Rides as the batch filter keeps them (1–60 minutes), the population the reference file yields.
    const kept = [...syntheticMonth({ year: 2021, month: 3, rows: 2_000 })].filter((trip) => classifyTrip(trip).kind === 'kept').slice(0, 1_500);
    const records: CaptureRecord[] = kept.map((trip, i) => ({
      time: new Date(Date.UTC(2026, 10, 23, 10, 0, i)).toISOString(),
      source: 'http',
      id: `r${i}`,
      inputs: { PULocationID: trip.PULocationID ?? 1, DOLocationID: trip.DOLocationID ?? 1, trip_distance: trip.trip_distance ?? 1 },
      outputs: { duration: { output: 12, version: 'v1' } },
    }));
    writeFileSync(join(capture, 'capture-1.jsonl'), records.map(toCaptureLine).join('') + '{"partial":');
    const out = join(dir.path, 'capture-report');
    const run = await monitor('--reference', jan, '--current', join(dir.path, 'capture'), '--out', out);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('1 capture lines were not records');
    const summary = summaryIn(out);
    expect(summary.current.rows).toBe(1_500);
    expect(summary.features.trip_distance?.drift).toBe(false);
  });

  it('exits 1 naming the code for a source that is none of the kinds', async () => {
    const bogus = join(dir.path, 'empty-dir');
    mkdirSync(bogus);
    const run = await monitor('--reference', bogus, '--current', jan, '--out', join(dir.path, 'x'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('monitor failed [INVALID_MONITOR_SOURCE]');
  });

  it('exits 2 with one line for missing arguments and an unknown option', async () => {
    expect(await monitor('--reference', jan)).toEqual({
      status: 2,
      stdout: '',
      stderr: 'npm run monitor: --reference and --current are required (see `npm run monitor -- --help`)\n',
    });
    const unknown = await monitor('--reference', jan, '--current', jan, '--colour');
    expect(unknown).toMatchObject({ status: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/^npm run monitor: Unknown option '--colour'.*\(see `npm run monitor -- --help`\)\n$/);
  });
});
