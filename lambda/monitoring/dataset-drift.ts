import { columnDrift, type ColumnDrift } from './column-drift';
import type { ColumnProfile, ReferenceProfile } from './profile-schema';

/** Evidently's DatasetDriftMetric default: the dataset drifts when this share of inputs drift. */
export const DATASET_DRIFT_SHARE = 0.5;

/** Drift of every input, of the context columns and of each model's prediction. */
export interface DatasetDrift {
  dataset_drift: boolean;
  /** share of inputs that drift */
  drift_share: number;
  drift_share_threshold: number;
  drifted_features: number;
  features: Record<string, ColumnDrift>;
  context: Record<string, ColumnDrift>;
  predictions: Record<string, ColumnDrift>;
}

/**
 * Tests every column both profiles have; dataset drift when at least half of the inputs
 * (features, not context or predictions) drift, as Evidently's `get_dataset_drift`.
 */
export function datasetDrift(reference: ReferenceProfile, current: ReferenceProfile, driftShare = DATASET_DRIFT_SHARE): DatasetDrift {
  const features = compareShared(reference.features, current.features);
  const drifted = Object.values(features).filter((d) => d.drift).length;
  const total = Object.keys(features).length;
  const share = total === 0 ? 0 : drifted / total;
  return {
    dataset_drift: total > 0 && share >= driftShare,
    drift_share: share,
    drift_share_threshold: driftShare,
    drifted_features: drifted,
    features,
    context: compareShared(reference.context, current.context),
    predictions: compareShared(reference.predictions, current.predictions),
  };
}

function compareShared(reference: Record<string, ColumnProfile>, current: Record<string, ColumnProfile>): Record<string, ColumnDrift> {
  return Object.fromEntries(
    Object.keys(reference)
      .filter((name) => current[name] !== undefined)
      .map((name) => [name, columnDrift(reference[name] as ColumnProfile, current[name] as ColumnProfile)]),
  );
}
