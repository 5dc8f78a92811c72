import fc from 'fast-check';
import { InvalidRideError } from '../../../lambda/serving/errors';
import { RIDE_FEATURES, puDo } from '../../../lambda/rides/features';
import { createRequestParser } from '../../../lambda/model/request-schema';
import { ELEMENT_TYPES, fieldsForInput, type ElementType } from '../../../lambda/model/model-input';
import { COURSE_RIDE, defaultModels } from '../../support/fixtures';

function errorOf(fn: () => unknown): InvalidRideError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidRideError) return error;
    throw error;
  }
  throw new Error('expected an InvalidRideError');
}

describe('the default model set request schema (PU_DO + trip_distance with its sidecar)', () => {
  let parser: ReturnType<Awaited<ReturnType<typeof defaultModels>>['requestParser']>;
  beforeAll(async () => {
    parser = (await defaultModels()).requestParser();
  });

  it('accepts the course request and keeps its values', () => {
    expect(parser.parseOne(COURSE_RIDE)).toEqual(COURSE_RIDE);
  });

  it('tolerates unknown extra fields and drops them', () => {
    expect(parser.parseOne({ ...COURSE_RIDE, VendorID: 2, note: 'x' })).toEqual(COURSE_RIDE);
  });

  it.each([
    ['a missing field', { DOLocationID: 50, trip_distance: 1 }, 'PULocationID', 'PULocationID is required', 'MISSING_INPUT'],
    ['a string zone', { ...COURSE_RIDE, DOLocationID: '50' }, 'DOLocationID', 'DOLocationID must be a number, got a string', 'INVALID_RIDE'],
    ['a null distance', { ...COURSE_RIDE, trip_distance: null }, 'trip_distance', 'trip_distance must be a number, got null', 'INVALID_RIDE'],
    ['a non-integer zone', { ...COURSE_RIDE, PULocationID: 10.5 }, 'PULocationID', 'PULocationID must be an integer', 'INVALID_RIDE'],
    ['zone 0', { ...COURSE_RIDE, PULocationID: 0 }, 'PULocationID', 'PULocationID must be ≥ 1', 'INVALID_RIDE'],
    ['a negative zone', { ...COURSE_RIDE, DOLocationID: -3 }, 'DOLocationID', 'DOLocationID must be ≥ 1', 'INVALID_RIDE'],
    ['a negative distance (the sidecar says min 0)', { ...COURSE_RIDE, trip_distance: -0.1 }, 'trip_distance', 'trip_distance must be ≥ 0', 'INVALID_RIDE'],
    ['a NaN distance', { ...COURSE_RIDE, trip_distance: Number.NaN }, 'trip_distance', 'trip_distance must be a finite number', 'INVALID_RIDE'],
    [
      'an infinite distance',
      { ...COURSE_RIDE, trip_distance: Number.POSITIVE_INFINITY },
      'trip_distance',
      'trip_distance must be a finite number',
      'INVALID_RIDE',
    ],
  ])('rejects %s, naming the field', (_case, input, field, message, code) => {
    const error = errorOf(() => parser.parseOne(input));
    expect(error.field).toBe(field);
    expect(error.message).toBe(message);
    expect(error.code).toBe(code);
  });

  it.each([
    ['null', null],
    ['a string', 'ride'],
    ['a number', 42],
  ])('rejects %s as the whole ride', (_case, input) => {
    expect(errorOf(() => parser.parseOne(input)).message).toMatch(/^expected a ride object with PULocationID, DOLocationID and trip_distance/);
  });

  it('accepts a zero distance', () => {
    expect(parser.parseOne({ ...COURSE_RIDE, trip_distance: 0 }).trip_distance).toBe(0);
  });

  it('turns a single ride into a one-row batch and says it was not an array', () => {
    const { batch, isArray } = parser.parse(COURSE_RIDE);
    expect(isArray).toBe(false);
    expect(batch.length).toBe(1);
    expect(Array.from(batch.columns.trip_distance as Float64Array)).toEqual([40]);
  });

  it('names the element of an array that failed', () => {
    expect(errorOf(() => parser.parse([COURSE_RIDE, { ...COURSE_RIDE, trip_distance: 'far' }])).field).toBe('[1].trip_distance');
  });

  it('rejects an empty array', () => {
    expect(errorOf(() => parser.parse([])).message).toMatch(/empty array/);
  });

  it('builds PU_DO as the course does', () => {
    expect(puDo({ PULocationID: 130, DOLocationID: 205 })).toBe('130_205');
  });
});

/** A value that the field of `type` accepts, and whether it must be rejected. */
const valueFor = (type: ElementType): fc.Arbitrary<{ value: unknown; ok: boolean }> => {
  const ok = (value: unknown) => ({ value, ok: true });
  const bad = (value: unknown) => ({ value, ok: false });
  switch (type) {
    case 'string':
      return fc.oneof(fc.string().map(ok), fc.double().map(bad), fc.constant(bad(null)));
    case 'float32':
    case 'float64':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map(ok), fc.string().map(bad), fc.constant(bad(true)));
    case 'int32':
      return fc.oneof(
        fc.integer().map(ok),
        fc.constant(bad(2 ** 31)),
        fc.double({ min: 0.1, max: 0.9 }).map((d) => bad(3 + d)),
        fc.string().map(bad),
      );
    case 'int64':
      return fc.oneof(
        fc.maxSafeInteger().map(ok),
        fc.constant(bad(2 ** 60)),
        fc.double({ min: 0.1, max: 0.9 }).map((d) => bad(-7 + d)),
        fc.constant(bad([])),
      );
  }
};

describe('request schemas built from generated model signatures', () => {
  it('accept exactly the values each input type allows, naming the first bad field without echoing its value', () => {
    const signature = fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), type: fc.constantFrom(...ELEMENT_TYPES) }), {
      selector: (i) => i.name,
      minLength: 1,
      maxLength: 5,
    });
    fc.assert(
      fc.property(
        signature.chain((inputs) => fc.tuple(fc.constant(inputs), fc.tuple(...inputs.map((i) => valueFor(i.type))))),
        ([inputs, values]) => {
          const fields = inputs.flatMap((i) => fieldsForInput({ name: i.name, type: i.type, rank: 2 }, RIDE_FEATURES));
          const parser = createRequestParser(fields);
          const ride = Object.fromEntries(inputs.map((input, k) => [input.name, values[k]!.value]));
          const firstBad = inputs.findIndex((_, k) => !values[k]!.ok);
          if (firstBad === -1) {
            expect(parser.parseOne(ride)).toEqual(ride);
            return;
          }
          const error = errorOf(() => parser.parse([ride]));
          expect(error.field).toBe(`[0].${inputs[firstBad]!.name}`);
          const sent = values[firstBad]!.value;
          if (typeof sent === 'string' && sent.length > 3) expect(error.message).not.toContain(sent);
        },
      ),
      { numRuns: 300 },
    );
  });
});
