import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { train } from '../../models/training/train';
import { fitLinearRegression, rmse } from '../../models/training/linear-regression';

describe('training', () => {
  it('reproduces the committed default model byte for byte', async () => {
    const committed = readFileSync(resolve(__dirname, '../../models/model.onnx'));
    const sidecar = JSON.parse(readFileSync(resolve(__dirname, '../../models/model.json'), 'utf8')) as { model_version: string };

    const result = await train({ train: [{ kind: 'synthetic', year: 2021, month: 1 }], validate: { kind: 'synthetic', year: 2021, month: 2 }, rows: 200_000 });

    expect(Buffer.from(result.bytes).equals(committed)).toBe(true);
    expect(result.version).toBe(sidecar.model_version);
    expect(result.validationRmse).toBeLessThan(10);
  });

  it('recovers known coefficients by least squares', () => {
    const examples = Array.from({ length: 400 }, (_, i) => {
      const puDo = ['1_1', '1_2', '2_1', '7_7'][i % 4] as string;
      const offset = { '1_1': 2, '1_2': -1, '2_1': 4, '7_7': 0 }[puDo] as number;
      const tripDistance = (i % 13) + 0.5;
      return { puDo, tripDistance, duration: 3 + offset + 2.5 * tripDistance };
    });

    const model = fitLinearRegression(examples);

    expect(model.distanceCoef).toBeCloseTo(2.5, 6);
    expect(rmse(model, examples)).toBeLessThan(1e-6);
  });
});
