import { OTHER_CATEGORY } from './categorical-profile-builder';
import type { CategoricalProfile, ColumnProfile, NumericProfile } from './profile-schema';
import { chiSquareDriftPValue } from './stattests/chi-square';
import { jensenShannonDrift } from './stattests/jensen-shannon';
import { ksTest } from './stattests/kolmogorov-smirnov';
import { normedWassersteinDistance } from './stattests/wasserstein';
import { proportionZTestPValue } from './stattests/z-test';

/** Evidently's stattest names, as its reports print them. */
export type DriftMethod = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon';

/** Each method's default threshold and which side of it is drift (Evidently's StatTest definitions). */
export const DRIFT_METHODS: Readonly<Record<DriftMethod, { title: string; threshold: number; score: 'p_value' | 'distance' }>> = {
  ks: { title: 'K-S p_value', threshold: 0.05, score: 'p_value' },
  chisquare: { title: 'chi-square p_value', threshold: 0.05, score: 'p_value' },
  z: { title: 'Z-test p_value', threshold: 0.05, score: 'p_value' },
  wasserstein: { title: 'Wasserstein distance (normed)', threshold: 0.1, score: 'distance' },
  jensenshannon: { title: 'Jensen-Shannon distance', threshold: 0.1, score: 'distance' },
};

/** Evidently picks the small-sample tests while the reference has at most this many values. */
export const SMALL_REFERENCE_ROWS = 1_000;

/** One column's drift verdict. */
export interface ColumnDrift {
  drift: boolean;
  /** null when a side has no values to test */
  method: DriftMethod | null;
  method_title: string;
  /** the p-value or distance the verdict compares with the threshold */
  score: number | null;
  threshold: number;
  type: ColumnProfile['type'];
  reference_values: number;
  current_values: number;
  /** for K-S: how its p-value was computed (exact for ≤ 10,000 values a side, else asymptotic) */
  p_value_method?: 'exact' | 'asymptotic';
  /** set when a side has too few values for the method to tell drift from sampling noise */
  sample_warning?: string;
}

/**
 * When a verdict rests on too small a sample (see {@link sampleWarning}). The distances are
 * compared with the score two samples of one distribution give by chance (their sampling noise):
 * for Jensen–Shannon √((k−1)/8 · (1/n₁ + 1/n₂)) over k categories, for the normed Wasserstein
 * distance ≈ 0.8·√(1/n₁ + 1/n₂) (two samples of one normal distribution); a verdict is flagged
 * once that noise reaches half the threshold. The p-value tests account for the sample size
 * themselves, but chi-squared wants 5 expected values per category (Cochran's rule) and K-S has
 * almost no power below 30 values.
 */
export const MIN_SAMPLE = Object.freeze({ ks: 30, expectedPerCategory: 5, noiseShareOfThreshold: 0.5 });

/**
 * Chooses the test as Evidently's `_get_default_stattest` does, by column type, reference size
 * and the number of distinct values on both sides together:
 * numbers — reference ≤ 1,000: K-S (≤ 5 values: chi-squared, ≤ 2: z); above: normed Wasserstein
 * (≤ 5 values: Jensen–Shannon); categories — reference ≤ 1,000: chi-squared (≤ 2 values: z);
 * above: Jensen–Shannon.
 */
export function selectDriftMethod(reference: ColumnProfile, current: ColumnProfile): DriftMethod {
  const distinct = distinctValues(reference, current);
  const small = reference.count <= SMALL_REFERENCE_ROWS;
  if (reference.type === 'numeric' && distinct > 5) return small ? 'ks' : 'wasserstein';
  if (!small) return 'jensenshannon';
  return distinct > 2 ? 'chisquare' : 'z';
}

/**
 * Compares a column's reference and current profiles with the default method and threshold.
 *
 * @example columnDrift(referenceProfile.features.trip_distance, currentProfile.features.trip_distance)
 * // { drift: true, method: 'wasserstein', score: 0.31, threshold: 0.1, ... }
 */
