import { UnknownModelError, UnsupportedModelError } from '../../../lambda/serving/errors';
import { createModelSet } from '../../../lambda/model/model-set';
import { createServedModel } from '../../../lambda/model/served-model';
import type { ModelRunEvent } from '../../../lambda/model/observers';
import { ElemType } from '../../../models/training/onnx-graph';
import { COURSE_RIDE, batchOf, defaultModels, servedModel } from '../../support/fixtures';
import { RecordingRunner } from '../../support/fake-model';
import { modelWithInput, rankOneModel } from '../../support/onnx-models';

const rides = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ PULocationID: 1 + (i % 265), DOLocationID: 1 + ((i * 31) % 265), trip_distance: (i % 97) / 7 }));

describe('a model set', () => {
  it('runs each model once for many rides', async () => {
    const runner = new RecordingRunner();
    const set = createModelSet([createServedModel({ name: 'duration', version: 'v1', runner, source: 'test' })]);
    const input = rides(1000);

    const { outputs } = await set.predict(batchOf(input));

    expect(runner.runSizes).toEqual([1000]);
    expect(outputs.duration?.[999]).toBe(input[999]!.PULocationID + input[999]!.trip_distance);
  });

  it('splits inputs larger than a model allows per run, keeping order', async () => {
    const runner = new RecordingRunner(300);
    const set = createModelSet([createServedModel({ name: 'duration', version: 'v1', runner, source: 'test' })]);
    const input = rides(700);

    const { outputs } = await set.predict(batchOf(input));

    expect(runner.runSizes).toEqual([300, 300, 100]);
    expect(Array.from(outputs.duration!)).toEqual(input.map((r) => r.PULocationID + r.trip_distance));
  });

  it('gives the same durations for a batch as for each ride alone, on the default model', async () => {
    const set = await defaultModels();
    const input = [COURSE_RIDE, ...rides(49)];

    const batch = Array.from((await set.predict(batchOf(input))).outputs.duration!);
    const singles = await Promise.all(input.map(async (r) => (await set.predict(batchOf([r]))).outputs.duration![0]));

    expect(batch).toEqual(singles);
    expect(batch.every((d) => Number.isFinite(d))).toBe(true);
  });

  it('predicts longer trips take longer on the default model', async () => {
    const set = await defaultModels();

    const [short, long] = (
      await set.predict(
        batchOf([
          { PULocationID: 130, DOLocationID: 205, trip_distance: 1 },
          { PULocationID: 130, DOLocationID: 205, trip_distance: 10 },
        ]),
      )
    ).outputs.duration!;

    expect(long! - short!).toBeGreaterThan(10);
  });

  it('gives each model its own outputs and version, exactly as each model alone', async () => {
    const duration = (await defaultModels('d-1')).require('duration');
    const double = await servedModel('double', rankOneModel(), 'x-2');
    const both = createModelSet([duration, double]);
    const input = batchOf(rides(20));

    const together = await both.predict(input);
    const durationAlone = await createModelSet([duration]).predict(input);
    const doubleAlone = await createModelSet([double]).predict(input);

    expect(together.versions).toEqual({ duration: 'd-1', double: 'x-2' });
    expect(Array.from(together.outputs.duration!)).toEqual(Array.from(durationAlone.outputs.duration!));
    expect(Array.from(together.outputs.double!)).toEqual(Array.from(doubleAlone.outputs.double!));
    expect(both.primary).toBe('duration');
    expect(both.fields.map((f) => f.name)).toEqual(['PULocationID', 'DOLocationID', 'trip_distance']);
  });

  it('runs only the models asked for, and names an unknown one', async () => {
    const runner = new RecordingRunner();
    const set = createModelSet([createServedModel({ name: 'a', version: '1', runner, source: 't' }), await servedModel('b', rankOneModel(), '2')]);

    const { outputs } = await set.predict(batchOf(rides(3)), ['b']);

    expect(Object.keys(outputs)).toEqual(['b']);
    expect(runner.runSizes).toEqual([]);
    await expect(set.predict(batchOf(rides(1)), ['nope'])).rejects.toThrow(UnknownModelError);
    expect(set.primary).toBe('a');
  });

  it('tells the run observer each model run with its exact inputs and outputs (the shadow seam)', async () => {
    const events: ModelRunEvent[] = [];
    const set = await defaultModels('v7', { onModelRun: (event) => events.push(event) });
    const batch = batchOf([COURSE_RIDE]);

    const { outputs } = await set.predict(batch);

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ model: 'duration', version: 'v7', batch });
    expect(events[0]!.output).toBe(outputs.duration);
  });

  it('refuses two models that read one field as text and as a number', async () => {
    const text = await servedModel('text', modelWithInput('trip_distance', ElemType.STRING), '1');
    const number = await servedModel('number', rankOneModel(), '2');

    expect(() => createModelSet([text, number])).toThrow(UnsupportedModelError);
    expect(() => createModelSet([number, number])).toThrow(/two models are named 'number'/);
  });
});
