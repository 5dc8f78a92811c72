import { onnx } from 'onnx-proto';
import { InvalidModelError } from '../../../../../lambda/serving/errors';
import { RIDE_FEATURES, type Ride } from '../../../../../lambda/rides/features';
import type { InputBatch } from '../../../../../lambda/model/input-batch';
import { OnnxModel } from '../../../../../lambda/model/runtimes/onnx/onnx-model';
import { ElemType } from '../../../../../models/training/onnx-graph';
import { batchOf, defaultModelBytes, servedModel } from '../../../../support/fixtures';
import { modelWithInput, oneHotLinearModel, rankOneModel, treeEnsembleModel } from '../../../../support/onnx-models';

const ride = (PULocationID: number, DOLocationID: number, trip_distance: number): Ride => ({ PULocationID, DOLocationID, trip_distance });

describe('OnnxModel with the default model', () => {
  it('computes weight[PU_DO] + coef · distance + intercept, read back from the graph', async () => {
    const bytes = defaultModelBytes();
    const graph = onnx.ModelProto.decode(bytes).graph as onnx.GraphProto;
    const init = (name: string) => graph.initializer.find((t) => t.name === name) as onnx.TensorProto;
    const mapper = graph.node.find((n) => n.opType === 'CategoryMapper') as onnx.NodeProto;
    const vocabulary = (mapper.attribute.find((a) => a.name === 'cats_strings') as onnx.AttributeProto).strings.map((s) => Buffer.from(s).toString());
    const weights = init('pu_do_weights').floatData;
    const [coef] = init('distance_coef').floatData;
    const [intercept] = init('intercept').floatData;
    const model = await OnnxModel.fromBytes(bytes);
    const known = vocabulary.slice(0, 3).map((pair) => pair.split('_').map(Number));
    const rides = [...known.map(([pu, d]) => ride(pu as number, d as number, 2.5)), ride(264, 265, 7)];

    const durations = await model.run([features(model, batchOf(rides))]);

    rides.forEach((r, i) => {
      const index = vocabulary.indexOf(`${r.PULocationID}_${r.DOLocationID}`);
      const weight = index === -1 ? 0 : (weights[index] as number);
      expect(durations[i]).toBeCloseTo(weight + (coef as number) * r.trip_distance + (intercept as number), 3);
    });
  });
});

describe('OnnxModel with scikit-learn-shaped graphs', () => {
  it('runs a OneHotEncoder + LinearRegressor pipeline', async () => {
    const model = await OnnxModel.fromBytes(oneHotLinearModel({ categories: ['1_2', '3_4'], coefficients: [10, 20, 0.5], intercept: 1 }));

    const durations = await model.run([features(model, batchOf([ride(1, 2, 4), ride(3, 4, 0), ride(9, 9, 2)]))]);

    // 10 + 0.5·4 + 1; 20 + 0 + 1; unknown pair: 0.5·2 + 1
    expect(Array.from(durations)).toEqual([13, 21, 2]);
  });

  it('runs a TreeEnsembleRegressor with int64 and double inputs', async () => {
    const model = await OnnxModel.fromBytes(treeEnsembleModel());

    const durations = await model.run([features(model, batchOf([ride(50, 1, 1), ride(50, 1, 3), ride(150, 1, 3), ride(150, 1, 2.5)]))]);

    expect(Array.from(durations)).toEqual([5, 15, 40, 5]);
  });

  it('feeds rank-1 inputs and reads a rank-1 output', async () => {
    const model = await OnnxModel.fromBytes(rankOneModel());

    expect(Array.from(await model.run([features(model, batchOf([ride(1, 1, 1.5), ride(1, 1, 4)]))]))).toEqual([3, 8]);
  });

  it('bounds rows per run by the one-hot width so dense intermediates stay within 64 MB', async () => {
    const categories = Array.from({ length: 5000 }, (_, i) => `${i + 1}_1`);
    const model = await OnnxModel.fromBytes(oneHotLinearModel({ categories, coefficients: [...categories.map(() => 1), 1], intercept: 0 }));

    expect(model.maxRowsPerRun).toBe(Math.floor((64 * 1024 * 1024) / (5000 * 4)));
  });
});

describe('OnnxModel rejects what it cannot serve, at load', () => {
  it('accepts any named input and reports it with its element type', async () => {
    const model = await OnnxModel.fromBytes(modelWithInput('passenger_count', ElemType.INT64));
    expect(model.inputs).toEqual([{ name: 'passenger_count', type: 'int64', rank: 2, width: 1 }]);
  });

  it('refuses a PU_DO input that is not a string tensor', async () => {
    // The course's PU_DO is built by the ride features step (rides/features.ts), which refuses it for any other input type.
    await expect(servedModel('x', modelWithInput('PU_DO', ElemType.FLOAT), 'v')).rejects.toThrow(/PU_DO' must be a string tensor/);
  });

  it('refuses an element type it cannot build', async () => {
    await expect(OnnxModel.fromBytes(modelWithInput('trip_distance', ElemType.INT8))).rejects.toThrow(/element type int8/);
  });

  it('reports bytes that are not ONNX as an invalid model (permanent: retrying the same bytes cannot help)', async () => {
    const error = await OnnxModel.fromBytes(new TextEncoder().encode('definitely not a model')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidModelError);
    expect((error as InvalidModelError).code).toBe('INVALID_MODEL');
  });
});

/** The batch a served model hands its runner: the course's features (PU_DO from the zones) added, as rides/features.ts does. */
function features(model: OnnxModel, batch: InputBatch): InputBatch {
  return RIDE_FEATURES.apply(batch, model.inputs);
}
