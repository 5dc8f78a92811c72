import type { CategoricalProfile } from './profile-schema';

/** Categories a profile keeps by name (the most frequent); the rest are counted as "other". */
export const TOP_CATEGORIES = 300;
/** Distinct categories tracked while streaming; new ones beyond it go straight to "other". */
const TRACKED_CATEGORIES = 100_000;
/** The name the rest of the categories go by in counts, charts and tests. */
export const OTHER_CATEGORY = '(other)';

/**
 * Streams one categorical column (strings, or zone ids as numbers) into counts per category,
 * bounded: at most {@link TRACKED_CATEGORIES} tracked, {@link TOP_CATEGORIES} kept in the profile.
 */
export class CategoricalProfileBuilder {
  private readonly counts = new Map<string, number>();
  private missing = 0;
  private invalid = 0;
  private excluded = 0;
  private other = 0;

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
    if (seen !== undefined) this.counts.set(key, seen + 1);
    else if (this.counts.size < TRACKED_CATEGORIES) this.counts.set(key, 1);
    else this.other++;
  }

  /** A value of a row the source left out before scoring: counted as missing, invalid or excluded, never profiled. */
  addExcluded(value: string | number | null): void {
    if (value === null || (typeof value === 'number' && Number.isNaN(value))) this.missing++;
    else if (typeof value === 'number' && !Number.isFinite(value)) this.invalid++;
    else this.excluded++;
  }

  finish(): CategoricalProfile {
    const sorted = [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const kept = sorted.slice(0, TOP_CATEGORIES);
    const other = this.other + sorted.slice(TOP_CATEGORIES).reduce((s, [, c]) => s + c, 0);
    const count = kept.reduce((s, [, c]) => s + c, 0) + other;
    return {
      type: 'categorical',
      count,
      missing: this.missing,
      invalid: this.invalid,
      ...(this.excluded > 0 ? { excluded: this.excluded } : {}),
      distinct: this.counts.size + (this.other > 0 ? 1 : 0),
      categories: kept.map(([value, n]) => ({ value, count: n })),
      other,
    };
  }
}
