import { jStat } from 'jstat';

/**
 * Evidently's `z` stattest for a column with at most two values: the two-proportion z-test of
 * "is the first value" between reference and current, two-sided p-value from jstat's normal CDF.
 * Both sides holding the same single value is no drift (p = 1).
 */
export function proportionZTestPValue(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): number {
  const keys = [...new Set([...reference.keys(), ...current.keys()])].sort();
  if (keys.length <= 1) return 1;
  const key = keys[0] as string;
  const n1 = total(reference);
  const n2 = total(current);
  const p1 = (n1 - (reference.get(key) ?? 0)) / n1;
  const p2 = (n2 - (current.get(key) ?? 0)) / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return 2 * (1 - jStat.normal.cdf(Math.abs(z), 0, 1));
}

function total(counts: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of counts.values()) n += v;
  return n;
}
