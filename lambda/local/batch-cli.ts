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
import { DEFAULT_BATCH_INPUT_TEMPLATE, DEFAULT_BATCH_OUTPUT_TEMPLATE, loadConfig } from '../config/index';
import { ConfigError } from '../config/errors';
import { isPredictError } from '../serving/errors';
import { createServiceLogger } from '../observability/service-logger';
import { SERVICE_NAME, createRuntime, type Runtime } from '../services';
import { BatchJobError } from '../protocols/batch/errors';
import { parseBatchRequest, resolveBatchJob } from '../protocols/batch/job';
import { preloadParquetModules } from '../protocols/batch/trip-files/parquet-modules';
import { runBatchJob, type BatchSummary } from '../protocols/batch/run-batch';
import { formatOf } from '../protocols/batch/locations';
import { parseLocation } from '../storage/location';
import { createProgressBar } from './progress-bar';
import { DriftSpecError, parseDrift, syntheticMonth, writeTripCsv, writeTripParquet, type TripDrift } from './synthetic';
import { UsageError, describeFailure, parseCommandLine, wantsHelp } from './cli';

/** `npm run batch -- --help`. */
export const BATCH_USAGE = `Scores a month of TLC trip records (parquet or CSV; a path or an s3:// URI) into a file of
predictions, or writes a synthetic month to try it on. A name ending in .csv means CSV, anything
else parquet.

usage:
  npm run batch -- <input> <output> [--taxi-type green|yellow] [--month YYYY-MM] [--run-id ID] [--json]
  npm run batch -- --taxi-type green|yellow --month YYYY-MM [--run-id ID] [--json]
      input and output from BATCH_INPUT_TEMPLATE and BATCH_OUTPUT_TEMPLATE, by default
      ${DEFAULT_BATCH_INPUT_TEMPLATE} and
      ${DEFAULT_BATCH_OUTPUT_TEMPLATE} ({run_id}: the model version)
  npm run batch -- generate <green|yellow> <YYYY-MM> <rows> <output> [--null-rate R] [--seed N]
      [--row-group-size N] [--codec SNAPPY|GZIP|BROTLI|UNCOMPRESSED] [--drift distance=S,zones=Z,hours=tlc|flat|night|rush]

examples:
  npm run batch -- generate green 2021-02 200000 data/green_tripdata_2021-02.parquet
  npm run batch -- --taxi-type green --month 2021-02
  npm run batch -- data/green_tripdata_2021-02.parquet output/green-2021-02.parquet
`;

/** What one CLI run talks to; tests run the CLI in-process with their own. */
export interface BatchCliIo {
  env: NodeJS.ProcessEnv;
  stdout: Pick<NodeJS.WriteStream, 'write'>;
  stderr: NodeJS.WriteStream | Pick<NodeJS.WriteStream, 'write'>;
  /** the process's services, when the caller has them (tests run many jobs in one process); otherwise built from the environment */
  services?: Runtime;
}

/**
 * Runs `npm run batch -- …` and resolves to the exit code: 0 (also for `--help`, which prints
 * {@link BATCH_USAGE}); 2 after one line for a mistake in the arguments or the environment; or 1
 * after printing `batch failed [CODE]: message` (every failure has a code; a system error without
 * one of ours is shown with the system's, e.g. `[ENOSPC]`).
 */
