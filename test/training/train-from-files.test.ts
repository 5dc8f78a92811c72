import { join } from 'node:path';
import { OnnxModel } from '../../lambda/core/model';
import { train, parseTrainingSource } from '../../models/training/train';
import { writeTripCsv } from '../../lambda/synthetic/trip-file';
import { expectedFilter, fixtureRows, scratchDirectory, writeFixture } from '../support/trip-fixtures';

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
    const durations = await model.run([{ PULocationID: 10, DOLocationID: 50, trip_distance: 4.2 }]);

    expect(durations).toHaveLength(1);
    expect(Number.isFinite(durations[0])).toBe(true);
  });

  it('takes YYYY-MM as a synthetic month and anything else as a file', () => {
    expect(parseTrainingSource('2021-01')).toEqual({ kind: 'synthetic', year: 2021, month: 1 });
    expect(parseTrainingSource('s3://b/green_tripdata_2021-01.parquet')).toEqual({ kind: 'file', uri: 's3://b/green_tripdata_2021-01.parquet' });
  });
});
