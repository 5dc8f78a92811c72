import type { ModelExample } from '../../lambda/model/examples';
import type { ModelTarget } from './model-targets';

/**
 * The sidecar `model.json` written next to each trained model: what the runtime reads
 * (`model_version`, `description`, `unit`, `target`, `metrics`, per-input constraints — the
 * ModelSidecarSchema in /work/CONTRACTS.md, lambda/model/sidecar.ts) plus how it was trained.
 */
export interface ModelSidecar {
  model_version: string;
  description: string;
  unit: string;
  target?: string;
  metrics: { train_rmse: number; validation_rmse: number };
  train_rmse: number;
  validation_rmse: number;
  train_rows: number;
  validation_rows: number;
  pu_do_categories: number;
  inputs: Record<string, string | { type: string; description?: string; unit?: string; min?: number; max?: number }>;
  output: Record<string, string>;
  training: { train_data: string; validation_data: string; trip_distance_max: number };
  /** rides with the fitted regression's own prediction: the exported graph must reproduce them (checked at load) */
  examples: ModelExample[];
}

/**
 * The largest trip_distance a request may carry, in miles. Requests are not limited to the
 * training data's range (a 60-mile trip is rare, not wrong), but a sane bound keeps every
 * in-bounds input far from where the float32 graph could overflow, and no metered city trip is
 * longer: larger values in TLC files are meter errors.
 */
export const MAX_TRIP_DISTANCE_MILES = 1_000;

/**
 * The highest TLC taxi zone id: the zone map numbers 1–263, and 264/265 stand for an unknown or an
 * outside-NYC location (TLC's taxi_zone_lookup.csv). A request with a larger id names no place the
 * model could have learned about, so the sidecar bounds both zones by it and the service answers
 * 400 naming the field.
 */
export const MAX_TLC_ZONE_ID = 265;

/** What training measured about a model. */
export interface ModelFacts {
  version: string;
  trainRmse: number;
  validationRmse: number;
  trainRows: number;
  validationRows: number;
  vocabularySize: number;
}

export interface SidecarFacts extends ModelFacts {
  trainLabel: string;
  validationLabel: string;
  /** the longest trip in the training data, miles */
  maxTripDistance: number;
  examples: ModelExample[];
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

export function buildSidecar(target: ModelTarget, facts: SidecarFacts): ModelSidecar {
  const metrics = { train_rmse: round(facts.trainRmse, 4), validation_rmse: round(facts.validationRmse, 4) };
  const zone = (end: string) => ({
    type: 'integer',
    description: `TLC taxi zone id of the ${end} (with the other zone, the model's PU_DO input)`,
    min: 1,
    max: MAX_TLC_ZONE_ID,
  });
  return {
    model_version: facts.version,
    description: target.description,
    unit: target.unit,
    ...(target.column === undefined ? {} : { target: target.column }),
    metrics,
    ...metrics,
    train_rows: facts.trainRows,
    validation_rows: facts.validationRows,
    pu_do_categories: facts.vocabularySize,
    inputs: {
      PU_DO: 'string [N,1]',
      PULocationID: zone('pickup'),
      DOLocationID: zone('drop-off'),
      trip_distance: { type: 'float [N,1]', unit: 'miles', min: 0, max: MAX_TRIP_DISTANCE_MILES },
    },
    output: { variable: `float [N,1], ${target.unit}` },
    training: { train_data: facts.trainLabel, validation_data: facts.validationLabel, trip_distance_max: facts.maxTripDistance },
    examples: facts.examples,
  };
}
