/**
 * `npm run batch`: score a month of TLC trips on this machine, or make a synthetic month.
 *
 *   npm run batch -- <input> <output> [--taxi-type green|yellow] [--month YYYY-MM] [--run-id ID] [--json]
 *   npm run batch -- --taxi-type green --month 2021-02          # BATCH_INPUT/OUTPUT_TEMPLATE
 *   npm run batch -- generate <green|yellow> <YYYY-MM> <rows> <output> [--null-rate 0.01] [--row-group-size N] [--codec SNAPPY|GZIP|BROTLI|UNCOMPRESSED]
 *                                     [--drift distance=1.3,zones=0.5,hours=night] [--seed N]
 *
 * Inputs and outputs are paths or s3:// URIs; a name ending in .csv means CSV, anything else
 * parquet. A progress bar goes to stderr on a terminal; the summary to stdout.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index';
import { isPredictError } from '../serving/errors';
import { ModelSetCache, loadServedModel } from '../repository';
import { SERVICE_NAME, createS3Client } from '../services';
import type { Capture } from '../observability/capture';
import { BatchJobError } from '../protocols/batch/errors';
import { parseBatchRequest, resolveBatchJob } from '../protocols/batch/job';
import { preloadParquetModules } from '../protocols/batch/trip-files/parquet-modules';
import { runBatchJob, type BatchSummary } from '../protocols/batch/run-batch';
import { formatOf, parseDataLocation } from '../protocols/batch/locations';
import { createProgressBar } from './progress-bar';
import type { ModelSet } from '../model/model-set';
import { DriftSpecError, parseDrift, syntheticMonth, writeTripCsv, writeTripParquet, type TripDrift } from './synthetic';

const USAGE = `usage:
  npm run batch -- <input> <output> [--taxi-type green|yellow] [--month YYYY-MM] [--run-id ID] [--json]
  npm run batch -- --taxi-type green --month 2021-02 [--run-id ID]     (BATCH_INPUT_TEMPLATE / BATCH_OUTPUT_TEMPLATE)
  npm run batch -- generate <green|yellow> <YYYY-MM> <rows> <output> [--null-rate R] [--row-group-size N] [--codec C]
                   [--drift distance=S,zones=Z,hours=tlc|flat|night|rush] [--seed N]`;

/** What one CLI run talks to; tests run the CLI in-process with their own. */
export interface BatchCliIo {
  env: NodeJS.ProcessEnv;
  stdout: Pick<NodeJS.WriteStream, 'write'>;
  stderr: NodeJS.WriteStream | Pick<NodeJS.WriteStream, 'write'>;
  /** the loaded models, when the caller has them (tests); otherwise loaded from the environment's config */
  models?: ModelSet;
}

/**
 * Runs `npm run batch -- …` and resolves to the exit code: 0, or 1 after printing
 * `batch failed [CODE]: message` (every failure has a code; a system error without one of ours
 * is shown with the system's, e.g. `[ENOSPC]`).
 */
export async function runBatchCli(argv: string[], io: BatchCliIo): Promise<number> {
  try {
    await main(argv, io);
    return 0;
  } catch (error) {
    io.stderr.write(`batch failed [${failureCode(error)}]: ${(error as Error).message}\n`);
    return 1;
  }
}

function failureCode(error: unknown): string {
  if (isPredictError(error)) return error.code;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : 'UNEXPECTED';
}

async function main(argv: string[], io: BatchCliIo): Promise<void> {
  if (argv[0] === 'generate') return generate(argv.slice(1), io);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'taxi-type': { type: 'string' }, month: { type: 'string' }, 'run-id': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help || (positionals.length !== 2 && positionals.length !== 0)) throw new BatchJobError(USAGE);
  const config = loadBatchConfig(io.env);
  const s3 = createS3Client(config);
  const [set] = await Promise.all([io.models ?? new ModelSetCache(config.models, (spec) => loadServedModel(spec, s3)).get(), preloadParquetModules()]);
  const month = values.month === undefined ? undefined : parseMonth(values.month);
  const [input, output] = positionals;
  const request = parseBatchRequest({
    ...(input !== undefined && output !== undefined ? { input, output } : {}),
    ...(values['taxi-type'] !== undefined ? { taxi_type: values['taxi-type'] } : {}),
    ...month,
    ...(values['run-id'] !== undefined ? { run_id: values['run-id'] } : {}),
  });
  const { inputTemplate, outputTemplate, scheduledTaxiType, chunkRows, maxLineChars, maxPageValues } = config.batch;
  const job = resolveBatchJob(request, { templates: { input: inputTemplate, output: outputTemplate }, scheduledTaxiType, runId: set.require(set.primary).version });
  const progress = createProgressBar(io.stderr as NodeJS.WriteStream);
  const capture = startCapture(config);
  try {
    const summary = await runBatchJob(job, set, {
      s3,
      chunkRows,
      maxLineChars,
      maxPageValues,
      onProgress: progress.update,
      onStaleStagingRemoved: (paths) => io.stderr.write(`removed ${describeCount(paths.length, 'staging file')} a stopped run left: ${paths.join(', ')}\n`),
      ...(capture ? { onPredictions: capture.observe } : {}),
    });
    progress.done();
    io.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : describeSummary(summary));
  } finally {
    progress.done();
    // The run's sampled rows are written before the CLI exits (bounded wait).
    await capture?.close(10_000);
    s3.destroy();
  }
}

