import type { CategoricalProfile } from './profile-schema';

/** Categories a profile keeps by name (the most frequent); the rest are counted as "other". */
export const TOP_CATEGORIES = 300;
/** Distinct categories tracked while streaming; past it the rarest half is folded into "other". */
const TRACKED_CATEGORIES = 100_000;
/** The name the rest of the categories go by in counts, charts and tests. */
export const OTHER_CATEGORY = '(other)';

/**
 * Streams one categorical column (strings, or zone ids as numbers) into counts per category,
 * bounded: at most {@link TRACKED_CATEGORIES} tracked, {@link TOP_CATEGORIES} kept in the profile,
 * plus every `pinned` category (a current profile pins the reference's categories, so both sides
 * count them exactly and drift can see mass move into or out of them).
 *
 * When the tracked set is full, the rarest half of it is folded into "other" (lossy counting):
 * a category that becomes frequent late (after 100,000 others) is still tracked and ranked,
 * where it used to go straight to "other". A category folded and seen again restarts at 1, so
 * counts of the rarest may be low; the total stays exact. Pinned categories are never folded.
 */
export class CategoricalProfileBuilder {
  private readonly counts = new Map<string, number>();
  private readonly pinned: ReadonlySet<string>;
  private missing = 0;
  private invalid = 0;
  private excluded = 0;
  private other = 0;
  /** categories folded into "other" (an upper bound on distinct ones: a category may be folded twice) */
  private folded = 0;

  constructor(pinned: Iterable<string> = []) {
    this.pinned = new Set(pinned);
  }

  add(value: string | number | null): void {
    if (value === null || (typeof value === 'number' && Number.isNaN(value))) {
      this.missing++;
      return;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      this.invalid++;
      return;
    }
    const key = String(value);
    const seen = this.counts.get(key);
    if (seen !== undefined) {
      this.counts.set(key, seen + 1);
      return;
    }
    if (this.counts.size >= TRACKED_CATEGORIES + this.pinned.size) this.foldRarestHalf();
    this.counts.set(key, 1);
  }

  /** A value of a row the source left out before scoring: counted as missing, invalid or excluded, never profiled. */
  addExcluded(value: string | number | null): void {
    if (value === null || (typeof value === 'number' && Number.isNaN(value))) this.missing++;
    else if (typeof value === 'number' && !Number.isFinite(value)) this.invalid++;
    else this.excluded++;
  }

  finish(): CategoricalProfile {
    const sorted = [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const kept = sorted.filter(([value], rank) => rank < TOP_CATEGORIES || this.pinned.has(value));
    const keptCount = kept.reduce((s, [, c]) => s + c, 0);
    const total = sorted.reduce((s, [, c]) => s + c, 0) + this.other;
    return {
      type: 'categorical',
      count: total,
      missing: this.missing,
      invalid: this.invalid,
      ...(this.excluded > 0 ? { excluded: this.excluded } : {}),
      distinct: this.counts.size + this.folded,
      categories: kept.map(([value, n]) => ({ value, count: n })),
      other: total - keptCount,
    };
  }

  /** Moves the rarer half of the tracked (unpinned) categories into "other". */
  private foldRarestHalf(): void {
    const counts = [...this.counts]
      .filter(([key]) => !this.pinned.has(key))
      .map(([, n]) => n)
      .sort((a, b) => a - b);
    const threshold = counts[Math.floor(counts.length / 2)] ?? 0;
    for (const [key, n] of this.counts) {
      if (n > threshold || this.pinned.has(key)) continue;
      this.counts.delete(key);
      this.other += n;
      this.folded++;
    }
  }
}