export async function runBatchCli(argv: string[], io: BatchCliIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout.write(BATCH_USAGE);
    return 0;
  }
  try {
    await main(argv, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      const { line, status } = describeFailure('npm run batch', 'npm run batch -- --help', error);
      io.stderr.write(`${line}\n`);
      return status;
    }
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
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: { 'taxi-type': { type: 'string' }, month: { type: 'string' }, 'run-id': { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 2 && positionals.length !== 0)
    throw new UsageError(`expected an input and an output, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}`);
  if (positionals.length === 0 && (values['taxi-type'] === undefined || values.month === undefined)) {
    throw new UsageError('give an input and an output file, or a month with --taxi-type green|yellow and --month YYYY-MM');
  }
  const config = loadConfig(io.env);
  // The same services as the Lambda function and npm start: models, capture, shadows, metrics, the dataplane.
  // Logs at WARN unless POWERTOOLS_LOG_LEVEL says otherwise: the CLI prints its own summary.
  const services =
    io.services ??
    createRuntime(config, {
      logger: createServiceLogger({ serviceName: SERVICE_NAME, ...(io.env.POWERTOOLS_LOG_LEVEL ? {} : { logLevel: 'WARN' }) }),
      // A model that cannot load fails the job with one line of the CLI's own (below), not a log line besides.
      onModelLoadFailed: () => undefined,
    });
  const [set] = await Promise.all([services.models.get(), preloadParquetModules()]);
  const month = values.month === undefined ? undefined : parseMonth(values.month);
  const [input, output] = positionals;
  const request = parseBatchRequest({
    ...(input !== undefined && output !== undefined ? { input, output } : {}),
    ...(values['taxi-type'] !== undefined ? { taxi_type: values['taxi-type'] } : {}),
    ...month,
    ...(values['run-id'] !== undefined ? { run_id: values['run-id'] } : {}),
  });
  const { inputTemplate, outputTemplate, scheduledTaxiType, chunkRows, maxLineChars, maxPageValues } = config.batch;
  const job = resolveBatchJob(request, {
    templates: { input: inputTemplate, output: outputTemplate },
    scheduledTaxiType,
    runId: set.require(set.primary).version,
  });
  const progress = createProgressBar(io.stderr as NodeJS.WriteStream);
  try {
    const summary = await runBatchJob(job, set, {
      s3: services.s3,
      chunkRows,
      maxLineChars,
      maxPageValues,
      onProgress: progress.update,
      onStaleStagingRemoved: (paths) => io.stderr.write(`removed ${describeCount(paths.length, 'staging file')} a stopped run left: ${paths.join(', ')}\n`),
      dataplane: services.dataplane,
    });
    progress.done();
    // The run's metrics (EMF) before the summary, so `--json`'s summary is the last line.
    services.metrics.flush();
    io.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : describeSummary(summary));
  } finally {
    progress.done();
    // The run's sampled rows are written before the CLI exits (bounded wait); a caller's own services stay open.
    if (!io.services) {
      await services.capture?.close(10_000);
      services.s3.destroy();
    }
  }
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
  const { values, positionals } = parseCommandLine({
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
  if (
    (taxiType !== 'green' && taxiType !== 'yellow') ||
    monthText === undefined ||
    rowsText === undefined ||
    output === undefined ||
    positionals.length !== 4
  ) {
    throw new UsageError('generate takes <green|yellow> <YYYY-MM> <rows> <output>');
  }
  const codec = values.codec;
  if (codec !== 'SNAPPY' && codec !== 'GZIP' && codec !== 'BROTLI' && codec !== 'UNCOMPRESSED')
    throw new BatchJobError(`--codec must be SNAPPY, GZIP, BROTLI or UNCOMPRESSED, not ${codec}`);
  const location = parseLocation(output, { what: 'the output' });
  if (location.kind !== 'file') throw new BatchJobError('generate writes a local file; upload it with your S3 tool of choice');
  mkdirSync(dirname(location.path) || '.', { recursive: true });
  const drift = driftOf(values.drift);
  const seed = values.seed === undefined ? undefined : positiveInt(values.seed, '--seed');
  const rows = syntheticMonth({
    ...parseMonth(monthText),
    rows: positiveInt(rowsText, 'rows'),
    nullRate: Number(values['null-rate']),
    taxiType,
    drift,
    ...(seed === undefined ? {} : { seed }),
  });
  const started = performance.now();
  const count =
    formatOf(location) === 'csv'
      ? writeTripCsv(location.path, rows, taxiType)
      : await writeTripParquet(location.path, rows, {
          taxiType,
          codec,
          ...(values['row-group-size'] ? { rowGroupSize: positiveInt(values['row-group-size'], '--row-group-size') } : {}),
        });
  const drifted = values.drift.trim() === '' ? '' : ` (drift distance=${drift.distance}, zones=${drift.zones}, hours=${drift.hours})`;
  io.stdout.write(
    `wrote ${count.toLocaleString('en-US')} synthetic ${taxiType} trips for ${monthText}${drifted} to ${output} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
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
