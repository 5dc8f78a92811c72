import fc from 'fast-check';
import { UnsupportedModelError } from '../../../lambda/serving/errors';
import { OnnxModel } from '../../../lambda/model/runtimes/onnx/onnx-model';
import { createServedModel, type SignatureColumn } from '../../../lambda/model/served-model';
import { createRequestParser } from '../../../lambda/model/request-schema';
import { RIDE_FEATURES } from '../../../lambda/rides/features';
import { ModelSidecarSchema, type ModelSidecar } from '../../../lambda/model/sidecar';
import { ElemType } from '../../../models/training/onnx-graph';
import { batchOf } from '../../support/fixtures';
import { floatInputModel, rankOneModel } from '../../support/onnx-models';

const COLUMNS = ['PULocationID', 'DOLocationID', 'trip_distance'];
const named = (columns: string[] = COLUMNS, extra: ModelSidecar['inputs'] = {}): ModelSidecar => ({ inputs: { float_input: { columns }, ...extra } });
const column = (name: string, type: string, kind: SignatureColumn['kind']): SignatureColumn => ({ name, type, kind });
const SIGNATURE: SignatureColumn[] = [
  column('PULocationID', 'long', 'integer'),
  column('DOLocationID', 'long', 'integer'),
  column('trip_distance', 'double', 'number'),
];

async function served(bytes: Uint8Array, options: { sidecar?: ModelSidecar; signature?: SignatureColumn[] } = {}) {
  return createServedModel({ name: 'zoo', version: 'v1', runner: await OnnxModel.fromBytes(bytes), preprocessing: RIDE_FEATURES, source: 'test', ...options });
}

/** What skl2onnx's LinearRegressor computes for a row, in float32 as onnxruntime does. */
function linear(coefficients: readonly number[], intercept: number, row: readonly number[]): number {
  return row.reduce((sum, x, j) => sum + Math.fround(Math.fround(x) * Math.fround(coefficients[j] as number)), intercept);
}

