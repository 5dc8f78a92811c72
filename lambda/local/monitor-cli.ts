/**
 * Drift and quality report between two datasets:
 *
 *   npm run monitor -- --reference <file|dir> --current <file|dir> [--out <dir>] [--actuals FILE] [--title "…"]
 *   npm run monitor -- profile <file|dir> <out.json>     # a source's profile (e.g. a reference)
 *   npm run monitor -- actuals <trip file> <out> [--month YYYY-MM]   # the truth of a month's rides, by ride id
 *
 * Each side is a reference profile (`*.json`, or a model directory with reference-profile.json),
 * a capture directory, a batch output (parquet/CSV with predicted_* columns) or a TLC trip file
 * (parquet/CSV). Writes `<out>/summary.json` and `<out>/report.html` (`output/monitor` by default).
 * With `--actuals` (CSV, parquet or JSON lines: `ride_id` and `actual_<model>` columns) the
 * current capture directory's records are joined to the truth by ride id (docs/monitoring.md).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ActualsJoin, buildProfile, joinedStream, observationsFromCapture, runMonitor, type MonitorInput, type MonitorSummary } from '../monitoring';
import type { ReferenceProfile } from '../monitoring';
import { parseLocation } from '../storage/location';
import { readActualsFile } from '../protocols/monitor/actuals-source';
import { openMonitorSource, type MonitorSource } from './monitor-sources/open-monitor-source';
import { writeActualsFile } from './monitor-sources/trip-file-actuals';
import { MonitorUsageError } from './monitor-sources/monitor-usage-error';
import { wantsHelp } from './cli';

/** Where the report goes without `--out`: under output/, which git ignores. */
export const DEFAULT_MONITOR_OUT = join('output', 'monitor');

export interface MonitorCliIo {
  stdout: Pick<NodeJS.WriteStream, 'write'>;
  stderr: Pick<NodeJS.WriteStream, 'write'>;
  /** fixed report time (tests) */
  now?: Date;
}

/** `npm run monitor -- --help`. */
export const MONITOR_USAGE = `Compares a current dataset with a reference (drift of each input and prediction, and quality
where actual values are known) and writes summary.json and a self-contained report.html into
--out (default ${DEFAULT_MONITOR_OUT}/, which git ignores). Each side is a reference profile (*.json,
or a model directory with reference-profile.json), a capture directory, a batch output
(parquet/CSV with predicted_* columns) or a TLC trip file (parquet/CSV); paths or s3:// URIs.
With --actuals (ride_id and actual_<model> columns) a capture directory's predictions are joined
to the truth by ride id. \`profile\` writes a source's profile, to use as a reference later;
\`actuals\` writes the truth of a month's rides from a trip file, by ride id.

usage:
  npm run monitor -- --reference <file|dir> --current <file|dir> [--out <dir>] [--actuals FILE] [--title TEXT]
  npm run monitor -- profile <file|dir> <out.json>
  npm run monitor -- actuals <trip file> <out.csv|.jsonl> [--month YYYY-MM]

examples:
  npm run monitor -- --reference models/ --current data/green_tripdata_2021-02.parquet
  npm run monitor -- --reference models/ --current output/green-2021-02.parquet --out output/monitor-2021-02
  npm run monitor -- profile data/green_tripdata_2021-01.parquet output/profile-2021-01.json
`;

export { MonitorUsageError };

/**
 * Runs `npm run monitor -- …`; resolves to the exit code: 0 (also for `--help`, which prints
 * {@link MONITOR_USAGE}), 2 after one line for a mistake in the arguments, 1 after
 * `monitor failed [CODE]: …`.
 */
export async function runMonitorCli(argv: string[], io: MonitorCliIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout.write(MONITOR_USAGE);
    return 0;
  }
  try {
    if (argv[0] === 'profile') await profileCommand(argv.slice(1), io);
    else if (argv[0] === 'actuals') await actualsCommand(argv.slice(1), io);
    else await reportCommand(argv, io);
    return 0;
  } catch (error) {
    if (error instanceof MonitorUsageError) {
      io.stderr.write(`npm run monitor: ${error.message} (see \`npm run monitor -- --help\`)\n`);
      return 2;
    }
    const code = (error as { code?: unknown }).code;
    io.stderr.write(`monitor failed [${typeof code === 'string' ? code : 'UNEXPECTED'}]: ${(error as Error).message}\n`);
    return 1;
  }
}

