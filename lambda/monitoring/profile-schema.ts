import * as z from 'zod';

/** A number column's profile: exact moments and counts, bounded quantile summary and histogram. */
export const NumericProfileSchema = z.object({
  type: z.literal('numeric'),
  /** finite values */
  count: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
  /** present but not a finite number */
  invalid: z.number().int().nonnegative(),
  /** valid values in rows the source left out before scoring (counted for missing shares only) */
  excluded: z.number().int().nonnegative().optional(),
  mean: z.number().nullable(),
  /** population standard deviation (numpy's np.std), the Wasserstein norm */
  std: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  quantiles: z.object({ p01: z.number(), p05: z.number(), p25: z.number(), p50: z.number(), p75: z.number(), p95: z.number(), p99: z.number() }).nullable(),
  /** ascending: every value when `summary_exact`, else 2,000 midpoint quantiles (each an equal share) */
  summary: z.array(z.number()),
  summary_exact: z.boolean(),
  /** value counts when the column has at most 20 distinct values */
  values: z.array(z.object({ value: z.number(), count: z.number().int().nonnegative() })).optional(),
  histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number().nonnegative()) }),
});
export type NumericProfile = z.infer<typeof NumericProfileSchema>;

/** A category column's profile: counts of the top categories, the rest as `other`. */
export const CategoricalProfileSchema = z.object({
  type: z.literal('categorical'),
  count: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
  invalid: z.number().int().nonnegative(),
  excluded: z.number().int().nonnegative().optional(),
  distinct: z.number().int().nonnegative(),
  /** most frequent first */
  categories: z.array(z.object({ value: z.string(), count: z.number().int().nonnegative() })),
  other: z.number().int().nonnegative(),
});
export type CategoricalProfile = z.infer<typeof CategoricalProfileSchema>;

export const ColumnProfileSchema = z.discriminatedUnion('type', [NumericProfileSchema, CategoricalProfileSchema]);
export type ColumnProfile = z.infer<typeof ColumnProfileSchema>;

/** Error sums of one day (and model version, where known), so any grouping can be summed from them. */
export const QualityDaySchema = z.object({
  /** YYYY-MM-DD (UTC), or "all" when rows had no time */
  day: z.string(),
  /** the model version that answered these rows, when the source says (capture records) */
  version: z.string().optional(),
  n: z.number().int().nonnegative(),
  /** Σ (predicted − actual) */
  sum_error: z.number(),
  sum_squared_error: z.number().nonnegative(),
  sum_absolute_error: z.number().nonnegative(),
});
export type QualityDay = z.infer<typeof QualityDaySchema>;

export const ModelProfileSchema = z.object({
  version: z.string().optional(),
  /** from training: train_rmse, validation_rmse, … */
  metrics: z.record(z.string(), z.number()).optional(),
  /** other versions' training metrics, by version (a merged reference of several versions of the model) */
  versions: z.record(z.string(), z.record(z.string(), z.number())).optional(),
});

/**
 * A dataset's profile: the reference written next to a model by `npm run train`, or the current
 * data's profile the monitor builds before comparing. Bounded in size whatever the row count.
 */
export const ReferenceProfileSchema = z.object({
  kind: z.literal('ride-monitor-profile'),
  schema_version: z.literal(1),
  created: z.string(),
  source: z.string(),
  rows: z.number().int().nonnegative(),
  /** rows the source left out before scoring (a trip file's filter), beside `rows` */
  rows_excluded: z.number().int().nonnegative().optional(),
  /** model inputs (request fields): dataset drift is the share of these that drift */
  features: z.record(z.string(), ColumnProfileSchema),
  /** derived or surrounding columns (PU_DO, pickup hour): reported, not counted in dataset drift */
  context: z.record(z.string(), ColumnProfileSchema),
  /** each model's outputs */
  predictions: z.record(z.string(), NumericProfileSchema),
  /** the truth per model, where known */
  actuals: z.record(z.string(), NumericProfileSchema),
  /** per model, rows with both a prediction and an actual, summed by day */
  quality: z.record(z.string(), z.array(QualityDaySchema)),
  models: z.record(z.string(), ModelProfileSchema),
  /** epoch ms of the first and last row time, when rows had times */
  time_range: z.object({ from: z.number(), to: z.number() }).nullable(),
});
export type ReferenceProfile = z.infer<typeof ReferenceProfileSchema>;

/** Parses a profile read from JSON; throws a ZodError naming the first wrong field. */
export function parseReferenceProfile(value: unknown): ReferenceProfile {
  return withDataMaps(ReferenceProfileSchema.parse(value));
}

/**
 * The profile with its maps keyed by names from the data (inputs, models) as objects without a
 * prototype: a model or input named `constructor` or `__proto__` (a capture line can name one)
 * then looks up as itself, never as Object.prototype's member.
 */
export function withDataMaps(profile: ReferenceProfile): ReferenceProfile {
  const own = <T>(map: Readonly<Record<string, T>>): Record<string, T> =>
    Object.assign(Object.create(null) as Record<string, T>, Object.fromEntries(Object.entries(map)));
  return {
    ...profile,
    features: own(profile.features),
    context: own(profile.context),
    predictions: own(profile.predictions),
    actuals: own(profile.actuals),
    quality: own(profile.quality),
    models: own(profile.models),
  };
}
