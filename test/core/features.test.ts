import { InvalidRideError } from '../../lambda/core/errors';
import { featureValue, parseRide, parseRides, puDo } from '../../lambda/core/features';
import { COURSE_RIDE } from '../support/fixtures';

function errorOf(fn: () => unknown): InvalidRideError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidRideError) return error;
    throw error;
  }
  throw new Error('expected an InvalidRideError');
}

describe('parseRide', () => {
  it('accepts the course request and keeps its values', () => {
    expect(parseRide(COURSE_RIDE)).toEqual(COURSE_RIDE);
  });

  it('tolerates unknown extra fields and drops them', () => {
    expect(parseRide({ ...COURSE_RIDE, VendorID: 2, note: 'x' })).toEqual(COURSE_RIDE);
  });

  it.each([
    ['a missing field', { DOLocationID: 50, trip_distance: 1 }, 'PULocationID', 'PULocationID is required'],
    ['a string zone', { ...COURSE_RIDE, DOLocationID: '50' }, 'DOLocationID', 'DOLocationID must be a number, got a string'],
    ['a null distance', { ...COURSE_RIDE, trip_distance: null }, 'trip_distance', 'trip_distance must be a number, got null'],
    ['a non-integer zone', { ...COURSE_RIDE, PULocationID: 10.5 }, 'PULocationID', 'PULocationID must be an integer zone id'],
    ['zone 0', { ...COURSE_RIDE, PULocationID: 0 }, 'PULocationID', 'PULocationID must be a zone id ≥ 1'],
    ['a negative zone', { ...COURSE_RIDE, DOLocationID: -3 }, 'DOLocationID', 'DOLocationID must be a zone id ≥ 1'],
    ['a negative distance', { ...COURSE_RIDE, trip_distance: -0.1 }, 'trip_distance', 'trip_distance must be ≥ 0'],
    ['a NaN distance', { ...COURSE_RIDE, trip_distance: Number.NaN }, 'trip_distance', 'trip_distance must be a finite number'],
    ['an infinite distance', { ...COURSE_RIDE, trip_distance: Number.POSITIVE_INFINITY }, 'trip_distance', 'trip_distance must be a finite number'],
  ])('rejects %s, naming the field', (_case, input, field, message) => {
    const error = errorOf(() => parseRide(input));
    expect(error.field).toBe(field);
    expect(error.message).toBe(message);
    expect(error.code).toBe('INVALID_RIDE');
  });

  it.each([
    ['null', null],
    ['a string', 'ride'],
    ['a number', 42],
  ])('rejects %s as the whole ride', (_case, input) => {
    expect(errorOf(() => parseRide(input)).message).toMatch(/^expected a ride object/);
  });

  it('accepts a zero distance', () => {
    expect(parseRide({ ...COURSE_RIDE, trip_distance: 0 }).trip_distance).toBe(0);
  });
});

describe('parseRides', () => {
  it('wraps a single ride and says it was not an array', () => {
    expect(parseRides(COURSE_RIDE)).toEqual({ rides: [COURSE_RIDE], isArray: false });
  });

  it('names the element of an array that failed', () => {
    const error = errorOf(() => parseRides([COURSE_RIDE, { ...COURSE_RIDE, trip_distance: 'far' }]));
    expect(error.field).toBe('[1].trip_distance');
  });

  it('rejects an empty array', () => {
    expect(errorOf(() => parseRides([])).message).toMatch(/empty array/);
  });
});

describe('features', () => {
  it('builds PU_DO as the course does', () => {
    expect(puDo({ PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 })).toBe('130_205');
  });

  it('exposes raw ride fields as features too', () => {
    expect(featureValue(COURSE_RIDE, 'PULocationID')).toBe(10);
    expect(featureValue(COURSE_RIDE, 'trip_distance')).toBe(40);
    expect(featureValue(COURSE_RIDE, 'PU_DO')).toBe('10_50');
  });
});
