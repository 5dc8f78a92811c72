import fc from 'fast-check';
import { InvalidRideError, UnsupportedModelError } from '../../../lambda/serving/errors';
import { createModelSet } from '../../../lambda/model/model-set';
import { createRequestParser } from '../../../lambda/model/request-schema';
import type { RequestField } from '../../../lambda/model/model-input';
import { ElemType } from '../../../models/training/onnx-graph';
import { defaultModelBytes, defaultSidecar, servedModel } from '../../support/fixtures';
import { floatInputModel, imputedDistanceModel, modelWithInput, passengerModel } from '../../support/onnx-models';

const DISTANCE: RequestField = { name: 'trip_distance', kind: 'number', min: 0, nullable: true };
const ZONE: RequestField = { name: 'PULocationID', kind: 'integer', min: 1 };

describe('a nullable request field', () => {
  const parser = createRequestParser([ZONE, DISTANCE]);

  it('takes null or no value as NaN, the missing value the graph sees', () => {
    expect(parser.parseOne({ PULocationID: 1, trip_distance: null }).trip_distance).toBeNaN();
    expect(parser.parseOne({ PULocationID: 1 }).trip_distance).toBeNaN();
    expect(parser.parseOne({ PULocationID: 1, trip_distance: 2.5 }).trip_distance).toBe(2.5);
    expect(Array.from(parser.parse([{ PULocationID: 1 }, { PULocationID: 2, trip_distance: 3 }]).batch.columns.trip_distance as Float64Array)).toEqual([
      Number.NaN,
      3,
    ]);
  });

  it('answers any JSON value with NaN (null or absent), the number itself (valid), or an InvalidRideError with a code naming the field', () => {
    fc.assert(
      fc.property(fc.option(fc.jsonValue(), { nil: undefined }), (value) => {
        const ride = value === undefined ? { PULocationID: 1 } : { PULocationID: 1, trip_distance: value };
        let parsed: number | undefined;
        let error: unknown;
        try {
          parsed = parser.parseOne(ride).trip_distance as number;
        } catch (e) {
          error = e;
        }
        if (value === null || value === undefined) expect(parsed).toBeNaN();
        else if (typeof value === 'number' && Number.isFinite(value) && value >= 0) expect(parsed).toBe(value);
        else {
          expect(error).toBeInstanceOf(InvalidRideError);
          expect(error).toMatchObject({ code: 'INVALID_RIDE', field: 'trip_distance' });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('says what it takes when given something else', () => {
    expect(() => parser.parseOne({ PULocationID: 1, trip_distance: 'far' })).toThrow('trip_distance must be a number or null, got a string');
    expect(() => parser.parseOne({ PULocationID: 1, trip_distance: -1 })).toThrow('trip_distance must be ≥ 0');
  });

  it('without the mark, null and absence stay a 400 (INVALID_RIDE, MISSING_INPUT)', () => {
    const strict = createRequestParser([ZONE, { ...DISTANCE, nullable: undefined }]);

    expect(() => strict.parseOne({ PULocationID: 1, trip_distance: null })).toThrow(
      expect.objectContaining({ code: 'INVALID_RIDE', message: 'trip_distance must be a number, got null' }),
    );
    expect(() => strict.parseOne({ PULocationID: 1 })).toThrow(expect.objectContaining({ code: 'MISSING_INPUT' }));
  });
});

describe("a sidecar's nullable mark", () => {
  it('makes a float input nullable', async () => {
    const model = await servedModel('imputer', imputedDistanceModel(2.5, 2), 'v', { inputs: { trip_distance: { nullable: true } } });

    expect(model.fields).toEqual([{ name: 'trip_distance', kind: 'number', min: 0, unit: 'miles', nullable: true }]);
    expect(Array.from(await model.predict({ length: 2, columns: { trip_distance: Float64Array.of(Number.NaN, 4) } }))).toEqual([5, 8]);
  });

  it("marks a 2-D input's column by its name, or every column by the input's name", async () => {
    const bytes = floatInputModel({ coefficients: [1, 1, 1], intercept: 0, elemType: ElemType.DOUBLE });
    const columns = { columns: ['PULocationID', 'DOLocationID', 'trip_distance'] };

    const one = await servedModel('one', bytes, 'v', { inputs: { float_input: columns, trip_distance: { nullable: true } } });
    const all = await servedModel('all', bytes, 'v', { inputs: { float_input: { ...columns, nullable: true }, trip_distance: { max: 100 } } });

    expect(one.fields.map((f) => f.nullable === true)).toEqual([false, false, true]);
    expect(all.fields.map((f) => f.nullable === true)).toEqual([true, true, true]);
    expect(all.fields[2]).toMatchObject({ max: 100, nullable: true });
  });

  it.each([
    [
      'an int64 input',
      () => passengerModel(),
      { passenger_count: { nullable: true } },
      /marks 'passenger_count' nullable, but it feeds the int64 input 'passenger_count'; only float and double inputs can take a missing value/,
    ],
    [
      'an int32 input',
      () => modelWithInput('zone', ElemType.INT32),
      { zone: { nullable: true } },
      /marks 'zone' nullable, but it feeds the int32 input 'zone'/,
    ],
    [
      'a zone of the PU_DO string input',
      () => defaultModelBytes(),
      { PULocationID: { nullable: true } },
      /marks 'PULocationID' nullable, but it feeds the string input 'PU_DO'/,
    ],
    [
      'a column of an int64 2-D input',
      () => floatInputModel({ coefficients: [1, 1], intercept: 0, elemType: ElemType.INT64 }),
      { float_input: { columns: ['a', 'b'] }, b: { nullable: true } },
      /marks 'b' nullable, but it feeds the int64 input 'float_input'/,
    ],
  ])('is refused at load on %s, naming it', async (_case, bytes, inputs, message) => {
    const error = await servedModel('m', bytes(), 'v', { inputs }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnsupportedModelError);
    expect((error as Error).message).toMatch(message);
  });

  it('holds for a set only where every model reading the field takes a missing value', async () => {
    const imputer = await servedModel('imputer', imputedDistanceModel(2.5, 2), 'v', { inputs: { trip_distance: { nullable: true } } });
    const duration = await servedModel('duration', defaultModelBytes(), 'v', defaultSidecar());
    const set = createModelSet([duration, imputer]);

    expect(set.fields.find((f) => f.name === 'trip_distance')?.nullable).toBeUndefined();
    expect(set.fieldsOf(['imputer']).find((f) => f.name === 'trip_distance')?.nullable).toBe(true);
  });
});
