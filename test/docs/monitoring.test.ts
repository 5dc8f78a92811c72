import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { npmExamples, withoutTimings, type NpmExample } from '../support/doc-examples';
import { ROOT, runNpm, type ProgramResult } from '../support/local-programs';
import { scratchDirectory } from '../support/trip-fixtures';
import type { MonitorSummary } from '../../lambda/monitoring';

/**
 * docs/monitoring.md's local flow, run as a reader runs it (the shipped programs through npm),
 * with its `data/` and `output/` paths moved into a scratch directory: each line the document
 * shows under a command must be a line of that command's output (timings aside).
 */
const DOC = readFileSync(join(ROOT, 'docs', 'monitoring.md'), 'utf8');
const examples = npmExamples(DOC);
const scratch = scratchDirectory();
afterAll(() => scratch.remove());

const moved = (text: string) => text.replace(/(^|=)(data|output)\//g, `$1${scratch.path}/$2/`);
const shownPath = (text: string) => text.replaceAll(`${scratch.path}/`, '');

const results: ProgramResult[] = [];
beforeAll(async () => {
  mkdirSync(join(scratch.path, 'data'), { recursive: true });
  mkdirSync(join(scratch.path, 'output'), { recursive: true });
  for (const example of examples) {
    const env = Object.fromEntries(Object.entries(example.env).map(([name, value]) => [name, moved(value)]));
    results.push(await runNpm(example.script, example.args.map(moved), env));
  }
});

describe('docs/monitoring.md', () => {
  it('shows the four commands of the local flow: generate, score with capture, write the truth, join and report', () => {
    expect(examples.map((e) => `${e.script} ${e.args[0]}`)).toEqual(['batch generate', 'batch data/green_tripdata_2021-02.parquet', 'monitor actuals', 'monitor --reference']);
  });

  it.each(examples.map((example, i) => [example.line, example, i] as const))('line %i: the command succeeds and prints every line shown under it', (_, example: NpmExample, i: number) => {
    const result = results[i] as ProgramResult;
    const printed = `${result.stdout}`.split('\n').map((line) => withoutTimings(shownPath(line)));

    expect({ status: result.status, stderr: result.stderr.split('\n').filter((l) => /failed|Error/.test(l)) }).toEqual({ status: 0, stderr: [] });
    for (const line of example.shown) expect(printed).toContain(withoutTimings(line));
  });

  it("writes a report whose quality joins the capture to the truth by ride id, and counts the month's null zones as missing", async () => {
    const summary = JSON.parse(readFileSync(join(scratch.path, 'output', 'report-actuals', 'summary.json'), 'utf8')) as MonitorSummary;
    expect(summary.quality.duration).toMatchObject({ rows_joined: 2_000, unmatched: { captured_without_actual: 0, actuals_without_capture: 151_441 }, by_version: [{ version: '54c7ff65d8e2', rows: 2_000 }] });
    expect(summary.ground_truth).toMatchObject({ actuals_rows: 153_441, captured_without_ride_id: 0 });
    expect(readFileSync(join(scratch.path, 'output', 'report-actuals', 'report.html'), 'utf8')).toMatch(/<section id="quality-cost">[\s\S]*?RMSE per day by model version[\s\S]*?<\/section>/);

    const trip = await runNpm('monitor', ['--reference', 'models/', '--current', join(scratch.path, 'data', 'green_tripdata_2021-02.parquet'), '--out', join(scratch.path, 'output', 'report-trips')]);
    expect(trip.status).toBe(0);
    const missing = (JSON.parse(readFileSync(join(scratch.path, 'output', 'report-trips', 'summary.json'), 'utf8')) as MonitorSummary).missing;
    // The batch line above: null_zone 1,344 of the 200,000 rows read (a null pickup or drop-off zone each).
    expect(Math.round(((missing.PULocationID?.current_missing_share ?? 0) + (missing.DOLocationID?.current_missing_share ?? 0)) * 200_000)).toBe(1_344);
  });
});
