import { createRandom, type Random } from './random';

/**
 * The synthetic city: 265 taxi zones (TLC's numbering) at fixed positions, each with a
 * typical speed and a popularity. Central zones are busy and slow, outer ones quiet and fast.
 * The geography is drawn once from seed 42, so every generated month describes the same city.
 */
export const ZONE_COUNT = 265;

export interface City {
  /** zone centroids in miles from the centre, indexed by zone id (index 0 unused) */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** typical speed through the zone, mph */
  readonly speed: Float64Array;
  /** relative popularity as a pickup or drop-off zone */
  readonly weight: Float64Array;
}

function buildCity(): City {
  const random = createRandom(42);
  const x = new Float64Array(ZONE_COUNT + 1);
  const y = new Float64Array(ZONE_COUNT + 1);
  const speed = new Float64Array(ZONE_COUNT + 1);
  const weight = new Float64Array(ZONE_COUNT + 1);
  for (let z = 1; z <= ZONE_COUNT; z++) {
    const r = 12 * Math.sqrt(random());
    const angle = 2 * Math.PI * random();
    x[z] = r * Math.cos(angle);
    y[z] = r * Math.sin(angle);
    speed[z] = 7 + r * 1.2 + 3 * random();
    weight[z] = Math.exp(-r / 3) * (0.2 + random());
  }
  return { x, y, speed, weight };
}

export const city: City = buildCity();

/** Straight-line miles between two zones' centroids. */
export function zoneDistance(from: number, to: number): number {
  return Math.hypot((city.x[from] as number) - (city.x[to] as number), (city.y[from] as number) - (city.y[to] as number));
}

/**
 * Cumulative zone probabilities (index 1..265, last = 1). `shift` in [0, 1] moves that share
 * of each zone's popularity to the zone half the numbering away, so hot zones cool down and
 * quiet ones heat up (the generator's zone drift); 0 is the city as it is.
 */
export function zoneDistribution(shift = 0): Float64Array {
  const half = Math.floor(ZONE_COUNT / 2);
  const cumulative = new Float64Array(ZONE_COUNT + 1);
  let total = 0;
  for (let z = 1; z <= ZONE_COUNT; z++) {
    const own = city.weight[z] as number;
    const rotated = city.weight[((z - 1 + half) % ZONE_COUNT) + 1] as number;
    cumulative[z] = total += shift === 0 ? own : (1 - shift) * own + shift * rotated;
  }
  for (let z = 1; z <= ZONE_COUNT; z++) cumulative[z] = (cumulative[z] as number) / total;
  return cumulative;
}

/** One zone drawn from a cumulative distribution (one uniform draw). */
export function pickZone(cumulative: Float64Array, random: Random): number {
  const u = random();
  let lo = 1;
  let hi = ZONE_COUNT;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
