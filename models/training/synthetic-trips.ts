/**
 * A deterministic stand-in for NYC TLC trip records (the real files cannot be downloaded
 * here). Rows carry the published schema's columns; zones 1–265 with skewed popularity,
 * log-normal distances between zone centroids, zone-dependent speeds, and some trips whose
 * duration falls outside the course's 1–60 minute filter, as real months have.
 */
export interface TripRow {
  pickup_datetime: Date;
  dropoff_datetime: Date;
  PULocationID: number | null;
  DOLocationID: number | null;
  trip_distance: number | null;
}

export interface TripGeneratorOptions {
  seed?: number;
  year: number;
  /** 1–12 */
  month: number;
  rows: number;
  /** share of rows with a null zone or distance (real files have some) */
  nullRate?: number;
}

export const ZONE_COUNT = 265;

/** mulberry32: a small, fast, seedable PRNG; same seed, same sequence, on any machine. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

interface City {
  x: Float64Array;
  y: Float64Array;
  speed: Float64Array;
  cumulative: Float64Array;
}

/** Zone geography is fixed (seed 42) so every month describes the same city. */
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
    // Central zones are busy and slow, outer ones quiet and fast.
    speed[z] = 7 + r * 1.2 + 3 * random();
    weight[z] = Math.exp(-r / 3) * (0.2 + random());
  }
  const cumulative = new Float64Array(ZONE_COUNT + 1);
  let total = 0;
  for (let z = 1; z <= ZONE_COUNT; z++) cumulative[z] = total += weight[z] as number;
  for (let z = 1; z <= ZONE_COUNT; z++) cumulative[z] = (cumulative[z] as number) / total;
  return { x, y, speed, cumulative };
}

const city = buildCity();

function pickZone(random: () => number): number {
  const u = random();
  let lo = 1;
  let hi = ZONE_COUNT;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((city.cumulative[mid] as number) < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Yields `rows` trips picked up within the given month, in pickup order. */
export function* generateTrips(options: TripGeneratorOptions): Generator<TripRow> {
  const random = createRandom(options.seed ?? options.year * 100 + options.month);
  const nullRate = options.nullRate ?? 0;
  const start = Date.UTC(options.year, options.month - 1, 1);
  const span = Date.UTC(options.year, options.month, 1) - start;
  for (let i = 0; i < options.rows; i++) {
    const pu = pickZone(random);
    const doZone = random() < 0.1 ? pu : pickZone(random);
    const straight = Math.hypot((city.x[pu] as number) - (city.x[doZone] as number), (city.y[pu] as number) - (city.y[doZone] as number));
    const distance = Math.round((straight * 1.3 + 0.3) * Math.exp(0.35 * normal(random)) * 100) / 100;
    const mph = Math.sqrt((city.speed[pu] as number) * (city.speed[doZone] as number)) * Math.exp(0.2 * normal(random));
    const minutes = Math.max(0.05, (distance / mph) * 60 + 2 + 1.5 * normal(random));
    const pickupMs = start + Math.floor((i + random()) * (span / options.rows));
    const row: TripRow = {
      pickup_datetime: new Date(pickupMs),
      dropoff_datetime: new Date(pickupMs + Math.round(minutes * 60) * 1000),
      PULocationID: pu,
      DOLocationID: doZone,
      trip_distance: distance,
    };
    if (nullRate > 0 && random() < nullRate) {
      const which = Math.floor(random() * 3);
      if (which === 0) row.PULocationID = null;
      else if (which === 1) row.DOLocationID = null;
      else row.trip_distance = null;
    }
    yield row;
  }
}
