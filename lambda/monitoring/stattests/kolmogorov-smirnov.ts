/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as scipy's `ks_2samp` which Evidently's `ks`
 * stattest calls: the exact p-value (lattice-path count, as scipy's `method='exact'`) when
 * n1·n2 ≤ 2,000,000, else the asymptotic Kolmogorov distribution. scipy's `auto` stays exact up
 * to 10,000 values a side; its O(n1·n2) count in C takes ~1 s there, ours in JS ~90 s on this
 * machine, so the switch comes earlier (a reference of 1,000 against a current of 2,000 is
 * still exact). Above it scipy uses `kstwo.sf(D, round(n1·n2/(n1+n2)))`; we use the limiting
 * Kolmogorov distribution (`kstwobign`), which differs by O(1/√n) in the p-value.
 */

/** The exact p-value's lattice has (n1+1)·(n2+1) points; above this many the asymptotic one is used. */
export const KS_EXACT_MAX_CELLS = 2_000_000;

/** The KS test's result: the statistic D, its p-value and how the p-value was computed. */
export interface KsResult {
  statistic: number;
  pValue: number;
  pValueMethod: 'exact' | 'asymptotic';
}

/**
 * D = sup |F₁(x) − F₂(x)| between the empirical distributions of two ascending-sorted samples
 * (each value weighs 1/length).
 *
 * @example ksStatistic([1, 2, 3], [4, 5, 6]) // 1
 */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < a.length && (a[i] as number) <= x) i++;
    while (j < b.length && (b[j] as number) <= x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/**
 * P(D ≥ d) for samples of sizes n1 and n2 under the null hypothesis, counting the share of
 * lattice paths from (0,0) to (n1,n2) that touch |i/n1 − j/n2| ≥ d. The path's steps are drawn
 * without replacement, so the mass leaving each point is split (n1−i)/(n1+n2−i−j) and
 * (n2−j)/(n1+n2−i−j); mass that reaches an outside point is added up rather than 1 − inside,
 * which keeps small p-values precise. O(n1·n2) time, O(n2) memory.
 */
export function ksExactPValue(d: number, n1: number, n2: number): number {
  // |i/n1 − j/n2| ≥ d  ⇔  |i·n2 − j·n1| ≥ d·n1·n2; D is such a lattice value, so round it.
  const h = Math.round(d * n1 * n2);
  if (h <= 0) return 1;
  let previous = new Float64Array(n2 + 1);
  let row = new Float64Array(n2 + 1);
  let outside = 0;
  for (let i = 0; i <= n1; i++) {
    for (let j = 0; j <= n2; j++) {
      let mass = i === 0 && j === 0 ? 1 : 0;
      if (i > 0) mass += (previous[j] as number) * ((n1 - i + 1) / (n1 + n2 - i + 1 - j));
      if (j > 0) mass += (row[j - 1] as number) * ((n2 - j + 1) / (n1 + n2 - i - j + 1));
      if (Math.abs(i * n2 - j * n1) >= h) {
        outside += mass;
        row[j] = 0;
      } else row[j] = mass;
    }
    [previous, row] = [row, previous];
  }
  return Math.min(1, outside);
}

/**
 * The Kolmogorov distribution's survival function Q(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²) (scipy's
 * `kstwobign.sf`), evaluated at λ = √(n1·n2/(n1+n2))·D.
 */
export function ksAsymptoticPValue(d: number, n1: number, n2: number): number {
  const lambda = Math.sqrt((n1 * n2) / (n1 + n2)) * d;
  // The series converges slowly for small λ, where Q is 1 to double precision anyway.
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return Math.max(0, Math.min(1, 2 * sum));
}

/**
 * The test on two ascending-sorted samples. `n1`/`n2` are the true sizes when the samples are
 * quantile summaries of larger data (the statistic comes from the summaries, the p-value from
 * the sizes).
 *
 * @example ksTest([1, 2, 3], [4, 5, 6]) // { statistic: 1, pValue: 0.1, pValueMethod: 'exact' }
 */
export function ksTest(a: ArrayLike<number>, b: ArrayLike<number>, n1 = a.length, n2 = b.length): KsResult {
  const statistic = ksStatistic(a, b);
  if (n1 * n2 <= KS_EXACT_MAX_CELLS) return { statistic, pValue: ksExactPValue(statistic, n1, n2), pValueMethod: 'exact' };
  return { statistic, pValue: ksAsymptoticPValue(statistic, n1, n2), pValueMethod: 'asymptotic' };
}
