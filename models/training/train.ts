/**
 * Trains the default model: `npm run train`. Deterministic: the same arguments produce the
 * same models/model.onnx byte for byte.
 *
 *   npm run train                              # synthetic 2021-01 (train) and 2021-02 (validate)
 *   npm run train -- --rows 50000 --out /tmp/m.onnx
 *   npm run train -- --train green_tripdata_2021-01.parquet --validate green_tripdata_2021-02.parquet
 *
 * `--train` may be repeated (several months); each value is a synthetic month (YYYY-MM) or a
 * TLC trip file (parquet or CSV, path or s3:// URI), read and filtered exactly as the batch job
 * reads it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { classifyTrip } from '../../lambda/core/trips';
import { puDo } from '../../lambda/core/features';
import { loadConfig } from '../../lambda/config';
import { createS3Client } from '../../lambda/runtime';
import { formatOf, parseDataLocation } from '../../lambda/batch/locations';
import { openTripReader } from '../../lambda/batch/open-trips';
import { tripAt } from '../../lambda/batch/trip-chunk';
import { fitLinearRegression, rmse, type TrainingExample } from './linear-regression';
import { exportLinearModel } from './export-onnx';
import { generateTrips } from './synthetic-trips';

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

interface ExampleSet {
  examples: TrainingExample[];
  /** goes into the model's metadata */
  label: string;
}

export interface TrainResult {
  bytes: Uint8Array;
  version: string;
  trainRmse: number;
  validationRmse: number;
  trainRows: number;
  validationRows: number;
  vocabularySize: number;
}

function syntheticExamples(year: number, month: number, rows: number): TrainingExample[] {
  const examples: TrainingExample[] = [];
  for (const row of generateTrips({ year, month, rows })) {
    const trip = classifyTrip({ ...row, pickup: row.pickup_datetime, dropoff: row.dropoff_datetime });
    if (trip.kind === 'kept') examples.push({ puDo: puDo(trip.ride), tripDistance: trip.ride.trip_distance, duration: trip.duration });
  }
  return examples;
}

/** Reads a TLC file with the batch job's reader and keeps the rows its filter keeps. */
async function fileExamples(uri: string, s3?: S3Client): Promise<TrainingExample[]> {
  const location = parseDataLocation(uri);
  const reader = await openTripReader(location, formatOf(location), { s3, chunkRows: 131_072 });
  const examples: TrainingExample[] = [];
  try {
    for await (const chunk of reader.chunks()) {
      for (let i = 0; i < chunk.length; i++) {
        const trip = classifyTrip(tripAt(chunk, i));
        if (trip.kind === 'kept') examples.push({ puDo: puDo(trip.ride), tripDistance: trip.ride.trip_distance, duration: trip.duration });
      }
    }
  } finally {
    await reader.close();
  }
  return examples;
}

async function exampleSet(sources: readonly TrainingSource[], options: TrainOptions): Promise<ExampleSet> {
  const examples: TrainingExample[] = [];
  const labels: string[] = [];
  for (const source of sources) {
    const part = source.kind === 'synthetic' ? syntheticExamples(source.year, source.month, options.rows) : await fileExamples(source.uri, options.s3);
    for (const example of part) examples.push(example);
    labels.push(source.kind === 'synthetic' ? `synthetic TLC green ${ym(source)} (${part.length} trips)` : `${basename(source.uri)} (${part.length} trips)`);
  }
  return { examples, label: labels.join(' + ') };
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { examples: trainSet, label: trainLabel } = await exampleSet(options.train, options);
  const { examples: validationSet, label: validationLabel } = await exampleSet([options.validate], options);
  if (trainSet.length === 0) throw new Error(`no trips in ${trainLabel} pass the 1–60 minute filter; nothing to train on`);
  if (validationSet.length === 0) throw new Error(`no trips in ${validationLabel} pass the 1–60 minute filter; nothing to validate on`);
  const model = fitLinearRegression(trainSet);
  const trainRmse = rmse(model, trainSet);
  const validationRmse = rmse(model, validationSet);
  const bytes = exportLinearModel(model, {
    train_data: trainLabel,
    validation_data: validationLabel,
    train_rmse: trainRmse.toFixed(4),
    validation_rmse: validationRmse.toFixed(4),
  });
  return {
    bytes,
    version: createHash('sha256').update(bytes).digest('hex').slice(0, 12),
    trainRmse,
    validationRmse,
    trainRows: trainSet.length,
    validationRows: validationSet.length,
    vocabularySize: model.vocabulary.length,
  };
}

function ym(m: { year: number; month: number }): string {
  return `${m.year}-${String(m.month).padStart(2, '0')}`;
}

/** `YYYY-MM` is a synthetic month; anything else a trip file (path or s3:// URI). */
export function parseTrainingSource(text: string): TrainingSource {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  return match ? { kind: 'synthetic', year: Number(match[1]), month: Number(match[2]) } : { kind: 'file', uri: text };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      train: { type: 'string', multiple: true, default: ['2021-01'] },
      validate: { type: 'string', default: '2021-02' },
      rows: { type: 'string', default: '200000' },
      out: { type: 'string', default: resolve(__dirname, '..', 'model.onnx') },
    },
  });
  const started = Date.now();
  const sources = [...values.train, values.validate].map(parseTrainingSource);
  const s3 = sources.some((s) => s.kind === 'file' && s.uri.startsWith('s3://')) ? createS3Client(loadConfig(process.env)) : undefined;
  const result = await train({ train: values.train.map(parseTrainingSource), validate: parseTrainingSource(values.validate), rows: Number(values.rows), s3 });
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, result.bytes);
  const sidecar = {
    model_version: result.version,
    unit: 'minutes',
    train_rmse: Number(result.trainRmse.toFixed(4)),
    validation_rmse: Number(result.validationRmse.toFixed(4)),
    train_rows: result.trainRows,
    validation_rows: result.validationRows,
    pu_do_categories: result.vocabularySize,
    // The runtime reads `min` as a request constraint (lambda/models/sidecar.ts): trip_distance < 0 is a 400.
    inputs: { PU_DO: 'string [N,1]', trip_distance: { type: 'float [N,1]', min: 0, unit: 'miles' } },
    output: { variable: 'float [N,1], minutes' },
  };
  writeFileSync(out.replace(/\.onnx$/, '.json'), `${JSON.stringify(sidecar, null, 2)}\n`);
  console.log(
    `trained on ${result.trainRows} trips in ${Date.now() - started} ms: train RMSE ${result.trainRmse.toFixed(3)} min, ` +
      `validation RMSE ${result.validationRmse.toFixed(3)} min, ${result.vocabularySize} PU_DO categories, ` +
      `${result.bytes.length} bytes → ${out} (version ${result.version})`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`training failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
