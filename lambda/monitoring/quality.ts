import type { QualityDay, ReferenceProfile } from './profile-schema';

/** Error figures of a group of rows; error = predicted − actual, so a positive bias means too high. */
export interface QualityFigures {
  /** rows with both a prediction and an actual */
  rows: number;
  rmse: number;
  mae: number;
  bias: number;
}

/** A version's figures, beside its training RMSE when the reference knows that version. */
export interface VersionQuality extends QualityFigures {
  version: string;
  /** the training RMSE of this version (the reference's, from the sidecar `npm run train` wrote) */
  train_rmse?: number;
  /** rmse / train_rmse: what the AWS monitor alarms on */
  rmse_over_train?: number;
}

/** Where a join of capture records with ground truth by ride id left rows unmatched. */
export interface UnmatchedCounts {
  /** captured rows with this model's prediction but no actual for it (no ride id, or none in the actuals) */
  captured_without_actual: number;
  /** actuals for this model whose ride id no captured row has */
  actuals_without_capture: number;
}

/**
 * A model's quality on the current data: overall, per day and per model version, next to its
 * training RMSE. `unmatched` is there when actuals were joined to capture records by ride id.
 */
export interface ModelQuality {
  rows_joined: number;
  rmse: number;
  mae: number;
  bias: number;
  by_day: (QualityFigures & { day: string })[];
  by_version: VersionQuality[];
  unmatched?: UnmatchedCounts;
  /** from the reference: the model's training metrics (train_rmse), else the reference's own error */
  train_rmse?: number;
  validation_rmse?: number;
  reference_rmse?: number;
}

/** Rows whose version the source did not say (batch outputs, trip files). */
export const UNKNOWN_VERSION = 'unknown';

/**
 * RMSE, MAE and bias of the current data for every model with predictions and actuals (or with
 * a join's unmatched counts), overall, per day and per version, next to the reference's training
 * RMSE.
 */
export function modelQuality(
  reference: ReferenceProfile,
  current: ReferenceProfile,
  unmatchedCounts: Readonly<Record<string, UnmatchedCounts>> = {},
): Record<string, ModelQuality> {
  // Keyed by model names from the data: without a prototype, `constructor` is a model like any other.
  const unmatched = Object.assign(Object.create(null) as Record<string, UnmatchedCounts>, unmatchedCounts);
  const models = [...new Set([...Object.keys(current.quality).filter((m) => current.quality[m]?.some((d) => d.n > 0)), ...Object.keys(unmatched)])];
  return Object.assign(
    Object.create(null) as Record<string, ModelQuality>,
    Object.fromEntries(
      models.map((model) => {
        const sums = current.quality[model] ?? [];
        const { rows, rmse, mae, bias } = figures(sums);
        const metrics = reference.models[model]?.metrics ?? {};
        const referenceDays = reference.quality[model];
        const quality: ModelQuality = {
          rows_joined: rows,
          rmse,
          mae,
          bias,
          by_day: [...groupBy(sums, (d) => d.day)].map(([day, group]) => ({ day, ...figures(group) })),
          by_version: [...groupBy(sums, (d) => d.version ?? UNKNOWN_VERSION)].map(([version, group]) =>
            versionQuality(version, figures(group), trainingRmse(reference, model, version)),
          ),
          ...(unmatched[model] ? { unmatched: unmatched[model] } : {}),
          ...(metrics.train_rmse !== undefined ? { train_rmse: metrics.train_rmse } : {}),
          ...(metrics.validation_rmse !== undefined ? { validation_rmse: metrics.validation_rmse } : {}),
          ...(referenceDays && referenceDays.length > 0 ? { reference_rmse: figures(referenceDays).rmse } : {}),
        };
        return [model, quality];
      }),
    ),
  );
}

/**
 * A version's training RMSE, when the reference profile describes that version of the model (its
 * `models` entry, copied from the sidecar by `npm run train`).
 */
export function trainingRmse(reference: ReferenceProfile, model: string, version: string): number | undefined {
  const known = reference.models[model];
  return known?.version === version ? known.metrics?.train_rmse : known?.versions?.[version]?.train_rmse;
}

function versionQuality(version: string, f: QualityFigures, train: number | undefined): VersionQuality {
  return { version, ...f, ...(train !== undefined ? { train_rmse: train, ...(train > 0 ? { rmse_over_train: f.rmse / train } : {}) } : {}) };
}

/** Sums days into one group's figures. */
export function figures(days: readonly QualityDay[]): QualityFigures {
  let n = 0;
  let error = 0;
  let squared = 0;
  let absolute = 0;
  for (const d of days) {
    n += d.n;
    error += d.sum_error;
    squared += d.sum_squared_error;
    absolute += d.sum_absolute_error;
  }
  return n === 0 ? { rows: n, rmse: 0, mae: 0, bias: 0 } : { rows: n, rmse: Math.sqrt(squared / n), mae: absolute / n, bias: error / n };
}

/** Per day and version (the error-over-time chart's points), in day order. */
export function figuresByDayAndVersion(days: readonly QualityDay[]): (QualityFigures & { day: string; version: string })[] {
  return [...groupBy(days, (d) => `${d.day}\u0000${d.version ?? UNKNOWN_VERSION}`)].map(([key, group]) => {
    const [day, version] = key.split('\u0000') as [string, string];
    return { day, version, ...figures(group) };
  });
}

function groupBy(days: readonly QualityDay[], key: (day: QualityDay) => string): Map<string, QualityDay[]> {
  const groups = new Map<string, QualityDay[]>();
  for (const day of [...days].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))) {
    const k = key(day);
    groups.set(k, [...(groups.get(k) ?? []), day]);
  }
  return groups;
}
