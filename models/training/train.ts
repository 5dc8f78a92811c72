/**
 * Trains the shipped models: `npm run train`. Deterministic: the same arguments produce the
 * same models/model.onnx (ride duration) and models/cost/model.onnx (ride cost), with their
 * model.json sidecars, byte for byte.
 *
 *   npm run train                              # synthetic 2021-01 (train) and 2021-02 (validate)
 *   npm run train -- --rows 50000 --out /tmp/m.onnx --cost-out /tmp/cost.onnx
 *   npm run train -- --train green_tripdata_2021-01.parquet --validate green_tripdata_2021-02.parquet
 *
 * `--train` may be repeated (several months); each value is a synthetic month (YYYY-MM) or a
 * TLC trip file (parquet or CSV, path or s3:// URI), read and filtered exactly as the batch job
 * reads it. Next to each model goes its reference profile (`reference-profile.json`, the
 * monitor's baseline: the training rows' inputs, the model's predictions and the metrics). Both models learn from the trips the course's 1–60 minute filter keeps; the cost
 * model from those with a `total_amount` (files without that column train the duration model
 * only).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
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
  return { PULocationID: ride.PULocationID, DOLocationID: ride.DOLocationID, puDo: puDo(ride), tripDistance: ride.trip_distance, pickupMs: Number(pickup), duration, totalAmount };
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
      rows.push({ PULocationID: e.PULocationID, DOLocationID: e.DOLocationID, tripDistance: e.tripDistance, puDo: e.puDo, pickupMs: e.pickupMs, actual: target });
      count++;
    }
    labels.push(`${source.name} (${count} trips)`);
  }
  return { examples, rows, label: labels.join(' + ') };
}

/** Fits one target on the training sources, scores it on the validation month, exports it. */
async function trainTarget(target: ModelTarget, trainSources: readonly ExampleSource[], validationSources: readonly ExampleSource[], pick: (e: TripExample) => number): Promise<TrainedModel> {
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
  const facts = { version, trainRmse, validationRmse, trainRows: trainSet.length, validationRows: validationSet.length, vocabularySize: model.vocabulary.length };
  const sidecar = buildSidecar(target, { ...facts, trainLabel, validationLabel, maxTripDistance, examples: modelExamples(model, validationRows) });
  const profile = await trainingProfile(model, trainRows, { name: target.name, version, metrics: sidecar.metrics, source: trainLabel }, trainSources.flatMap((source) => source.skipped));
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
  if (!trainSources.some((s) => s.examples.length > 0)) throw new Error(`no trips in ${describe(trainSources)} pass the 1–60 minute filter; nothing to train on`);
  if (!validationSources.some((s) => s.examples.length > 0)) throw new Error(`no trips in ${describe(validationSources)} pass the 1–60 minute filter; nothing to validate on`);
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

/** Writes `model.onnx`, its `model.json` and the `reference-profile.json` beside it. */
function writeModel(model: TrainedModel, out: string): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, model.bytes);
  writeFileSync(out.replace(/\.onnx$/, '.json'), sidecarText(model.sidecar));
  writeFileSync(profilePath(out), profileText(model.profile));
  const unit = model.target.unit === 'USD' ? '$' : ` ${model.target.unit}`;
  const figure = (x: number) => (unit === '$' ? `$${x.toFixed(3)}` : `${x.toFixed(3)}${unit}`);
  console.log(
    `${model.target.name}: ${model.trainRows} trips, train RMSE ${figure(model.trainRmse)}, validation RMSE ${figure(model.validationRmse)}, ` +
      `${model.vocabularySize} PU_DO categories, ${model.bytes.length} bytes → ${out} (version ${model.version})`,
  );
}

async function main(): Promise<void> {
  const models = resolve(__dirname, '..');
  const { values } = parseArgs({
    options: {
      train: { type: 'string', multiple: true, default: ['2021-01'] },
      validate: { type: 'string', default: '2021-02' },
      rows: { type: 'string', default: '200000' },
      out: { type: 'string', default: resolve(models, DURATION_TARGET.path) },
      'cost-out': { type: 'string', default: resolve(models, COST_TARGET.path) },
    },
  });
  const started = Date.now();
  const sources = [...values.train, values.validate].map(parseTrainingSource);
  const s3 = sources.some((s) => s.kind === 'file' && s.uri.startsWith('s3://')) ? createS3Client(loadConfig(process.env)) : undefined;
  const result = await train({ train: values.train.map(parseTrainingSource), validate: parseTrainingSource(values.validate), rows: Number(values.rows), s3 });
  writeModel(result.duration, resolve(values.out));
  if (result.cost) writeModel(result.cost, resolve(values['cost-out']));
  else console.log('cost: not trained (the training or validation data has no total_amount column)');
  console.log(`trained in ${Date.now() - started} ms`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`training failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
