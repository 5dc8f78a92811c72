import type { ColumnDrift } from './column-drift';
import type { DatasetDrift } from './dataset-drift';
import type { ModelQuality } from './quality';
import type { GroundTruthCounts } from './ground-truth';

/** Missing and invalid shares of one input, on each side, over every row the source read (filtered rows included). */
export interface MissingShares {
  reference_missing_share: number;
  reference_invalid_share: number;
  current_missing_share: number;
  current_invalid_share: number;
}

/** `summary.json`: the verdicts and figures the report shows. */
export interface MonitorSummary extends Omit<DatasetDrift, 'features' | 'context' | 'predictions'> {
  generated: string;
  /** rows profiled; `rows_excluded`: rows the source read but left out before scoring (the trip filter) */
  reference: { source: string; rows: number; rows_excluded?: number };
  current: { source: string; rows: number; rows_excluded?: number };
  /** inputs only one side has (e.g. a batch output without trip_distance): not in dataset drift */
  features_not_compared: string[];
  /** per input: drift verdict, method, score, threshold */
  features: Record<string, ColumnDrift>;
  /** derived and surrounding columns (PU_DO, hour): reported, not counted in dataset drift */
  context: Record<string, ColumnDrift>;
  /** per model: drift of its prediction's distribution */
  predictions: Record<string, ColumnDrift & { reference_mean: number | null; current_mean: number | null }>;
  missing: Record<string, MissingShares>;
  /** every model either side knows of, in the order the report shows their panels */
  models: string[];
  /** per model with actuals in the current data (or joined to it by ride id) */
  quality: Record<string, ModelQuality>;
  /** `<kind> <column>: why`, for every verdict resting on too small a sample (also on each column's drift) */
  sample_warnings: string[];
  /** how capture records met the actuals file, when the monitor joined them by ride id */
  ground_truth?: GroundTruthCounts;
}
