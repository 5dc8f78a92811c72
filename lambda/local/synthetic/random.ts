/**
 * Seeded random streams for the synthetic trip generator: the same seed gives the same
 * sequence on any machine, so generated months (and the models trained on them) reproduce
 * byte for byte.
 */

/** A stream of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: a small, fast, seedable PRNG.
 *
 * @example
 * const random = createRandom(42);
 * random(); // 0.6011037519201636, on every machine
 */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A second, independent stream derived from `seed` and a stream number: new kinds of
 * randomness (fares, ...) draw from their own stream so the columns the first stream makes
 * stay exactly as they were.
 */
export function createSubstream(seed: number, stream: number): Random {
  // Golden-ratio multiplier: a cheap hash that keeps derived seeds far apart.
  return createRandom(Math.imul((seed ^ Math.imul(stream, 0x9e3779b9)) >>> 0, 0x85ebca6b) ^ stream);
}

/** A standard normal draw (Box–Muller); uses two uniform draws. */
export function normal(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
