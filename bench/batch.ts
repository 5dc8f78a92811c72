/**
 * Batch scoring speed and memory: `npx tsx bench/batch.ts [--rows 200000,3000000] [--dir .tmp/bench-batch]`.
 *
 * For each size it generates a synthetic green month (parquet and CSV, same rows), then runs,
 * each in its own process under /usr/bin/time -v (peak RSS):
 *   - node parquet → parquet   (npm run batch)
 *   - node CSV → CSV           (npm run batch)
 * and prints a markdown table. Rows/s counts input rows over the run's own timer (reading,
 * filtering, predicting and writing; not process start, module or model load).
 *
 * The runs are what `npm run batch` runs: lambda/local/launch.cjs importing the build recipe's
 * bundle (onnxruntime-node external, the shape the Lambda asset runs in), with Node's compile
 * cache on. The parquet output is written by a thread of its own (output/parquet-writer-thread.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { localProgram } from './build';

const ROOT = resolve(__dirname, '..');

interface Measurement {
  runner: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
}

function timed(command: string, args: string[], env?: Record<string, string>): { stdout: string; peakRssMb: number } {
  const run = spawnSync('/usr/bin/time', ['-v', command, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${run.stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
  return { stdout: run.stdout, peakRssMb: Math.round(Number(rss?.[1] ?? 0) / 1024) };
}

function node(...args: string[]) {
  return timed(process.execPath, [localProgram('batch'), ...args]);
}

/**
 * What `npm run batch` runs: the launcher (lambda/local/launch.cjs), which finds the program
 * built by localProgram('batch') fresh and imports it with Node's compile cache on
 * (.build/compile-cache, written by earlier runs).
 */
function launched(...args: string[]) {
  return timed(process.execPath, [join(ROOT, 'lambda', 'local', 'launch.cjs'), 'batch', ...args], { MODEL_LOCATION: join(ROOT, 'models', 'model.onnx') });
}

/** The CLI's last stdout line: its `--json` summary (the run's EMF metrics lines come before it). */
function lastLine(stdout: string): string {
  return stdout.trimEnd().split('\n').at(-1) ?? '';
}

function ensureMonth(dir: string, rows: number, year: number, month: number, extension: string): string {
  const path = join(dir, `green_tripdata_${year}-${String(month).padStart(2, '0')}_${rows}.${extension}`);
  if (!existsSync(path)) node('generate', 'green', `${year}-${String(month).padStart(2, '0')}`, String(rows), path);
  return path;
}

function nodeRun(runner: string, input: string, output: string, rows: number): Measurement {
  localProgram('batch');
  const { stdout, peakRssMb } = launched(input, output, '--month', '2021-02', '--json');
  const summary = JSON.parse(lastLine(stdout)) as { seconds: number; rows_read: number };
  return { runner, rows, seconds: summary.seconds, rowsPerSecond: Math.round(summary.rows_read / summary.seconds), peakRssMb };
}

/**
 * One run of ours for the benchmark suite (`npm run bench`, its batch section): generate `rows`
 * synthetic trips as parquet (once per size), score them with the bundled CLI in a fresh
 * process, and report rows, the run's own seconds and the process's peak RSS.
 */
export async function measureOurBatch(options: {
  rows: number;
  year: number;
  month: number;
  nullRate: number;
  workDir: string;
}): Promise<{ rowsIn: number; rowsScored: number; seconds: number; wallSeconds: number; peakRssBytes: number }> {
  const month = `${options.year}-${String(options.month).padStart(2, '0')}`;
  const input = join(options.workDir, `green_tripdata_${month}_${options.rows}_${options.nullRate}.parquet`);
  if (!existsSync(input)) node('generate', 'green', month, String(options.rows), input, '--null-rate', String(options.nullRate));
  localProgram('batch');
  const started = performance.now();
  const { stdout, peakRssMb } = launched(input, join(options.workDir, `scored-${options.rows}.parquet`), '--month', month, '--json');
  const wallSeconds = (performance.now() - started) / 1000;
  const summary = JSON.parse(lastLine(stdout)) as { seconds: number; rows_read: number; rows_scored: number };
  return { rowsIn: summary.rows_read, rowsScored: summary.rows_scored, seconds: summary.seconds, wallSeconds, peakRssBytes: peakRssMb * 1024 * 1024 };
}

function main(): void {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '200000,3000000' }, dir: { type: 'string', default: join(ROOT, '.tmp', 'bench-batch') } },
  });
  const dir = resolve(values.dir);
  mkdirSync(dir, { recursive: true });
  const sizes = values.rows.split(',').map(Number);
  const results: Measurement[] = [];
  for (const rows of sizes) {
    const parquet = ensureMonth(dir, rows, 2021, 2, 'parquet');
    const csv = ensureMonth(dir, rows, 2021, 2, 'csv');
    results.push(nodeRun('node (hyparquet), parquet → parquet', parquet, join(dir, `scored-${rows}.parquet`), rows));
    results.push(nodeRun('node, CSV → CSV', csv, join(dir, `scored-${rows}.csv`), rows));
  }
  console.log('| runner | rows | seconds | rows/s | peak RSS (MB) |\n|---|---:|---:|---:|---:|');
  for (const r of results)
    console.log(`| ${r.runner} | ${r.rows.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${r.rowsPerSecond.toLocaleString('en-US')} | ${r.peakRssMb} |`);
  console.log("\n(the course's pandas scorer, bench/peers/score.py, is compared in the batch-peer section: `npm run bench -- --only batch-peer`)");
}

// A script when run, a module when the benchmark suite imports measureOurBatch.
if (require.main === module) main();
