import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSidecar } from '../../lambda/model/sidecar';
import { OnnxModel } from '../../lambda/model/runtimes/onnx/onnx-model';
import { batchOf } from '../support/fixtures';
import { train, parseTrainingSource } from '../../models/training/train';
import { writeTripCsv } from '../../lambda/local/synthetic/trip-file';
import { expectedFilter, fixtureRows, scratchDirectory, writeFixture } from '../support/trip-fixtures';
import { RIDE_FEATURES } from '../../lambda/rides/features';
import type { InputBatch } from '../../lambda/model/input-batch';

const dir = scratchDirectory();
afterAll(() => dir.remove());

const trainRows = fixtureRows(4_000);
const validationRows = fixtureRows(1_500).reverse();
const trainPath = join(dir.path, 'green_tripdata_2021-01.parquet');
const validationPath = join(dir.path, 'green_tripdata_2021-02.csv');

beforeAll(async () => {
  await writeFixture(trainPath, trainRows, { rowGroupSize: 1_500 });
  writeTripCsv(validationPath, validationRows, 'green');
});

describe('training from TLC trip files', () => {
  const options = () => ({ train: [parseTrainingSource(trainPath)], validate: parseTrainingSource(validationPath), rows: 0 });

  it('fits on the rows the batch filter keeps and validates on a second month', async () => {
    const { duration: result } = await train(options());

    expect(result.trainRows).toBe(expectedFilter(trainRows).kept.length);
    expect(result.validationRows).toBe(expectedFilter(validationRows).kept.length);
    expect(result.trainRmse).toBeGreaterThan(0);
    expect(Number.isFinite(result.validationRmse)).toBe(true);
  });

  it('writes the same model bytes on every run', async () => {
    const { duration: first } = await train(options());
    const { duration: second } = await train(options());

    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(second.version).toBe(first.version);
  });

  it('produces a model the predict core loads and runs', async () => {
    const { bytes } = (await train(options())).duration;

    const model = await OnnxModel.fromBytes(bytes);
    const durations = await model.run([features(model, batchOf([{ PULocationID: 10, DOLocationID: 50, trip_distance: 4.2 }]))]);

    expect(durations).toHaveLength(1);
    expect(Number.isFinite(durations[0])).toBe(true);
  });

  it('takes YYYY-MM as a synthetic month and anything else as a file', () => {
    expect(parseTrainingSource('2021-01')).toEqual({ kind: 'synthetic', year: 2021, month: 1 });
    expect(parseTrainingSource('s3://b/green_tripdata_2021-01.parquet')).toEqual({ kind: 'file', uri: 's3://b/green_tripdata_2021-01.parquet' });
  });

  it("fits the cost model on the files' total_amount, on exactly the kept rows that have one", async () => {
    const { cost } = await train(options());
    const withAmount = (rows: typeof trainRows) => expectedFilter(rows).kept.filter((k) => Number.isFinite(rows[k.index]?.fare?.total_amount ?? Number.NaN));

    expect(cost).toBeDefined();
    expect(cost?.trainRows).toBe(withAmount(trainRows).length);
    expect(cost?.validationRows).toBe(withAmount(validationRows).length);
    expect(cost?.trainRows).toBeLessThan(expectedFilter(trainRows).kept.length);
  });
});

describe('npm run train -- --train <files> --out-dir <dir>', () => {
  const out = join(dir.path, 'trained');
  const durationPath = join(out, 'model.onnx');
  const costPath = join(out, 'cost', 'model.onnx');
  const root = resolve(__dirname, '..', '..');
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const trainInto = (...extra: string[]) =>
    spawnSync(tsx, ['models/training/train.ts', '--train', trainPath, '--validate', validationPath, '--out-dir', out, ...extra], {
      cwd: root,
      encoding: 'utf8',
    });
  let stdout = '';
  beforeAll(() => {
    const run = trainInto();
    expect(run.status).toBe(0);
    stdout = run.stdout;
  });

  it('writes both models, each with its sidecar and reference profile', () => {
    for (const path of [durationPath, costPath]) {
      expect(existsSync(path)).toBe(true);
      expect(existsSync(path.replace(/\.onnx$/, '.json'))).toBe(true);
      expect(existsSync(join(path, '..', 'reference-profile.json'))).toBe(true);
    }
    expect(stdout).toMatch(/^cost: \d+ trips, train RMSE \$\d/m);
  });

  it('refuses to replace the models it wrote without --force, in one line, leaving them as they were', () => {
    const before = readFileSync(durationPath);

    const again = trainInto();

    expect(again.status).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(
      /^npm run train: .*model\.onnx, .*model\.json, .*reference-profile\.json.* already exist; pass --force to replace, or --out-dir another directory \(see `npm run train -- --help`\)\n$/,
    );
    expect(readFileSync(durationPath).equals(before)).toBe(true);
  });

  it('replaces them with --force', () => {
    const forced = trainInto('--force');

    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(/^duration: \d+ trips, .* → .*model\.onnx \(version [0-9a-f]{12}\)$/m);
  });

  it("gives a cost sidecar with the training RMSE, which the cost model's predictions on the training rows match", async () => {
    const sidecar = parseSidecar(readFileSync(costPath.replace(/\.onnx$/, '.json'), 'utf8'), 'cost sidecar');
    const kept = expectedFilter(trainRows).kept.filter((k) => Number.isFinite(trainRows[k.index]?.fare?.total_amount ?? Number.NaN));
    const actual = kept.map((k) => trainRows[k.index]?.fare?.total_amount as number);

    const model = await OnnxModel.fromBytes(new Uint8Array(readFileSync(costPath)));
    const predicted = await model.run([features(model, batchOf(kept.map((k) => ({ ...k.ride }))))]);
    const errors = actual.map((a, i) => (predicted[i] as number) - a);
    const rmseOnFile = Math.sqrt(errors.reduce((sum, e) => sum + e * e, 0) / errors.length);
    const mean = actual.reduce((sum, a) => sum + a, 0) / actual.length;
    const spread = Math.sqrt(actual.reduce((sum, a) => sum + (a - mean) ** 2, 0) / actual.length);

    expect(sidecar.target).toBe('total_amount');
    expect(sidecar.unit).toBe('USD');
    expect(sidecar.metrics?.train_rmse).toBeCloseTo(rmseOnFile, 2);
    // the fares are metered from distance and time: the fit must explain most of their spread
    expect(rmseOnFile).toBeLessThan(spread / 2);
  });
});

/** The batch a served model hands its runner: the course's PU_DO added from the zones (rides/features.ts). */
function features(model: OnnxModel, batch: InputBatch): InputBatch {
  return RIDE_FEATURES.apply(batch, model.inputs);
}
