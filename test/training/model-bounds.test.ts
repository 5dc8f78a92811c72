import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { InferenceSession, Tensor } from 'onnxruntime-node';

const models = resolve(__dirname, '../../models');

interface Bounds {
  inputs: { trip_distance: { min: number; max: number }; PULocationID: { min: number }; DOLocationID: { min: number } };
}

describe.each(['model', 'cost/model'])('the shipped %s.onnx within its sidecar bounds', (name) => {
  let session: InferenceSession;
  const sidecar = JSON.parse(readFileSync(resolve(models, `${name}.json`), 'utf8')) as Bounds;
  beforeAll(async () => {
    session = await InferenceSession.create(readFileSync(resolve(models, `${name}.onnx`)));
  });
  afterAll(() => session.release());

  it('declares trip_distance ≥ 0 with a finite upper bound and zones ≥ 1', () => {
    expect(sidecar.inputs.trip_distance.min).toBe(0);
    expect(Number.isFinite(sidecar.inputs.trip_distance.max)).toBe(true);
    expect(sidecar.inputs.PULocationID.min).toBe(1);
    expect(sidecar.inputs.DOLocationID.min).toBe(1);
  });

  it('answers a finite number for every in-bounds ride, known zone pair or not', async () => {
    const { max } = sidecar.inputs.trip_distance;
    const ride = fc.record({
      pu: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      do: fc.oneof(fc.integer({ min: 1, max: 265 }), fc.integer({ min: 1, max: 2 ** 31 - 1 })),
      distance: fc.oneof(fc.constantFrom(0, max), fc.double({ min: 0, max, noNaN: true })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(ride, { minLength: 1, maxLength: 64 }), async (rides) => {
        const feeds = {
          PU_DO: new Tensor(
            'string',
            rides.map((r) => `${r.pu}_${r.do}`),
            [rides.length, 1],
          ),
          trip_distance: new Tensor('float32', Float32Array.from(rides.map((r) => r.distance)), [rides.length, 1]),
        };
        const output = (await session.run(feeds)).variable?.data as Float32Array;
        expect(output).toHaveLength(rides.length);
        expect([...output].every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
