/**
 * Trains the shipped models: `npm run train`. Deterministic: the same arguments produce the
 * same duration model (model.onnx) and cost model (cost/model.onnx), with their model.json
 * sidecars, byte for byte; `npm run train -- --out-dir models --force` with the defaults rewrites
 * the committed models/ exactly as they are.
 *
 *   npm run train                              # synthetic 2021-01 (train) and 2021-02 (validate) → output/models
 *   npm run train -- --rows 50000 --out-dir /tmp/models
 *   npm run train -- --train green_tripdata_2021-01.parquet --validate green_tripdata_2021-02.parquet
 *
 * `--train` may be repeated (several months); each value is a synthetic month (YYYY-MM) or a
 * TLC trip file (parquet or CSV, path or s3:// URI), read and filtered exactly as the batch job
 * reads it. Next to each model goes its reference profile (`reference-profile.json`, the
 * monitor's baseline: the training rows' inputs, the model's predictions and the metrics). Both models learn from the trips the course's 1–60 minute filter keeps; the cost
 * model from those with a `total_amount` (files without that column train the duration model
 * only). Files that already exist are replaced only with `--force`.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Ride } from '../../lambda/rides/features';
import { classifyTrip, type TripInstant } from '../../lambda/rides/trips';
import type { ReferenceProfile } from '../../lambda/monitoring/profile-schema';
import { puDo } from '../../lambda/rides/features';
import { loadConfig } from '../../lambda/config/index';
import { createS3Client } from '../../lambda/services';
import { formatOf } from '../../lambda/protocols/batch/locations';
import { parseLocation } from '../../lambda/storage/location';
import { openTripReader } from '../../lambda/protocols/batch/trip-files/open-trips';
import { tripAt } from '../../lambda/protocols/batch/trip-files/trip-chunk';
import { generateTrips } from '../../lambda/local/synthetic/synthetic-trips';
import { UsageError, describeFailure, parseCommandLine, wantsHelp } from '../../lambda/local/cli';
import { fitLinearRegression, predictLinear, rmse, type LinearModel, type TrainingExample } from './linear-regression';
import type { ModelExample } from '../../lambda/model/examples';
import { exportLinearModel } from './export-onnx';
import { COST_TARGET, DURATION_TARGET, LINEAR_DOC_STRING, type ModelTarget } from './model-targets';
import { trainingProfile, type ExcludedRow, type ProfiledRow } from './reference-profile';
import { buildSidecar, type ModelFacts, type ModelSidecar } from './sidecar';

/** Where training rows come from: a synthetic month, or a TLC trip file. */
export type TrainingSource = { kind: 'synthetic'; year: number; month: number } | { kind: 'file'; uri: string };

export interface TrainOptions {
  train: readonly TrainingSource[];
  validate: TrainingSource;
  /** rows per synthetic month (files give all their rows) */
  rows: number;
  /** for s3:// sources */
  s3?: S3Client;
}

/** One kept trip with every target the data has (NaN when the file has no total_amount). */
interface TripExample {
  PULocationID: number;
  DOLocationID: number;
  puDo: string;
  tripDistance: number;
  pickupMs: number;
  duration: number;
  totalAmount: number;
}

/** A kept trip as an example: the course's features, the pickup time, and the targets. */
function tripExample(ride: Ride, pickup: TripInstant, duration: number, totalAmount: number): TripExample {
  return {
    PULocationID: ride.PULocationID,
    DOLocationID: ride.DOLocationID,
    puDo: puDo(ride),
    tripDistance: ride.trip_distance,
    pickupMs: Number(pickup),
    duration,
    totalAmount,
  };
}

/** A trip the 1–60 minute filter skipped: its inputs as read (NaN where missing), for the profile's missing shares. */
type SkippedTrip = ExcludedRow;

interface ExampleSource {
  examples: TripExample[];
  skipped: SkippedTrip[];
  /** e.g. `synthetic TLC green 2021-01` or the file's name */
  name: string;
}

export interface TrainedModel extends ModelFacts {
  target: ModelTarget;
  bytes: Uint8Array;
  /** the fitted coefficients the ONNX graph holds */
  model: LinearModel;
  sidecar: ModelSidecar;
  /** lambda/monitoring's reference profile of the training rows, predictions and metrics */
  profile: ReferenceProfile;
}

export interface TrainResult {
  duration: TrainedModel;
  /** absent when the training or validation data has no total_amount */
  cost?: TrainedModel;
}

function syntheticExamples(year: number, month: number, rows: number): { examples: TripExample[]; skipped: SkippedTrip[] } {
  const examples: TripExample[] = [];
  const skipped: SkippedTrip[] = [];
  for (const row of generateTrips({ year, month, rows })) {
    const trip = classifyTrip({ ...row, pickup: row.pickup_datetime, dropoff: row.dropoff_datetime });
    if (trip.kind === 'kept') examples.push(tripExample(trip.ride, row.pickup_datetime, trip.duration, row.fare.total_amount));
    else skipped.push(skippedTrip(row));
  }
  return { examples, skipped };
}