describe("a single 2-D input [None, k] (skl2onnx's float_input)", () => {
  const bytes = floatInputModel({ coefficients: [1, 10, 100], intercept: 0.5 });

  it('is served when the sidecar names its columns: each column a request field, the tensor row-major', async () => {
    const model = await served(bytes, { sidecar: named() });

    const output = await model.predict(
      batchOf([
        { PULocationID: 1, DOLocationID: 2, trip_distance: 3 },
        { PULocationID: 4, DOLocationID: 5, trip_distance: 6 },
      ]),
    );

    expect(model.fields.map((f) => f.name)).toEqual(COLUMNS);
    // Row-major: ride 1 is (1, 2, 3); a column-major tensor would have fed it (1, 4, 2).
    expect(Array.from(output)).toEqual([0.5 + 1 + 20 + 300, 0.5 + 4 + 50 + 600]);
  });

  it('is served when an MLflow column-based signature names the columns, in order, with their kinds', async () => {
    const model = await served(bytes, { signature: SIGNATURE });

    expect(model.fields).toEqual([
      expect.objectContaining({ name: 'PULocationID', kind: 'integer' }),
      expect.objectContaining({ name: 'DOLocationID', kind: 'integer' }),
      expect.objectContaining({ name: 'trip_distance', kind: 'number', min: 0 }),
    ]);
    expect(Array.from(await model.predict(batchOf([{ PULocationID: 7, DOLocationID: 8, trip_distance: 9 }])))).toEqual([0.5 + 7 + 80 + 900]);
  });

  it('applies sidecar bounds given by column name, and the course rule trip_distance ≥ 0', async () => {
    const model = await served(bytes, { sidecar: named(COLUMNS, { PULocationID: { min: 1, max: 265 } }) });
    const parser = createRequestParser(model.fields);

    expect(model.fields.find((f) => f.name === 'PULocationID')).toMatchObject({ min: 1, max: 265 });
    expect(() => parser.parseOne({ PULocationID: 266, DOLocationID: 1, trip_distance: 1 })).toThrow('PULocationID must be ≤ 265');
    expect(() => parser.parseOne({ PULocationID: 1, DOLocationID: 1, trip_distance: -1 })).toThrow('trip_distance must be ≥ 0');
    expect(() => parser.parseOne({ PULocationID: 1, trip_distance: 1 })).toThrow('DOLocationID is required');
  });

  it('feeds double and int64 inputs too, row-major, for any rows and weights', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(ElemType.FLOAT, ElemType.DOUBLE, ElemType.INT64),
        fc.integer({ min: 1, max: 5 }).chain((k) =>
          fc.record({
            coefficients: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: k, maxLength: k }),
            rows: fc.array(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: k, maxLength: k }), { minLength: 1, maxLength: 20 }),
          }),
        ),
        async (elemType, { coefficients, rows }) => {
          const names = coefficients.map((_, j) => `x${j}`);
          const model = await served(floatInputModel({ coefficients, intercept: 2, elemType }), { sidecar: named(names) });
          const output = await model.predict(batchOf(rows.map((row) => Object.fromEntries(names.map((name, j) => [name, row[j] as number])))));
          rows.forEach((row, i) => expect(output[i]).toBeCloseTo(linear(coefficients, 2, row), 0));
          await model.release?.();
        },
      ),
      { numRuns: 25 },
    );
  });

  it('is served when the graph leaves k open ([None, None]) and the sidecar names the columns', async () => {
    const model = await served(floatInputModel({ coefficients: [1, 2], intercept: 0, width: null }), { sidecar: named(['a', 'b']) });

    expect(Array.from(await model.predict(batchOf([{ a: 3, b: 4 }])))).toEqual([11]);
  });

  it('is refused at load without names, with a message saying how to name them both ways', async () => {
    const error = await served(bytes).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnsupportedModelError);
    expect((error as Error).message).toMatch(/^model 'zoo': input 'float_input' is \[N,3\], and nothing names its 3 columns/);
    expect((error as Error).message).toContain('in the sidecar beside the model ({"inputs":{"float_input":{"columns":["column_1","column_2","column_3"]}}})');
    expect((error as Error).message).toContain('or by an MLflow column-based signature with 3 columns');
  });

  it.each([
    [
      'the sidecar',
      { sidecar: named(['PULocationID', 'trip_distance']) },
      /input 'float_input' is \[N,3\] but the sidecar names 2 columns \(PULocationID, trip_distance\)/,
    ],
    ['the MLmodel signature', { signature: SIGNATURE.slice(0, 2) }, /input 'float_input' is \[N,3\] but the MLmodel signature names 2 columns/],
    ['the sidecar (too many)', { sidecar: named([...COLUMNS, 'passenger_count']) }, /is \[N,3\] but the sidecar names 4 columns/],
  ])('is refused at load when %s names a number of columns other than k, naming both numbers', async (_case, options, message) => {
    await expect(served(bytes, options)).rejects.toThrow(message);
  });

  it('is refused when the sidecar and the signature name different columns', async () => {
    await expect(served(bytes, { sidecar: named(['DOLocationID', 'PULocationID', 'trip_distance']), signature: SIGNATURE })).rejects.toThrow(
      /the sidecar names the columns of 'float_input' DOLocationID, PULocationID, trip_distance but the MLmodel signature names PULocationID, DOLocationID, trip_distance/,
    );
  });

  it('refuses columns for an input that has none, and for an input the model lacks', async () => {
    await expect(served(rankOneModel(), { sidecar: { inputs: { trip_distance: { columns: ['a'] } } } })).rejects.toThrow(
      /names columns of 'trip_distance', a \[N\] input; only an \[N,k\] input has columns/,
    );
    await expect(served(bytes, { sidecar: { inputs: { ...named().inputs, other_input: { columns: ['a'] } } } })).rejects.toThrow(
      /names the columns of 'other_input', which is not one of its inputs \(float_input\)/,
    );
  });

  it('refuses duplicate column names in the sidecar', () => {
    expect(ModelSidecarSchema.safeParse({ inputs: { float_input: { columns: ['a', 'a', 'b'] } } }).success).toBe(false);
  });
});

describe('MLflow signature types checked against the ONNX input types', () => {
  const floatModel = floatInputModel({ coefficients: [1, 1, 1], intercept: 0 });
  const intModel = floatInputModel({ coefficients: [1, 1, 1], intercept: 0, elemType: ElemType.INT64 });

  it('allows an integer column into a float input (and narrows the field to integers), and double into float32', async () => {
    const model = await served(floatModel, { signature: SIGNATURE });

    expect(model.fields.map((f) => f.kind)).toEqual(['integer', 'integer', 'number']);
  });

  it('refuses a floating-point column into an integer input, naming the column, the input and both types', async () => {
    await expect(served(intModel, { signature: SIGNATURE })).rejects.toThrow(
      "model 'zoo': MLmodel signature disagrees with the ONNX inputs: 'trip_distance' (a column of 'float_input') is double in the signature but int64 in the graph",
    );
  });

  it('refuses text into a number input, naming both types', async () => {
    await expect(served(floatModel, { signature: [column('PULocationID', 'string', 'string'), ...SIGNATURE.slice(1)] })).rejects.toThrow(
      /'PULocationID' \(a column of 'float_input'\) is string in the signature but float32 in the graph/,
    );
  });
});
