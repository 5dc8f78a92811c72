import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { OnnxModel } from '../../lambda/model/runtimes/onnx/onnx-model';
import { batchOf } from '../support/fixtures';
import { parseReferenceProfile } from '../../lambda/monitoring/profile-schema';
import { predictAsServed } from '../../models/training/reference-profile';
import { profileText, sidecarText, train, type TrainResult } from '../../models/training/train';
import { fitLinearRegression, rmse } from '../../models/training/linear-regression';
import { RIDE_FEATURES } from '../../lambda/rides/features';
import type { InputBatch } from '../../lambda/model/input-batch';

const models = resolve(__dirname, '../../models');
const committed = (path: string) => readFileSync(resolve(models, path));

// `npm run train`'s defaults: synthetic 2021-01 to fit, 2021-02 to validate, 200,000 rows each.
let result: TrainResult;
beforeAll(async () => {
  result = await train({ train: [{ kind: 'synthetic', year: 2021, month: 1 }], validate: { kind: 'synthetic', year: 2021, month: 2 }, rows: 200_000 });
});

describe('npm run train', () => {
  it('reproduces the committed duration model and its sidecar byte for byte', () => {
    expect(Buffer.from(result.duration.bytes).equals(committed('model.onnx'))).toBe(true);
    expect(sidecarText(result.duration.sidecar)).toBe(committed('model.json').toString('utf8'));
    expect(result.duration.validationRmse).toBeLessThan(10);
  });

  it('reproduces the committed cost model and its sidecar byte for byte', () => {
    const cost = result.cost;

    expect(cost).toBeDefined();
    expect(Buffer.from(cost?.bytes ?? []).equals(committed('cost/model.onnx'))).toBe(true);
    expect(sidecarText(cost?.sidecar as NonNullable<typeof cost>['sidecar'])).toBe(committed('cost/model.json').toString('utf8'));
  });

  it('names each model version after its bytes and reports both RMSEs in the sidecar', () => {
    for (const model of [result.duration, result.cost]) {
      expect(model?.sidecar.model_version).toMatch(/^[0-9a-f]{12}$/);
      expect(model?.sidecar.metrics.train_rmse).toBeGreaterThan(0);
      expect(model?.sidecar.metrics.validation_rmse).toBeGreaterThan(0);
    }
    expect(result.cost?.sidecar).toMatchObject({ unit: 'USD', target: 'total_amount' });
    expect(result.duration.sidecar).toMatchObject({ unit: 'minutes' });
    expect(result.duration.sidecar).not.toHaveProperty('target');
  });

  it('bounds trip_distance above the longest training trip and zones to the TLC ids 1–265', () => {
    for (const model of [result.duration, result.cost]) {
      const sidecar = model?.sidecar;
      expect(sidecar?.inputs.trip_distance).toMatchObject({ min: 0 });
      const max = (sidecar?.inputs.trip_distance as { max: number }).max;
      expect(max).toBeGreaterThanOrEqual(sidecar?.training.trip_distance_max as number);
      expect(sidecar?.inputs.PULocationID).toMatchObject({ min: 1, max: 265 });
      expect(sidecar?.inputs.DOLocationID).toMatchObject({ min: 1, max: 265 });
    }
  });

  it('gives costs in dollars a TLC meter could charge for the course ride', async () => {
    const model = await OnnxModel.fromBytes(result.cost?.bytes as Uint8Array);

    const [cost] = await model.run([features(model, batchOf([{ PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }]))]);

    // At least the meter's $2.50 + $0.50 a fifth of a mile for 3.66 miles plus the $0.80 of surcharges.
    expect(cost).toBeGreaterThan(2.5 + 0.5 * Math.floor(3.66 * 5) + 0.8);
    expect(cost).toBeLessThan(100);
  });

  it('reproduces each committed reference profile byte for byte, a valid monitor profile of its training rows', () => {
    for (const [model, dir] of [
      [result.duration, ''],
      [result.cost, 'cost/'],
    ] as const) {
      const text = profileText(model?.profile as NonNullable<typeof model>['profile']);
      const profile = parseReferenceProfile(JSON.parse(text));
      const name = model?.target.name as string;

      expect(text).toBe(committed(`${dir}reference-profile.json`).toString('utf8'));
      expect(profile.rows).toBe(model?.trainRows);
      expect(Object.keys(profile.features).sort()).toEqual(['DOLocationID', 'PULocationID', 'trip_distance']);
      expect(profile.models[name]).toEqual({ version: model?.version, metrics: model?.sidecar.metrics });
      // Least squares with an intercept: predictions and truth share their mean on the training rows.
      expect(profile.predictions[name]?.mean).toBeCloseTo(profile.actuals[name]?.mean as number, 1);
    }
  });

  it('profiles the predictions the served float32 graph gives, to the bit', async () => {
    const cost = result.cost as NonNullable<TrainResult['cost']>;
    const session = await OnnxModel.fromBytes(cost.bytes);
    const lookup = new Map(cost.model.vocabulary.map((s, i) => [s, i]));
    const rides = [
      { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 },
      { PULocationID: 132, DOLocationID: 161, trip_distance: 17.3 },
      { PULocationID: 264, DOLocationID: 1, trip_distance: 0 },
      ...cost.model.vocabulary
        .slice(0, 50)
        .map((pair, i) => ({ PULocationID: Number(pair.split('_')[0]), DOLocationID: Number(pair.split('_')[1]), trip_distance: i * 0.37 })),
    ];

    const served = await session.run([features(session, batchOf(rides))]);

    expect([...served]).toEqual(rides.map((r) => predictAsServed(cost.model, lookup, `${r.PULocationID}_${r.DOLocationID}`, r.trip_distance)));
  });

  it('recovers known coefficients by least squares', () => {
    const examples = Array.from({ length: 400 }, (_, i) => {
      const puDo = ['1_1', '1_2', '2_1', '7_7'][i % 4] as string;
      const offset = { '1_1': 2, '1_2': -1, '2_1': 4, '7_7': 0 }[puDo] as number;
      const tripDistance = (i % 13) + 0.5;
      return { puDo, tripDistance, target: 3 + offset + 2.5 * tripDistance };
    });

    const model = fitLinearRegression(examples);

    expect(model.distanceCoef).toBeCloseTo(2.5, 6);
    expect(rmse(model, examples)).toBeLessThan(1e-6);
  });
});

/** The batch a served model hands its runner: the course's PU_DO added from the zones (rides/features.ts). */
function features(model: OnnxModel, batch: InputBatch): InputBatch {
  return RIDE_FEATURES.apply(batch, model.inputs);
}
