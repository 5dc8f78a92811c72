/**
 * Opens a monitoring report in a real headless browser (Debian's chromium via playwright-core):
 *
 *   npm run report:check                  # builds the two demo reports (drift; quality over time), checks both
 *   npm run report:check -- <dir>         # checks <dir>/report.html against <dir>/summary.json
 *   npm run report:screenshot             # same reports, saves docs/monitor-report.png and docs/monitor-quality.png
 *
 * Checks: every chart is a non-empty SVG with marks, and every figure the page shows with a
 * data-* attribute equals summary.json. Needs /usr/bin/chromium (`apt-get install chromium`),
 * which is why it is a script and not part of `npm test` (CHROMIUM_PATH overrides the path).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import {
  joinActuals,
  mergeProfiles,
  observationsFromCapture,
  parseReferenceProfile,
  runMonitor,
  ActualsTableBuilder,
  type MonitorSummary,
} from '../../lambda/monitoring';
import type { CaptureRecord } from '../../lambda/observability/capture/capture-record';
import { generateTrips } from '../../lambda/local/synthetic';
import { classifyTrip } from '../../lambda/rides/trips';
import { loadServedModel, parseModelLocation } from '../../lambda/repository';
import { servedModel } from '../support/fixtures';
import { profileText, train } from '../../models/training/train';
import { simpleStatistics } from '../../lambda/monitoring/simple-statistics';
import { monthObservations } from '../unit/monitoring/generated-months';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = resolve(__dirname, '..', '..', 'docs', 'monitor-report.png');
const QUALITY_SCREENSHOT = resolve(__dirname, '..', '..', 'docs', 'monitor-quality.png');
const MODELS = resolve(__dirname, '..', '..', 'models');

interface PageFigure {
  kind: string;
  name: string;
  field: string;
  value: string;
  /** a model version's row of a quality table */
  version?: string;
}

/** Writes a report of January (reference) against a drifted February with actuals and predictions. */
async function buildDemoReport(dir: string): Promise<void> {
  const january = monthObservations({ year: 2021, month: 1, rows: 30_000 });
  const february = monthObservations({ year: 2021, month: 2, rows: 30_000, drift: { distance: 1.3, zones: 0.5, hours: 'rush' } });
  // A stand-in model so the report shows prediction drift and error: duration linear in distance,
  // fitted on January's trips of 1-60 minutes (the course's filter).
  const distances = january.inputs.trip_distance as Float64Array;
  const durations = january.actuals?.duration as Float64Array;
  const pairs = Array.from(distances, (d, i) => [d, durations[i] as number]).filter(([, m]) => (m as number) >= 1 && (m as number) <= 60);
  const { m, b } = simpleStatistics.linearRegression(pairs);
  const withPredictions = (chunk: typeof january) => ({
    ...chunk,
    predictions: { duration: (chunk.inputs.trip_distance as Float64Array).map((d) => b + m * d) },
  });
  const reference = withPredictions(january);
  const current = withPredictions(february);
  const { summary, html } = await runMonitor({
    reference: [reference],
    current: [current],
    referenceLabel: 'synthetic green 2021-01',
    currentLabel: 'synthetic green 2021-02, drift distance=1.3, zones=0.5, hours=rush',
    title: 'Ride model monitoring: 2021-02 against 2021-01',
    now: new Date('2026-11-28T18:00:00Z'),
  });
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(dir, 'report.html'), html);
}

/**
 * Four weeks of captured `duration` predictions joined to their ground truth, as the monitor sees
 * them in production (simulated: the local programs can only capture at the time they run):
 * February's rides with their pickup times as prediction times; from the 15th the city drifts
 * (longer trips at rush hours), and from the 20th a canary — a model retrained on 5,000 rides —
 * takes a tenth of the rides. 3 % of the rides never get their truth reported.
 */
