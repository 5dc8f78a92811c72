/**
 * First Wasserstein distance between two ascending-sorted samples with equal weights per
 * value, computed as scipy's `wasserstein_distance` does: ∫ |F₁(x) − F₂(x)| dx over the merged
 * values.
 *
 * @example wassersteinDistance([0, 1, 3], [5, 6, 8]) // 5
 */
export function wassersteinDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let i = 0;
  let j = 0;
  let total = 0;
  let x = Math.min(a[0] as number, b[0] as number);
  while (i < a.length || j < b.length) {
    while (i < a.length && (a[i] as number) <= x) i++;
    while (j < b.length && (b[j] as number) <= x) j++;
    if (i === a.length && j === b.length) break;
    const next = Math.min(i < a.length ? (a[i] as number) : Infinity, j < b.length ? (b[j] as number) : Infinity);
    total += Math.abs(i / a.length - j / b.length) * (next - x);
    x = next;
  }
  return total;
}

/**
 * Evidently's `wasserstein` stattest: the distance divided by the reference's population
 * standard deviation (numpy's `np.std`, floored at 0.001 so a constant reference does not
 * divide by zero), so the threshold 0.1 means "moved by a tenth of a standard deviation".
 */
export function normedWassersteinDistance(reference: ArrayLike<number>, current: ArrayLike<number>, referenceStd: number): number {
  return wassersteinDistance(reference, current) / Math.max(referenceStd, 0.001);
}
