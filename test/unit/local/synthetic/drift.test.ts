import fc from 'fast-check';
import { DriftSpecError, NO_DRIFT, parseDrift } from '../../../../lambda/local/synthetic/drift';

describe('the --drift spec', () => {
  it('reads any subset of the knobs and leaves the others at no drift', () => {
    expect(parseDrift('')).toEqual(NO_DRIFT);
    expect(parseDrift('distance=1.3,zones=0.5,hours=night')).toEqual({ distance: 1.3, zones: 0.5, hours: 'night' });
    expect(parseDrift(' hours = rush ')).toEqual({ ...NO_DRIFT, hours: 'rush' });
  });

  it.each([
    ['distance=0', 'distance'],
    ['distance=-2', 'distance'],
    ['zones=1.5', 'zones'],
    ['hours=noon', 'hours'],
    ['speed=2', 'speed'],
    ['distance', 'key=value'],
  ])('rejects %s with a message naming %s', (spec, named) => {
    expect(() => parseDrift(spec)).toThrow(DriftSpecError);
    expect(() => parseDrift(spec)).toThrow(named);
  });

  it('either parses a hostile spec into knobs in range or throws a DriftSpecError, never anything else', () => {
    const hostile = fc.oneof(
      fc.string(),
      fc
        .array(fc.tuple(fc.constantFrom('distance', 'zones', 'hours', 'x', ''), fc.oneof(fc.string(), fc.double().map(String))), { maxLength: 4 })
        .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join(',')),
    );
    fc.assert(
      fc.property(hostile, (spec) => {
        try {
          const drift = parseDrift(spec);
          expect(Number.isFinite(drift.distance) && drift.distance > 0).toBe(true);
          expect(drift.zones >= 0 && drift.zones <= 1).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(DriftSpecError);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