async function buildQualityReport(dir: string): Promise<void> {
  const served = await loadServedModel({ name: 'duration', location: parseModelLocation(join(MODELS, 'model.onnx')) });
  const retrained = (await train({ train: [{ kind: 'synthetic', year: 2021, month: 1 }], validate: { kind: 'synthetic', year: 2021, month: 2 }, rows: 5_000 }))
    .duration;
  const canary = await servedModel('duration', retrained.bytes, retrained.version);
  const early = [...generateTrips({ year: 2021, month: 2, rows: 30_000 })].filter((t) => t.pickup_datetime.getUTCDate() < 15);
  const late = [...generateTrips({ year: 2021, month: 2, rows: 30_000, seed: 7, drift: { distance: 1.2, hours: 'rush' } })].filter(
    (t) => t.pickup_datetime.getUTCDate() >= 15,
  );
  const rides = [...early, ...late].flatMap((trip, i) => {
    const kept = classifyTrip({ ...trip, pickup: trip.pickup_datetime, dropoff: trip.dropoff_datetime });
    return kept.kind === 'kept' ? [{ id: String(100_000 + i), time: trip.pickup_datetime, ride: kept.ride, duration: kept.duration }] : [];
  });
  const onCanary = (r: (typeof rides)[number]) => r.time.getUTCDate() >= 20 && (createHash('sha256').update(r.id).digest()[0] as number) < 26;
  const records: CaptureRecord[] = [];
  for (const [model, group] of [
    [served, rides.filter((r) => !onCanary(r))],
    [canary, rides.filter(onCanary)],
  ] as const) {
    const outputs = await model.predict({
      length: group.length,
      columns: {
        PULocationID: Float64Array.from(group, (r) => r.ride.PULocationID),
        DOLocationID: Float64Array.from(group, (r) => r.ride.DOLocationID),
        trip_distance: Float64Array.from(group, (r) => r.ride.trip_distance),
      },
    });
    group.forEach((r, i) =>
      records.push({
        time: r.time.toISOString(),
        source: 'stream',
        id: r.id,
        inputs: { ...r.ride },
        outputs: { duration: { output: outputs[i] as number, version: model.version } },
      }),
    );
  }
  const truth = new ActualsTableBuilder();
  rides.forEach((r, i) => i % 33 !== 0 && truth.add(r.id, { actual_duration: r.duration }));
  const joined = joinActuals(records, truth.finish());
  const reference = mergeProfiles([
    parseReferenceProfile(JSON.parse(readFileSync(join(MODELS, 'reference-profile.json'), 'utf8'))),
    parseReferenceProfile(JSON.parse(readFileSync(join(MODELS, 'cost', 'reference-profile.json'), 'utf8'))),
    parseReferenceProfile(JSON.parse(profileText(retrained.profile))),
  ]);
  const { summary, html } = await runMonitor({
    reference,
    current: observationsFromCapture(joined.records),
    groundTruth: { unmatched: joined.unmatched, counts: joined.counts },
    referenceLabel: reference.source,
    currentLabel: `4 weeks of captured predictions, joined to their ground truth by ride id (${joined.records.length.toLocaleString('en-US')} records)`,
    title: 'Ride model monitoring: quality over time, per model version',
    now: new Date('2026-11-28T18:00:00Z'),
  });
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(dir, 'report.html'), html);
}

/** The expected text of a figure in summary.json, as the page's data-value holds it. */
function expected(summary: MonitorSummary, figure: PageFigure): unknown {
  if (figure.kind === 'summary') return summary[figure.field as 'dataset_drift' | 'drifted_features' | 'drift_share'];
  const table =
    figure.kind === 'missing' ? summary.missing : figure.kind === 'quality' ? summary.quality : summary[figure.kind as 'features' | 'context' | 'predictions'];
  let entry = table[figure.name] as unknown as Record<string, unknown> | undefined;
  // A version's row of a quality table: its entry in by_version.
  if (figure.version !== undefined) entry = (entry?.by_version as Record<string, unknown>[] | undefined)?.find((v) => v.version === figure.version);
  return figure.field.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], entry);
}

