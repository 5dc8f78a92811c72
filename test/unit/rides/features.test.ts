import { RIDE_FEATURES, puDo } from '../../../lambda/rides/features';
import { batchOf, defaultModelBytes, defaultSidecar, servedModel } from '../../support/fixtures';
import { modelWithInput } from '../../support/onnx-models';
import { ElemType } from '../../../models/training/onnx-graph';

/** The course's ride features are a step before the model, not part of any runtime. */
describe('the ride features step (PU_DO from the zones)', () => {
  it('asks clients of a PU_DO model for the two zones, each an integer zone id ≥ 1', async () => {
    const model = await servedModel('duration', defaultModelBytes(), 'v', defaultSidecar());

    expect(model.fields.filter((f) => f.name !== 'trip_distance')).toEqual([
      expect.objectContaining({ name: 'PULocationID', kind: 'integer', min: 1 }),
      expect.objectContaining({ name: 'DOLocationID', kind: 'integer', min: 1 }),
    ]);
  });

  it('feeds a PU_DO column a batch already carries as it is, so a client may send the feature itself', async () => {
    const model = await servedModel('duration', defaultModelBytes(), 'v', defaultSidecar());
    const rides = [
      { PULocationID: 10, DOLocationID: 50, trip_distance: 40 },
      { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 },
    ];
    const fromZones = await model.predict(batchOf(rides));
    const direct = { length: 2, columns: { PU_DO: rides.map(puDo), trip_distance: Float64Array.from(rides.map((r) => r.trip_distance)) } };

    expect(Array.from(await model.predict(direct))).toEqual(Array.from(fromZones));
  });

  it('leaves a batch alone for a model without a PU_DO input', () => {
    const batch = batchOf([{ PULocationID: 1, DOLocationID: 2, trip_distance: 3 }]);

    expect(RIDE_FEATURES.apply(batch, [{ name: 'trip_distance', type: 'float32', rank: 2 }])).toBe(batch);
  });

  it('refuses a model whose PU_DO input is not text, at load, saying so', async () => {
    await expect(servedModel('x', modelWithInput('PU_DO', ElemType.FLOAT), 'v')).rejects.toThrow(/PU_DO' must be a string tensor/);
  });
});
