import type { Ride } from '../../lambda/core/features';
import { OnnxModel } from '../../lambda/core/model';
import { createPredictService } from '../../lambda/core/predict';
import { COURSE_RIDE, defaultModelBytes } from '../support/fixtures';
import { RecordingModel } from '../support/fake-model';

const rides = (n: number): Ride[] =>
  Array.from({ length: n }, (_, i) => ({ PULocationID: 1 + (i % 265), DOLocationID: 1 + ((i * 31) % 265), trip_distance: (i % 97) / 7 }));

describe('PredictService', () => {
  it('runs the model once for many rides', async () => {
    const model = new RecordingModel();
    const service = createPredictService(model, 'v1');

    const durations = await service.predict(rides(1000));

    expect(model.runSizes).toEqual([1000]);
    expect(durations).toHaveLength(1000);
    expect(durations[999]).toBe(rides(1000)[999]!.PULocationID + rides(1000)[999]!.trip_distance);
  });

  it('splits inputs larger than the model allows per run, keeping order', async () => {
    const model = new RecordingModel(300);
    const input = rides(700);

    const durations = await createPredictService(model, 'v1').predict(input);

    expect(model.runSizes).toEqual([300, 300, 100]);
    expect(durations).toEqual(input.map((r) => r.PULocationID + r.trip_distance));
  });

  it('gives the same durations for a batch as for each ride alone, on the default model', async () => {
    const service = createPredictService(await OnnxModel.fromBytes(defaultModelBytes()), 'v1');
    const input = [COURSE_RIDE, ...rides(49)];

    const batch = await service.predict(input);
    const singles = await Promise.all(input.map(async (r) => (await service.predict([r]))[0]));

    expect(batch).toEqual(singles);
    expect(batch.every((d) => Number.isFinite(d))).toBe(true);
  });

  it('predicts longer trips take longer on the default model', async () => {
    const service = createPredictService(await OnnxModel.fromBytes(defaultModelBytes()), 'v1');

    const [short, long] = await service.predict([
      { PULocationID: 130, DOLocationID: 205, trip_distance: 1 },
      { PULocationID: 130, DOLocationID: 205, trip_distance: 10 },
    ]);

    expect(long! - short!).toBeGreaterThan(10);
  });

  it('reports the version it was built with', () => {
    expect(createPredictService(new RecordingModel(), 'run-42').modelVersion).toBe('run-42');
  });
});