function skippedTrip(row: { PULocationID: number | null; DOLocationID: number | null; trip_distance: number | null }): SkippedTrip {
  const value = (v: number | null) => (v === null ? Number.NaN : v);
  return { PULocationID: value(row.PULocationID), DOLocationID: value(row.DOLocationID), tripDistance: value(row.trip_distance) };
}

/** The trip-file column the cost model learns (TLC `total_amount`). */
const COST_TARGET_COLUMN = COST_TARGET.column as string;

/** A cell as a target: missing (NaN) and unreadable (±Infinity) cells are both "no target". */
const finiteOrNaN = (value: number | undefined): number => (value !== undefined && Number.isFinite(value) ? value : Number.NaN);

/** Reads a TLC file with the batch job's reader and keeps the rows its filter keeps, with `total_amount` when the file has it. */
async function fileExamples(uri: string, s3?: S3Client): Promise<{ examples: TripExample[]; skipped: SkippedTrip[] }> {
  const location = parseLocation(uri, { what: 'a training file' });
  const reader = await openTripReader(location, formatOf(location), { s3, chunkRows: 131_072 });
  const examples: TripExample[] = [];
  const skipped: SkippedTrip[] = [];
  // The cost target rides along as an extra column when the file has one; without it, only duration is fitted.
  const extra = reader.columns.includes(COST_TARGET_COLUMN) ? [COST_TARGET_COLUMN] : [];
  try {
    for await (const chunk of reader.chunks(extra)) {
      const totalAmount = chunk.extra?.[COST_TARGET_COLUMN];
      for (let i = 0; i < chunk.length; i++) {
        const record = tripAt(chunk, i);
        const trip = classifyTrip(record);
        if (trip.kind === 'kept') examples.push(tripExample(trip.ride, record.pickup as TripInstant, trip.duration, finiteOrNaN(totalAmount?.[i])));
        else skipped.push(skippedTrip(record));
      }
    }
  } finally {
    await reader.close();
  }
  return { examples, skipped };
}

async function loadSources(sources: readonly TrainingSource[], options: TrainOptions): Promise<ExampleSource[]> {
  const loaded: ExampleSource[] = [];
  for (const source of sources) {
    loaded.push(
      source.kind === 'synthetic'
        ? { ...syntheticExamples(source.year, source.month, options.rows), name: `synthetic TLC green ${ym(source)}` }
        : { ...(await fileExamples(source.uri, options.s3)), name: basename(source.uri) },
    );
  }
  return loaded;
}

/** A target's examples from several sources (with the rows they came from), and the label (with counts) its metadata carries. */
function examplesFor(sources: readonly ExampleSource[], pick: (e: TripExample) => number): { examples: TrainingExample[]; rows: ProfiledRow[]; label: string } {
  const examples: TrainingExample[] = [];
  const rows: ProfiledRow[] = [];
  const labels: string[] = [];
  for (const source of sources) {
    let count = 0;
    for (const e of source.examples) {
      const target = pick(e);
      if (!Number.isFinite(target)) continue;
      examples.push({ puDo: e.puDo, tripDistance: e.tripDistance, target });
      rows.push({
        PULocationID: e.PULocationID,
        DOLocationID: e.DOLocationID,
        tripDistance: e.tripDistance,
        puDo: e.puDo,
        pickupMs: e.pickupMs,
        actual: target,
      });
      count++;
    }
    labels.push(`${source.name} (${count} trips)`);
  }
  return { examples, rows, label: labels.join(' + ') };
}

/** Fits one target on the training sources, scores it on the validation month, exports it. */
async function trainTarget(
  target: ModelTarget,
  trainSources: readonly ExampleSource[],
  validationSources: readonly ExampleSource[],
  pick: (e: TripExample) => number,
): Promise<TrainedModel> {
  const { examples: trainSet, rows: trainRows, label: trainLabel } = examplesFor(trainSources, pick);
  const { examples: validationSet, rows: validationRows, label: validationLabel } = examplesFor(validationSources, pick);
  const model = fitLinearRegression(trainSet);
  const trainRmse = rmse(model, trainSet);
  const validationRmse = rmse(model, validationSet);
  const bytes = exportLinearModel(model, {
    name: target.graphName,
    docString: LINEAR_DOC_STRING,
    metadata: { train_data: trainLabel, validation_data: validationLabel, train_rmse: trainRmse.toFixed(4), validation_rmse: validationRmse.toFixed(4) },
  });
  const version = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const maxTripDistance = trainSet.reduce((max, e) => Math.max(max, e.tripDistance), 0);
  const facts = {
    version,
    trainRmse,
    validationRmse,
    trainRows: trainSet.length,
    validationRows: validationSet.length,
    vocabularySize: model.vocabulary.length,
  };
  const sidecar = buildSidecar(target, { ...facts, trainLabel, validationLabel, maxTripDistance, examples: modelExamples(model, validationRows) });
  const profile = await trainingProfile(
    model,
    trainRows,
    { name: target.name, version, metrics: sidecar.metrics, source: trainLabel },
    trainSources.flatMap((source) => source.skipped),
  );
  return { target, bytes, ...facts, model, sidecar, profile };
}