async function reportCommand(argv: string[], io: MonitorCliIo): Promise<void> {
  const { values } = parse(argv, {
    reference: { type: 'string' },
    current: { type: 'string' },
    out: { type: 'string' },
    title: { type: 'string' },
    actuals: { type: 'string' },
  });
  if (!values.reference || !values.current) throw new MonitorUsageError('--reference and --current are required');
  const out = values.out ?? DEFAULT_MONITOR_OUT;
  const started = performance.now();
  const [reference, current] = [await openMonitorSource(values.reference), await openMonitorSource(values.current)];
  const { summary, html } = await runMonitor({
    reference: reference.side,
    referenceLabel: reference.label,
    ...(await currentSide(current, values.actuals, values.current)),
    title: values.title,
    now: io.now,
  });
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(out, 'report.html'), html);
  for (const note of [...reference.notes, ...current.notes]) io.stderr.write(`note: ${note}\n`);
  io.stdout.write(describe(summary));
  io.stdout.write(`wrote ${join(out, 'summary.json')} and ${join(out, 'report.html')} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

/** The current side, joined to the actuals file by ride id when one is given (a capture directory only). */
async function currentSide(
  current: MonitorSource,
  actualsPath: string | undefined,
  path: string,
): Promise<Pick<MonitorInput, 'current' | 'currentLabel' | 'groundTruth'>> {
  if (actualsPath === undefined) return { current: current.side, currentLabel: current.label };
  if (!current.records)
    throw new MonitorUsageError(`--actuals joins captured predictions by ride id: --current must be a capture directory, and ${path} is a ${current.kind}`);
  const join = new ActualsJoin(await readActualsFile(parseLocation(actualsPath, { what: 'the file' })));
  // Streamed: the join holds the ride ids seen, never the records.
  return {
    current: observationsFromCapture(joinedStream(current.records(), join)),
    currentLabel: `${current.label} joined to ${actualsPath}`,
    groundTruth: () => join.finish(),
  };
}

/** `actuals <trip file> <out>`: what a ride-completion feed would deliver for a month, from its own durations and fares. */
async function actualsCommand(argv: string[], io: MonitorCliIo): Promise<void> {
  const { positionals, values } = parse(argv, { month: { type: 'string' } });
  const [tripPath, outPath] = positionals;
  if (!tripPath || !outPath || positionals.length !== 2) throw new MonitorUsageError(`actuals takes a trip file and an output file`);
  const written = await writeActualsFile(tripPath, outPath, values.month);
  io.stdout.write(
    `wrote the actuals of ${written.rows.toLocaleString('en-US')} rides (${written.columns.join(', ')}; ride ids ${written.prefix}<row>) to ${outPath}\n`,
  );
}

async function profileCommand(argv: string[], io: MonitorCliIo): Promise<void> {
  const { positionals } = parse(argv, {});
  const [sourcePath, outPath] = positionals;
  if (!sourcePath || !outPath || positionals.length !== 2) throw new MonitorUsageError('profile takes a source and an output file');
  const source = await openMonitorSource(sourcePath);
  const profile: ReferenceProfile =
    source.kind === 'profile'
      ? (source.side as ReferenceProfile)
      : await buildProfile(source.side as Exclude<typeof source.side, ReferenceProfile>, { source: source.label, created: io.now });
  await writeFile(outPath, `${JSON.stringify(profile)}\n`);
  io.stdout.write(`wrote the profile of ${source.label} (${profile.rows.toLocaleString('en-US')} rows) to ${outPath}\n`);
}

function parse(argv: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as { values: Record<string, string | undefined>; positionals: string[] };
  } catch (error) {
    throw new MonitorUsageError((error as Error).message, { cause: error });
  }
}

/** The verdicts as a few lines for the terminal. */
function describe(summary: MonitorSummary): string {
  const lines = [`dataset drift: ${summary.dataset_drift ? 'YES' : 'no'} (${summary.drifted_features} of ${Object.keys(summary.features).length} inputs)`];
  if (summary.features_not_compared.length > 0) lines.push(`  not compared (on one side only): ${summary.features_not_compared.join(', ')}`);
  const row = (kind: string, name: string, d: MonitorSummary['features'][string]) =>
    d.method === null
      ? `  ${kind.padEnd(10)} ${name.padEnd(16)} ${d.method_title}`
      : `  ${kind.padEnd(10)} ${name.padEnd(16)} ${d.method.padEnd(14)} score ${d.score === null ? '—' : d.score.toPrecision(4)} (threshold ${d.threshold})  ${d.drift ? 'DRIFT' : 'ok'}${d.sample_warning ? ' (sample too small)' : ''}`;
  for (const [name, d] of Object.entries(summary.features)) lines.push(row('input', name, d));
  for (const [name, d] of Object.entries(summary.context)) lines.push(row('context', name, d));
  for (const [name, d] of Object.entries(summary.predictions)) lines.push(row('prediction', name, d));
  for (const [model, q] of Object.entries(summary.quality)) {
    const training = [
      q.train_rmse === undefined ? '' : `training RMSE ${q.train_rmse.toFixed(3)}`,
      q.validation_rmse === undefined ? '' : `validation ${q.validation_rmse.toFixed(3)}`,
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `  quality    ${model.padEnd(16)} ${q.rows_joined.toLocaleString('en-US')} rows: RMSE ${q.rmse.toFixed(3)} MAE ${q.mae.toFixed(3)} bias ${q.bias.toFixed(3)}${training ? ` (${training})` : ''}`,
    );
    if (q.unmatched)
      lines.push(
        `             ${''.padEnd(16)} ${q.unmatched.captured_without_actual.toLocaleString('en-US')} captured without an actual, ${q.unmatched.actuals_without_capture.toLocaleString('en-US')} actuals without a capture`,
      );
  }
  for (const warning of summary.sample_warnings) lines.push(`  small sample: ${warning}`);
  return `${lines.join('\n')}\n`;
}
