import type { ColumnDrift } from './column-drift';
import type { DatasetDrift } from './dataset-drift';
import type { ModelQuality } from './quality';

/** Missing and invalid shares of one input, on each side. */
export interface MissingShares {
  reference_missing_share: number;
  reference_invalid_share: number;
  current_missing_share: number;
  current_invalid_share: number;
}

/** `summary.json`: the verdicts and figures the report shows. */
export interface MonitorSummary extends Omit<DatasetDrift, 'features' | 'context' | 'predictions'> {
  generated: string;
  reference: { source: string; rows: number };
  current: { source: string; rows: number };
  /** inputs only one side has (e.g. a batch output without trip_distance): not in dataset drift */
  features_not_compared: string[];
  /** per input: drift verdict, method, score, threshold */
  features: Record<string, ColumnDrift>;
  /** derived and surrounding columns (PU_DO, hour): reported, not counted in dataset drift */
  context: Record<string, ColumnDrift>;
  /** per model: drift of its prediction's distribution */
  predictions: Record<string, ColumnDrift & { reference_mean: number | null; current_mean: number | null }>;
  missing: Record<string, MissingShares>;
  /** per model with actuals in the current data */
  quality: Record<string, ModelQuality>;
}

