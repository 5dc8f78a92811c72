import type { QualityDay, ReferenceProfile } from './profile-schema';

/** Error figures of one period; error = predicted − actual, so a positive bias means too high. */
export interface QualityFigures {
  n: number;
  rmse: number;
  mae: number;
  bias: number;
}

/** A model's quality on the current data, overall and per period, beside its training RMSE. */
export interface ModelQuality extends QualityFigures {
  period: 'day' | 'week' | 'all';
  periods: (QualityFigures & { start: string })[];
  /** from the reference: the model's training metrics (train_rmse), else the reference's own error */
  train_rmse?: number;
  validation_rmse?: number;
  reference_rmse?: number;
}

const DAY_MS = 86_400_000;
/** Up to a month of days is shown day by day; longer spans week by week (Monday starts). */
const MAX_DAILY_PERIODS = 31;

/**
 * RMSE, MAE and bias per period of the current data for every model with predictions and
 * actuals, next to the reference's training RMSE.
 */
export function modelQuality(reference: ReferenceProfile, current: ReferenceProfile): Record<string, ModelQuality> {
  return Object.fromEntries(
    Object.entries(current.quality)
      .filter(([, days]) => days.some((d) => d.n > 0))
      .map(([model, days]) => {
        const period = days.some((d) => d.day === 'all') ? 'all' : days.length > MAX_DAILY_PERIODS ? 'week' : 'day';
        const groups = new Map<string, QualityDay[]>();
        for (const day of days) {
          const start = period === 'week' ? weekStart(day.day) : day.day;
          groups.set(start, [...(groups.get(start) ?? []), day]);
        }
        const metrics = reference.models[model]?.metrics ?? {};
        const referenceDays = reference.quality[model];
        return [
          model,
          {
            ...figures(days),
            period,
            periods: [...groups].map(([start, group]) => ({ start, ...figures(group) })),
            ...(metrics.train_rmse !== undefined ? { train_rmse: metrics.train_rmse } : {}),
            ...(metrics.validation_rmse !== undefined ? { validation_rmse: metrics.validation_rmse } : {}),
            ...(referenceDays && referenceDays.length > 0 ? { reference_rmse: figures(referenceDays).rmse } : {}),
          },
        ];
      }),
  );
}

/** Sums days into one period's figures. */
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
  return n === 0 ? { n, rmse: 0, mae: 0, bias: 0 } : { n, rmse: Math.sqrt(squared / n), mae: absolute / n, bias: error / n };
}

function weekStart(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  const weekday = (new Date(t).getUTCDay() + 6) % 7;
  return new Date(t - weekday * DAY_MS).toISOString().slice(0, 10);
}