/** The README's ride: a zone pair training never saw, at the longest distance the docs show. */
const README_RIDE = { PULocationID: 10, DOLocationID: 50, trip_distance: 40 };

/**
 * The sidecar's examples: five validation rides spread over the month and the README's ride, each
 * with the fitted regression's own float64 prediction — the training framework's answer, which
 * the exported float32 graph must reproduce (lambda/model/examples.ts).
 */
export function modelExamples(model: LinearModel, validationRows: readonly ProfiledRow[]): ModelExample[] {
  const lookup = new Map(model.vocabulary.map((s, i) => [s, i]));
  const n = validationRows.length;
  const picked = n === 0 ? [] : [0, Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4), n - 1].map((i) => validationRows[i] as ProfiledRow);
  const rides = [...picked.map((row) => ({ PULocationID: row.PULocationID, DOLocationID: row.DOLocationID, trip_distance: row.tripDistance })), README_RIDE];
  return rides.map((ride) => ({ inputs: ride, output: predictLinear(model, lookup, puDo(ride), ride.trip_distance) }));
}

const hasRows = (sources: readonly ExampleSource[], pick: (e: TripExample) => number) => sources.some((s) => s.examples.some((e) => Number.isFinite(pick(e))));

export async function train(options: TrainOptions): Promise<TrainResult> {
  const trainSources = await loadSources(options.train, options);
  const validationSources = await loadSources([options.validate], options);
  const describe = (sources: readonly ExampleSource[]) => sources.map((s) => s.name).join(' + ');
  if (!trainSources.some((s) => s.examples.length > 0))
    throw new Error(`no trips in ${describe(trainSources)} pass the 1–60 minute filter; nothing to train on`);
  if (!validationSources.some((s) => s.examples.length > 0))
    throw new Error(`no trips in ${describe(validationSources)} pass the 1–60 minute filter; nothing to validate on`);
  const duration = await trainTarget(DURATION_TARGET, trainSources, validationSources, (e) => e.duration);
  const cost = (e: TripExample) => e.totalAmount;
  if (!hasRows(trainSources, cost) || !hasRows(validationSources, cost)) return { duration };
  return { duration, cost: await trainTarget(COST_TARGET, trainSources, validationSources, cost) };
}

function ym(m: { year: number; month: number }): string {
  return `${m.year}-${String(m.month).padStart(2, '0')}`;
}

/** `YYYY-MM` is a synthetic month; anything else a trip file (path or s3:// URI). */
export function parseTrainingSource(text: string): TrainingSource {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  return match ? { kind: 'synthetic', year: Number(match[1]), month: Number(match[2]) } : { kind: 'file', uri: text };
}

/** The sidecar's text as `npm run train` writes it (the reproducibility test compares it). */
export function sidecarText(sidecar: ModelSidecar): string {
  return `${JSON.stringify(sidecar, null, 2)}\n`;
}

/** The reference profile's text as `npm run train` writes it. */
export function profileText(profile: ReferenceProfile): string {
  return `${JSON.stringify(profile, null, 1)}\n`;
}

/** Where a model's reference profile goes: `reference-profile.json` in the model's directory. */
export function profilePath(modelPath: string): string {
  return join(dirname(modelPath), 'reference-profile.json');
}

/** The files `npm run train` writes for one model: the ONNX file, its sidecar and its reference profile. */
export function modelFiles(out: string): string[] {
  return [out, out.replace(/\.onnx$/, '.json'), profilePath(out)];
}

/** A path as the user would type it: relative to the working directory when under it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

/** Writes `model.onnx`, its `model.json` and the `reference-profile.json` beside it. */
function writeModel(model: TrainedModel, out: string): void {
  mkdirSync(dirname(out), { recursive: true });
  const [onnx, sidecar, profile] = modelFiles(out) as [string, string, string];
  writeFileSync(onnx, model.bytes);
  writeFileSync(sidecar, sidecarText(model.sidecar));
  writeFileSync(profile, profileText(model.profile));
  const unit = model.target.unit === 'USD' ? '$' : ` ${model.target.unit}`;
  const figure = (x: number) => (unit === '$' ? `$${x.toFixed(3)}` : `${x.toFixed(3)}${unit}`);
  console.log(
    `${model.target.name}: ${model.trainRows} trips, train RMSE ${figure(model.trainRmse)}, validation RMSE ${figure(model.validationRmse)}, ` +
      `${model.vocabularySize} PU_DO categories, ${model.bytes.length} bytes → ${shown(out)} (version ${model.version})`,
  );
}