/** CAPTURE_LOCATION set: the batch run's sampled rows are captured too (loaded only then). */
function startCapture(config: ReturnType<typeof loadConfig>): Capture | undefined {
  if (!config.capture.location) return undefined;
  /* eslint-disable @typescript-eslint/no-require-imports -- required only when capture is on */
  const { createCapture } = require('../observability/capture') as typeof import('../observability/capture');
  const { createServiceLogger } = require('../observability/service-logger') as typeof import('../observability/service-logger');
  const { Metrics } = require('@aws-lambda-powertools/metrics') as typeof import('@aws-lambda-powertools/metrics');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return createCapture(config.capture, { logger: createServiceLogger({ serviceName: SERVICE_NAME }), metrics: new Metrics({ namespace: config.metricsNamespace, serviceName: SERVICE_NAME }) });
}

function describeCount(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function describeSummary(s: BatchSummary): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const skipped = Object.entries(s.rows_skipped)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${reason} ${n(count)}`)
    .join(', ');
  return [
    `scored ${s.input} → ${s.output}`,
    `  rows read ${n(s.rows_read)}, kept ${n(s.rows_kept)}, scored ${n(s.rows_scored)}`,
    `  skipped ${n(s.rows_read - s.rows_kept)}${skipped ? ` (${skipped})` : ''}`,
    `  ${n(s.rows_per_second)} rows/s in ${s.seconds} s; model ${s.model_version}, run ${s.run_id}, ${s.taxi_type} ${s.year}-${String(s.month).padStart(2, '0')}`,
    '',
  ].join('\n');
}

async function generate(argv: string[], io: BatchCliIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'null-rate': { type: 'string', default: '0.01' },
      'row-group-size': { type: 'string' },
      codec: { type: 'string', default: 'SNAPPY' },
      drift: { type: 'string', default: '' },
      seed: { type: 'string' },
    },
  });
  const [taxiType, monthText, rowsText, output] = positionals;
  if ((taxiType !== 'green' && taxiType !== 'yellow') || monthText === undefined || rowsText === undefined || output === undefined || positionals.length !== 4) {
    throw new BatchJobError(USAGE);
  }
  const codec = values.codec;
  if (codec !== 'SNAPPY' && codec !== 'GZIP' && codec !== 'BROTLI' && codec !== 'UNCOMPRESSED') throw new BatchJobError(`--codec must be SNAPPY, GZIP, BROTLI or UNCOMPRESSED, not ${codec}`);
  const location = parseDataLocation(output);
  if (location.kind !== 'file') throw new BatchJobError('generate writes a local file; upload it with your S3 tool of choice');
  mkdirSync(dirname(location.path) || '.', { recursive: true });
  const drift = driftOf(values.drift);
  const seed = values.seed === undefined ? undefined : positiveInt(values.seed, '--seed');
  const rows = syntheticMonth({ ...parseMonth(monthText), rows: positiveInt(rowsText, 'rows'), nullRate: Number(values['null-rate']), taxiType, drift, ...(seed === undefined ? {} : { seed }) });
  const started = performance.now();
  const count =
    formatOf(location) === 'csv'
      ? writeTripCsv(location.path, rows, taxiType)
      : await writeTripParquet(location.path, rows, { taxiType, codec, ...(values['row-group-size'] ? { rowGroupSize: positiveInt(values['row-group-size'], '--row-group-size') } : {}) });
  const drifted = values.drift.trim() === '' ? '' : ` (drift distance=${drift.distance}, zones=${drift.zones}, hours=${drift.hours})`;
  io.stdout.write(`wrote ${count.toLocaleString('en-US')} synthetic ${taxiType} trips for ${monthText}${drifted} to ${output} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

/** `--drift` as the generator's drift knob; a bad spec is a usage error naming the knob. */
function driftOf(text: string): TripDrift {
  try {
    return parseDrift(text);
  } catch (error) {
    if (error instanceof DriftSpecError) throw new BatchJobError(error.message);
    throw error;
  }
}

function parseMonth(text: string): { year: number; month: number } {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  if (!match) throw new BatchJobError(`expected a month as YYYY-MM, got '${text}'`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

function positiveInt(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new BatchJobError(`${what} must be a positive integer, got '${text}'`);
  return value;
}

/** The environment as config, a bad setting reported as a coded job error. */
function loadBatchConfig(env: NodeJS.ProcessEnv): ReturnType<typeof loadConfig> {
  try {
    return loadConfig(env);
  } catch (error) {
    throw new BatchJobError((error as Error).message, { cause: error });
  }
}