async function main(): Promise<void> {
  const [mode, given] = [process.argv[2] ?? 'check', process.argv[3]];
  if (given) return checkReport(resolve(given), mode, undefined);
  const drift = mkdtempSync(join(tmpdir(), 'monitor-report-'));
  await buildDemoReport(drift);
  await checkReport(drift, mode, {
    path: SCREENSHOT,
    hide: '#features-DOLocationID, #context-PU_DO, #context-hour, #missing, #predictions-cost, #quality-cost, .meta { display: none }',
  });
  const quality = mkdtempSync(join(tmpdir(), 'monitor-quality-'));
  await buildQualityReport(quality);
  await checkReport(quality, mode, { path: QUALITY_SCREENSHOT, element: '#quality-duration' });
}

/** Opens `dir`/report.html, checks its charts and figures against summary.json, and in `screenshot` mode saves the picture. */
async function checkReport(dir: string, mode: string, picture: { path: string; hide?: string; element?: string } | undefined): Promise<void> {
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as MonitorSummary;
  const userDataDir = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1040, height: 900 },
  });
  const problems: string[] = [];
  try {
    const page = await browser.newPage();
    // The report is self-contained: any request other than the file itself is a fault.
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) problems.push(`the report fetched ${request.url()}`);
    });
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    const charts = await page.$$eval('.chart svg', (svgs) =>
      svgs.map((svg) => ({
        width: svg.getBoundingClientRect().width,
        marks: svg.querySelectorAll('.mark-rect path, .mark-line path, .mark-symbol path, .mark-rule line').length,
      })),
    );
    if (charts.length === 0) problems.push('no charts');
    charts.forEach((c, i) => {
      if (c.width === 0 || c.marks === 0) problems.push(`chart ${i + 1} is empty (width ${c.width}, ${c.marks} marks)`);
    });
    const figures = await page.$$eval('[data-value]', (cells) =>
      cells.map((cell) => {
        const el = cell as unknown as { dataset: Record<string, string | undefined> };
        const kind = ['summary', 'features', 'context', 'predictions', 'missing', 'quality'].find((k) => el.dataset[k] !== undefined) ?? '?';
        return {
          kind,
          name: el.dataset[kind] ?? '',
          field: el.dataset.field ?? (el.dataset.summary as string),
          value: el.dataset.value ?? '',
          ...(el.dataset.version !== undefined ? { version: el.dataset.version } : {}),
        };
      }),
    );
    for (const figure of figures) {
      const want = expected(summary, figure);
      if (String(want ?? '') !== figure.value && !(want === null && figure.value === 'null'))
        problems.push(`${figure.kind} ${figure.name} ${figure.field}: page shows ${figure.value}, summary.json has ${String(want)}`);
    }
    const verdict = await page.textContent('[data-summary="dataset_drift"]');
    if ((verdict?.includes('No dataset drift') ?? false) === summary.dataset_drift)
      problems.push(`the verdict reads "${verdict}" but dataset_drift is ${summary.dataset_drift}`);
    process.stdout.write(`${charts.length} charts (${charts.reduce((s, c) => s + c.marks, 0)} marks), ${figures.length} figures compared with summary.json\n`);
    if (mode === 'screenshot' && picture) {
      // The docs' pictures: the drift report's verdict, one input of each kind, a prediction and
      // the error chart; the quality report's section for duration (the other sections are
      // hidden in the picture only; the check above covered them all).
      mkdirSync(resolve(picture.path, '..'), { recursive: true });
      if (picture.hide) await page.addStyleTag({ content: picture.hide });
      if (picture.element) await page.locator(picture.element).screenshot({ path: picture.path });
      else await page.screenshot({ path: picture.path, fullPage: true });
      process.stdout.write(`saved ${picture.path}\n`);
    }
  } finally {
    await browser.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  if (problems.length > 0) {
    process.stderr.write(`report check failed:\n  ${problems.join('\n  ')}\n`);
    process.exitCode = 1;
  } else process.stdout.write(`report check passed: ${join(dir, 'report.html')}\n`);
}

void main();
