/**
 * Jensen–Shannon distance (scipy's `distance.jensenshannon`, natural log): each vector is
 * normalised to sum 1, m = (p + q)/2, and the distance is √((KL(p‖m) + KL(q‖m)) / 2); it lies in
 * [0, √ln 2].
 *
 * @example jensenShannonDistance([1, 0], [0.5, 0.5]) // ≈ 0.4645
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  const sp = p.reduce((s, v) => s + v, 0);
  const sq = q.reduce((s, v) => s + v, 0);
  let divergence = 0;
  p.forEach((pv, k) => {
    const a = pv / sp;
    const b = (q[k] as number) / sq;
    const m = (a + b) / 2;
    if (a > 0) divergence += a * Math.log(a / m);
    if (b > 0) divergence += b * Math.log(b / m);
  });
  return Math.sqrt(Math.max(0, divergence / 2));
}

/**
 * Evidently's `jensenshannon` stattest on category counts: shares over the union of both sides'
 * categories (its `get_binned_data` without filling zeroes).
 */
export function jensenShannonDrift(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): number {
  const keys = [...new Set([...reference.keys(), ...current.keys()])];
  return jensenShannonDistance(
    keys.map((k) => reference.get(k) ?? 0),
    keys.map((k) => current.get(k) ?? 0),
  );
}