export function columnDrift(reference: ColumnProfile, current: ColumnProfile): ColumnDrift {
  const base = { type: reference.type, reference_values: reference.count, current_values: current.count };
  if (reference.count === 0 || current.count === 0 || reference.type !== current.type) {
    return { ...base, drift: false, method: null, method_title: 'not tested (no values on one side)', score: null, threshold: 0 };
  }
  const method = selectDriftMethod(reference, current);
  const { threshold, title, score: kind } = DRIFT_METHODS[method];
  let score: number;
  let pValueMethod: ColumnDrift['p_value_method'];
  if (method === 'ks' || method === 'wasserstein') {
    const [r, c] = [reference as NumericProfile, current as NumericProfile];
    if (method === 'ks') {
      const ks = ksTest(r.summary, c.summary, r.count, c.count);
      score = ks.pValue;
      pValueMethod = ks.pValueMethod;
    } else score = normedWassersteinDistance(r.summary, c.summary, r.std ?? 0);
  } else {
    const [r, c] = alignedCounts(reference, current);
    score = method === 'chisquare' ? chiSquareDriftPValue(r, c) : method === 'z' ? proportionZTestPValue(r, c) : jensenShannonDrift(r, c);
  }
  // K-S drifts at p ≤ threshold, chi-squared and z at p < threshold, distances at ≥ threshold.
  const drift = kind === 'distance' ? score >= threshold : method === 'ks' ? score <= threshold : score < threshold;
  const warning = sampleWarning(method, reference, current);
  return {
    ...base,
    drift,
    method,
    method_title: title,
    score,
    threshold,
    ...(pValueMethod ? { p_value_method: pValueMethod } : {}),
    ...(warning ? { sample_warning: warning } : {}),
  };
}

/**
 * Why a verdict rests on too small a sample, or undefined when both sides are large enough for
 * the method ({@link MIN_SAMPLE}). The verdict is kept (Evidently gives one too); the warning says
 * how far to trust it.
 *
 * @example sampleWarning('jensenshannon', reference, current) // 'the current side has 101 values over 265 categories; …'
 */
export function sampleWarning(method: DriftMethod, reference: ColumnProfile, current: ColumnProfile): string | undefined {
  const n = Math.min(reference.count, current.count);
  const side = current.count <= reference.count ? 'current' : 'reference';
  const count = (value: number) => value.toLocaleString('en-US');
  const inverse = 1 / reference.count + 1 / current.count;
  const { threshold } = DRIFT_METHODS[method];
  if (method === 'ks')
    return n < MIN_SAMPLE.ks ? `the ${side} side has ${count(n)} values; K-S needs ${MIN_SAMPLE.ks} to detect any but a gross shift` : undefined;
  if (method === 'wasserstein') {
    const noise = 0.8 * Math.sqrt(inverse);
    return noise >= MIN_SAMPLE.noiseShareOfThreshold * threshold
      ? `the ${side} side has ${count(n)} values: sampling noise alone gives a normed Wasserstein distance of about ${noise.toFixed(2)} (threshold ${threshold})`
      : undefined;
  }
  const [r, c] = alignedCounts(reference, current);
  const categories = new Set([...r.keys(), ...c.keys()]).size;
  if (method === 'jensenshannon') {
    const noise = Math.sqrt(((categories - 1) / 8) * inverse);
    return noise >= MIN_SAMPLE.noiseShareOfThreshold * threshold
      ? `the ${side} side has ${count(n)} values over ${count(categories)} categories: sampling noise alone gives a Jensen–Shannon distance of about ${noise.toFixed(2)} (threshold ${threshold})`
      : undefined;
  }
  const needed = MIN_SAMPLE.expectedPerCategory * categories;
  return n < needed
    ? `the ${side} side has ${count(n)} values over ${count(categories)} categories; ${method === 'z' ? 'the z-test' : 'chi-squared'} wants ${MIN_SAMPLE.expectedPerCategory} per category (${count(needed)})`
    : undefined;
}

