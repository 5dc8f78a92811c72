/**
 * Trains the default model: `npm run train`. Deterministic: the same arguments produce the
 * same models/model.onnx byte for byte.
 *
 *   npm run train                              # synthetic 2021-01 (train) and 2021-02 (validate)
 *   npm run train -- --rows 50000 --out /tmp/m.onnx
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { classifyTrip } from '../../lambda/core/trips';
import { puDo } from '../../lambda/core/features';
import { fitLinearRegression, rmse, type TrainingExample } from './linear-regression';
import { exportLinearModel } from './export-onnx';
import { generateTrips } from './synthetic-trips';

export interface TrainOptions {
  trainMonth: { year: number; month: number };
  validateMonth: { year: number; month: number };
  rows: number;
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

export function train(options: TrainOptions): TrainResult {
  const { trainMonth, validateMonth, rows } = options;
  const trainSet = syntheticExamples(trainMonth.year, trainMonth.month, rows);
  const validationSet = syntheticExamples(validateMonth.year, validateMonth.month, rows);
  const model = fitLinearRegression(trainSet);
  const trainRmse = rmse(model, trainSet);
  const validationRmse = rmse(model, validationSet);
  const bytes = exportLinearModel(model, {
    train_data: `synthetic TLC green ${ym(trainMonth)} (${trainSet.length} trips)`,
    validation_data: `synthetic TLC green ${ym(validateMonth)} (${validationSet.length} trips)`,
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

function parseMonth(text: string): { year: number; month: number } {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  if (!match) throw new Error(`expected YYYY-MM, got '${text}'`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      train: { type: 'string', default: '2021-01' },
      validate: { type: 'string', default: '2021-02' },
      rows: { type: 'string', default: '200000' },
      out: { type: 'string', default: resolve(__dirname, '..', 'model.onnx') },
    },
  });
  const started = Date.now();
  const result = train({ trainMonth: parseMonth(values.train), validateMonth: parseMonth(values.validate), rows: Number(values.rows) });
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, result.bytes);
  const sidecar = {
    model_version: result.version,
    train_rmse: Number(result.trainRmse.toFixed(4)),
    validation_rmse: Number(result.validationRmse.toFixed(4)),
    train_rows: result.trainRows,
    validation_rows: result.validationRows,
    pu_do_categories: result.vocabularySize,
    inputs: { PU_DO: 'string [N,1]', trip_distance: 'float [N,1]' },
    output: { variable: 'float [N,1], minutes' },
  };
  writeFileSync(out.replace(/\.onnx$/, '.json'), `${JSON.stringify(sidecar, null, 2)}\n`);
  console.log(
    `trained on ${result.trainRows} trips in ${Date.now() - started} ms: train RMSE ${result.trainRmse.toFixed(3)} min, ` +
      `validation RMSE ${result.validationRmse.toFixed(3)} min, ${result.vocabularySize} PU_DO categories, ` +
      `${result.bytes.length} bytes → ${out} (version ${result.version})`,
  );
}

if (require.main === module) main();