/** Where the models go without `--out-dir`: under output/, which git ignores (never the committed models/). */
export const DEFAULT_TRAIN_OUT_DIR = join('output', 'models');

/** `npm run train -- --help`. */
export const TRAIN_USAGE = `Trains the duration and cost models (one-hot PU_DO + trip_distance, linear regression) and
writes each with its sidecar (model.json) and reference profile (reference-profile.json) into an
output directory, laid out as models/ is: <out-dir>/${DURATION_TARGET.path} and <out-dir>/${COST_TARGET.path}.
Existing files are replaced only with --force.

usage:
  npm run train -- [--train YYYY-MM|FILE]... [--validate YYYY-MM|FILE] [--rows N] [--out-dir DIR] [--force]

  --train       training data: a synthetic month (YYYY-MM) or a TLC trip file (parquet or CSV, a
                path or an s3:// URI); repeat it for several (default 2021-01)
  --validate    validation data, of the same kinds (default 2021-02)
  --rows        rows per synthetic month (default 200000)
  --out-dir     where the models go (default ${DEFAULT_TRAIN_OUT_DIR}, which git ignores)
  --force       replace model files that are already there

examples:
  npm run train
  npm run train -- --train data/green_tripdata_2021-01.parquet --validate data/green_tripdata_2021-02.parquet
  MODELS=duration=${DEFAULT_TRAIN_OUT_DIR}/${DURATION_TARGET.path},cost=${DEFAULT_TRAIN_OUT_DIR}/${COST_TARGET.path} npm start
  npm run train -- --out-dir models --force     # rewrite the committed models (the same bytes, with these defaults)
`;

/** The command line, checked: sources, rows, where to write, and the files that would be replaced. */
function parseTrainArgs(argv: string[]): { train: TrainingSource[]; validate: TrainingSource; rows: number; outDir: string; force: boolean } {
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      train: { type: 'string', multiple: true, default: ['2021-01'] },
      validate: { type: 'string', default: '2021-02' },
      rows: { type: 'string', default: '200000' },
      'out-dir': { type: 'string', default: DEFAULT_TRAIN_OUT_DIR },
      force: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new UsageError(`takes options only, got '${positionals.join(' ')}'`);
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows <= 0) throw new UsageError(`--rows must be a whole number above 0, got '${values.rows}'`);
  return {
    train: values.train.map(parseTrainingSource),
    validate: parseTrainingSource(values.validate),
    rows,
    outDir: resolve(values['out-dir']),
    force: values.force,
  };
}

/** Refuses to replace what is there unless asked: the committed models are a user's too. */
function checkNothingReplaced(paths: readonly string[], force: boolean): void {
  const existing = paths.filter((path) => existsSync(path));
  if (existing.length === 0 || force) return;
  throw new UsageError(
    `${existing.map(shown).join(', ')} already exist${existing.length === 1 ? 's' : ''}; pass --force to replace, or --out-dir another directory`,
  );
}

async function main(argv: string[]): Promise<void> {
  const options = parseTrainArgs(argv);
  const [durationOut, costOut] = [resolve(options.outDir, DURATION_TARGET.path), resolve(options.outDir, COST_TARGET.path)];
  checkNothingReplaced([...modelFiles(durationOut), ...modelFiles(costOut)], options.force);
  const started = Date.now();
  const sources = [...options.train, options.validate];
  const s3 = sources.some((s) => s.kind === 'file' && s.uri.startsWith('s3://')) ? createS3Client(loadConfig(process.env)) : undefined;
  const result = await train({ train: options.train, validate: options.validate, rows: options.rows, s3 });
  writeModel(result.duration, durationOut);
  if (result.cost) writeModel(result.cost, costOut);
  else console.log('cost: not trained (the training or validation data has no total_amount column)');
  console.log(`trained in ${Date.now() - started} ms`);
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) process.stdout.write(TRAIN_USAGE);
  else {
    main(argv).catch((error: unknown) => {
      const mistake = describeFailure('npm run train', 'npm run train -- --help', error);
      // A mistake is the user's to fix (one line, exit 2); anything else is a failed training.
      process.stderr.write(mistake.status === 1 ? `training failed: ${(error as Error).message}\n` : `${mistake.line}\n`);
      process.exitCode = mistake.status;
    });
  }
}