/** A profile's counts per category (numbers with few values count each value). */
export function categoryCounts(profile: ColumnProfile): Map<string, number> {
  if (profile.type === 'categorical') return categoricalCounts(profile);
  return new Map((profile.values ?? []).map(({ value, count }) => [String(value), count]));
}

function categoricalCounts(profile: CategoricalProfile): Map<string, number> {
  const counts = new Map(profile.categories.map(({ value, count }) => [value, count]));
  if (profile.other > 0) counts.set(OTHER_CATEGORY, profile.other);
  return counts;
}

/**
 * Both sides' counts over the same categories: the reference's named categories (and, when the
 * reference lists every category it saw, the current's too, which the reference then saw 0
 * times), each side's remaining mass in "(other)". Untruncated profiles compare exactly (the
 * union).
 *
 * The bins follow the reference, because that is what drift is measured against: mass moving out
 * of the categories the reference tracks, or into ones it never ranked, shows as a change of
 * "(other)". (Pooling to the categories listed on both sides let a total shift onto a category
 * outside the reference's top 300 read as no drift at all: both sides were all "(other)".) The
 * monitor builds a current profile with the reference's categories pinned, so the current side
 * counts each of them exactly; a stored current profile that ranked one of them out counts it 0.
 */
export function alignedCounts(reference: ColumnProfile, current: ColumnProfile): [Map<string, number>, Map<string, number>] {
  const [r, c] = [categoryCounts(reference), categoryCounts(current)];
  if (!r.has(OTHER_CATEGORY) && !c.has(OTHER_CATEGORY)) return [r, c];
  if (r.has(OTHER_CATEGORY)) boundUnlisted(r, c);
  const bins = new Set([...r.keys(), ...(r.has(OTHER_CATEGORY) ? [] : c.keys())]);
  bins.delete(OTHER_CATEGORY);
  const binned = (own: Map<string, number>) => {
    const counts = new Map<string, number>();
    let rest = 0;
    for (const [key, n] of own) {
      if (bins.has(key)) counts.set(key, n);
      else rest += n;
    }
    for (const key of bins) if (!counts.has(key)) counts.set(key, 0);
    counts.set(OTHER_CATEGORY, rest);
    return counts;
  };
  const [rb, cb] = [binned(r), binned(c)];
  // A bin empty on both sides says nothing (and would only add a degree of freedom to chi-squared).
  for (const key of rb.keys()) {
    if (rb.get(key) === 0 && cb.get(key) === 0) {
      rb.delete(key);
      cb.delete(key);
    }
  }
  return [rb, cb];
}

/**
 * A truncated reference's "(other)" is spread over categories it did not list, none of them more
 * frequent than its least frequent listed one. Each category the current side lists and the
 * reference does not is given its own bin, with the most the reference could have had of it
 * (taken out of the reference's "(other)"): the comparison then claims no drift that the
 * truncation could explain, yet a shift onto one unlisted category shows at its full size.
 */
function boundUnlisted(r: Map<string, number>, c: ReadonlyMap<string, number>): void {
  let rest = r.get(OTHER_CATEGORY) ?? 0;
  let least = Infinity;
  for (const [key, n] of r) if (key !== OTHER_CATEGORY && n < least) least = n;
  const unlisted = [...c].filter(([key]) => key !== OTHER_CATEGORY && !r.has(key)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [key] of unlisted) {
    const most = Math.min(least, rest);
    r.set(key, most);
    rest -= most;
  }
  r.set(OTHER_CATEGORY, rest);
}

function distinctValues(reference: ColumnProfile, current: ColumnProfile): number {
  if (reference.type === 'numeric' && current.type === 'numeric' && (!reference.values || !current.values)) return Infinity;
  const [r, c] = alignedCounts(reference, current);
  return new Set([...r.keys(), ...c.keys()]).size;
}
