import { simpleStatistics } from './simple-statistics';

const { quantileSorted } = simpleStatistics;
import type { NumericProfile } from './profile-schema';

/** Values kept for quantiles; above it a uniform sample of this size stands for the column. */
export const RESERVOIR_SIZE = 100_000;
/** Up to this many values a profile keeps them all (exact tests); above, this many quantiles. */
export const SUMMARY_POINTS = 2_000;
/** Numbers with at most this many distinct values keep their value counts (Evidently tests them as categories). */
export const FEW_VALUES = 20;
const HISTOGRAM_BINS = 20;

/**
 * Streams one numeric column into a bounded profile: exact count, missing, invalid, mean and
 * standard deviation (Welford), min/max; quantiles from a seeded reservoir sample of
 * {@link RESERVOIR_SIZE} values (exact while the column is no larger), so memory stays fixed
 * whatever the row count.
 */
export class NumericProfileBuilder {
  private count = 0;
  private missing = 0;
  private invalid = 0;
  private excluded = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly reservoir = new Float64Array(RESERVOIR_SIZE);
  private valueCounts: Map<number, number> | undefined = new Map();
  // xorshift32: a fixed seed makes the same data give the same profile on every run.
  private state = 0x9e3779b9;

  add(value: number): void {
    if (Number.isNaN(value)) {
      this.missing++;
      return;
    }
    if (!Number.isFinite(value)) {
      this.invalid++;
      return;
    }
    this.count++;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.count <= RESERVOIR_SIZE) this.reservoir[this.count - 1] = value;
    else {
      const slot = Math.floor(this.random() * this.count);
      if (slot < RESERVOIR_SIZE) this.reservoir[slot] = value;
    }
    if (this.valueCounts) {
      this.valueCounts.set(value, (this.valueCounts.get(value) ?? 0) + 1);
      if (this.valueCounts.size > FEW_VALUES) this.valueCounts = undefined;
    }
  }

  /** A value of a row the source left out before scoring: counted as missing, invalid or excluded, never profiled. */
  addExcluded(value: number): void {
    if (Number.isNaN(value)) this.missing++;
    else if (!Number.isFinite(value)) this.invalid++;
    else this.excluded++;
  }

  addColumn(values: Float64Array): void {
    for (let i = 0; i < values.length; i++) this.add(values[i] as number);
  }

  finish(): NumericProfile {
    const kept = this.reservoir.slice(0, Math.min(this.count, RESERVOIR_SIZE)).sort();
    const values = Array.from(kept);
    const exact = this.count <= SUMMARY_POINTS;
    // Midpoint quantiles: each of the SUMMARY_POINTS values stands for an equal share of the rows.
    const summary = exact ? values : Array.from({ length: SUMMARY_POINTS }, (_, k) => quantileSorted(values, (k + 0.5) / SUMMARY_POINTS));
    return {
      type: 'numeric',
      count: this.count,
      missing: this.missing,
      invalid: this.invalid,
      ...(this.excluded > 0 ? { excluded: this.excluded } : {}),
      mean: this.count > 0 ? this.mean : null,
      std: this.count > 0 ? Math.sqrt(this.m2 / this.count) : null,
      min: this.count > 0 ? this.min : null,
      max: this.count > 0 ? this.max : null,
      quantiles: this.count > 0 ? quartiles(values) : null,
      summary,
      summary_exact: exact,
      values: this.valueCounts ? [...this.valueCounts].sort((a, b) => a[0] - b[0]).map(([value, count]) => ({ value, count })) : undefined,
      histogram: histogram(kept, this.count, this.min, this.max),
    };
  }

  private random(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
}

function quartiles(values: number[]): NonNullable<NumericProfile['quantiles']> {
  const at = (p: number) => quantileSorted(values, p);
  return { p01: at(0.01), p05: at(0.05), p25: at(0.25), p50: at(0.5), p75: at(0.75), p95: at(0.95), p99: at(0.99) };
}

/** Equal-width bins over [min, max], counts scaled from the sample to the whole column. */
function histogram(sorted: Float64Array, count: number, min: number, max: number): NumericProfile['histogram'] {
  if (sorted.length === 0) return { edges: [], counts: [] };
  const width = max > min ? (max - min) / HISTOGRAM_BINS : 1;
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, k) => min + k * width);
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const v of sorted) {
    const bin = Math.min(HISTOGRAM_BINS - 1, Math.floor((v - min) / width));
    counts[bin] = (counts[bin] as number) + 1;
  }
  const scale = count / sorted.length;
  return { edges, counts: counts.map((c) => Math.round(c * scale)) };
}
