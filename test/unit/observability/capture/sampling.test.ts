import fc from 'fast-check';
import { isSampled, sampleKey } from '../../../../lambda/observability/capture/sampling';

describe('capture sampling', () => {
  it('gives the same answer for the same id every time', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ min: 0, max: 1, noNaN: true }), (id, rate) => {
        expect(isSampled(id, rate)).toBe(isSampled(id, rate));
      }),
    );
  });

  it('keeps at a lower rate only ids it also keeps at a higher rate', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (id, a, b) => {
        const [low, high] = a < b ? [a, b] : [b, a];
        if (isSampled(id, low)) expect(isSampled(id, high)).toBe(true);
      }),
    );
  });

  it('keeps every id at rate 1 and none at rate 0', () => {
    fc.assert(
      fc.property(fc.string(), (id) => {
        expect(isSampled(id, 1)).toBe(true);
        expect(isSampled(id, 0)).toBe(false);
      }),
    );
  });

  it('keeps close to the asked share of ride ids', () => {
    const ids = Array.from({ length: 20_000 }, (_, row) => `2021/02_${row}`);
    for (const rate of [0.01, 0.1, 0.5]) {
      const kept = ids.filter((id) => isSampled(id, rate)).length / ids.length;
      // binomial standard deviation at n = 20,000 is at most 0.0036; 4 of them
      expect(Math.abs(kept - rate)).toBeLessThan(0.015);
    }
  });

  it('maps every id into [0, 1)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (id) => {
        const key = sampleKey(id);
        expect(key).toBeGreaterThanOrEqual(0);
        expect(key).toBeLessThan(1);
      }),
    );
  });
});
