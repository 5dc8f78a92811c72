import { jStat } from 'jstat';

/** A chi-squared goodness-of-fit result. */
export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  degreesOfFreedom: number;
}

/**
 * Pearson's chi-squared test of observed against expected counts (scipy's `chisquare`): the
 * statistic Σ (o − e)² / e with k − 1 degrees of freedom, the p-value from jstat's chi-squared
 * CDF. A category expected 0 times but observed is infinitely unlikely: statistic ∞, p 0.
 *
 * @example chiSquareTest([16, 18, 16, 14, 12, 12], [16, 16, 16, 16, 16, 8]) // statistic 3.5, p ≈ 0.6234
 */
export function chiSquareTest(observed: readonly number[], expected: readonly number[]): ChiSquareResult {
  let statistic = 0;
  observed.forEach((o, k) => {
    const e = expected[k] as number;
    if (e === 0) statistic += o === 0 ? 0 : Infinity;
    else statistic += ((o - e) * (o - e)) / e;
  });
  const degreesOfFreedom = observed.length - 1;
  const pValue = statistic === Infinity ? 0 : Math.max(0, 1 - jStat.chisquare.cdf(statistic, degreesOfFreedom));
  return { statistic, pValue, degreesOfFreedom };
}

/**
 * Evidently's `chisquare` stattest on category counts: the reference counts, scaled to the
 * current total, are the expected counts; keys are the union of both sides' categories.
 */
export function chiSquareDriftPValue(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): number {
  const keys = [...new Set([...reference.keys(), ...current.keys()])];
  const referenceTotal = sum(reference.values());
  const scale = sum(current.values()) / referenceTotal;
  return chiSquareTest(
    keys.map((k) => current.get(k) ?? 0),
    keys.map((k) => (reference.get(k) ?? 0) * scale),
  ).pValue;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
