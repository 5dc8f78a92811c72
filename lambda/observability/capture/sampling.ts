/**
 * Capture sampling is decided per id, deterministically: an id is kept when the (FNV-1a, mixed) hash of
 * its text, read as a fraction of 2^32, is below the rate. The same ride id or batch row is
 * therefore kept (or not) every time it is predicted, so a Kinesis retry or a re-run month
 * captures the same rides, and sampled sets at a lower rate are subsets of those at a higher one.
 * HTTP requests carry a fresh request id each, which makes their sampling uniform at random.
 */
export function sampleKey(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // FNV-1a alone barely moves the high bits for the last characters (ride-1, ride-2, ...);
  // MurmurHash3's finalizer spreads every input bit over the whole word.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}

/**
 * Whether a prediction for `id` is captured at `rate` (0 = none, 1 = all).
 *
 * @example isSampled('2021/02_17', 0.1) // the same answer on every call
 */
export function isSampled(id: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return sampleKey(id) < rate;
}
