/**
 * Opens a monitoring report in a real headless browser (Debian's chromium via playwright-core):
 *
 *   npm run report:check                  # builds a report from two generated months, checks it
 *   npm run report:check -- <dir>         # checks <dir>/report.html against <dir>/summary.json
 *   npm run report:screenshot             # same report, saves docs/monitor-report.png for the README
 *
 * Checks: every chart is a non-empty SVG with marks, and every figure the page shows with a
 * data-* attribute equals summary.json. Needs /usr/bin/chromium (`apt-get install chromium`),
 * which is why it is a script and not part of `npm test` (CHROMIUM_PATH overrides the path).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { runMonitor, type MonitorSummary } from '../../lambda/monitoring';
import { simpleStatistics } from '../../lambda/monitoring/simple-statistics';
import { monthObservations } from '../unit/monitoring/generated-months';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = resolve(__dirname, '..', '..', 'docs', 'monitor-report.png');

interface PageFigure {
  kind: string;
  name: string;
  field: string;
  value: string;
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
  const withPredictions = (chunk: typeof january) => ({ ...chunk, predictions: { duration: (chunk.inputs.trip_distance as Float64Array).map((d) => b + m * d) } });
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

/** The expected text of a figure in summary.json, as the page's data-value holds it. */
function expected(summary: MonitorSummary, figure: PageFigure): unknown {
  if (figure.kind === 'summary') return summary[figure.field as 'dataset_drift' | 'drifted_features' | 'drift_share'];
  const table = figure.kind === 'missing' ? summary.missing : figure.kind === 'quality' ? summary.quality : summary[figure.kind as 'features' | 'context' | 'predictions'];
  return (table[figure.name] as unknown as Record<string, unknown> | undefined)?.[figure.field];
}

async function main(): Promise<void> {
  const [mode, given] = [process.argv[2] ?? 'check', process.argv[3]];
  const dir = given ? resolve(given) : mkdtempSync(join(tmpdir(), 'monitor-report-'));
  if (!given) await buildDemoReport(dir);
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
      svgs.map((svg) => ({ width: svg.getBoundingClientRect().width, marks: svg.querySelectorAll('.mark-rect path, .mark-line path, .mark-symbol path, .mark-rule line').length })),
    );
    if (charts.length === 0) problems.push('no charts');
    charts.forEach((c, i) => {
      if (c.width === 0 || c.marks === 0) problems.push(`chart ${i + 1} is empty (width ${c.width}, ${c.marks} marks)`);
    });
    const figures = await page.$$eval('[data-value]', (cells) =>
      cells.map((cell) => {
        const el = cell as unknown as { dataset: Record<string, string | undefined> };
        const kind = ['summary', 'features', 'context', 'predictions', 'missing', 'quality'].find((k) => el.dataset[k] !== undefined) ?? '?';
        return { kind, name: el.dataset[kind] ?? '', field: el.dataset.field ?? (el.dataset.summary as string), value: el.dataset.value ?? '' };
      }),
    );
    for (const figure of figures) {
      const want = expected(summary, figure);
      if (String(want ?? '') !== figure.value && !(want === null && figure.value === 'null')) problems.push(`${figure.kind} ${figure.name} ${figure.field}: page shows ${figure.value}, summary.json has ${String(want)}`);
    }
    const verdict = await page.textContent('[data-summary="dataset_drift"]');
    if ((verdict?.includes('No dataset drift') ?? false) === summary.dataset_drift) problems.push(`the verdict reads "${verdict}" but dataset_drift is ${summary.dataset_drift}`);
    process.stdout.write(`${charts.length} charts (${charts.reduce((s, c) => s + c.marks, 0)} marks), ${figures.length} figures compared with summary.json\n`);
    if (mode === 'screenshot') {
      // The README picture: the verdict, one input of each kind, a prediction and the error chart
      // (the other sections are hidden in the picture only; the check above covered them all).
      await page.addStyleTag({ content: '#features-DOLocationID, #context-PU_DO, #context-hour, #missing, .meta { display: none }' });
      mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      process.stdout.write(`saved ${SCREENSHOT}\n`);
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
