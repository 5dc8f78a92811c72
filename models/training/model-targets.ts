/**
 * The models `npm run train` builds: each one the same linear regression on PU_DO and
 * trip_distance, fitted to a different target.
 */
export interface ModelTarget {
  /** the served model's name (MODELS=name=...) */
  name: 'duration' | 'cost';
  /** the ONNX graph's name */
  graphName: string;
  description: string;
  unit: string;
  /** the trip-file column the model predicts, when it is a column (the duration is computed) */
  column?: string;
  /** where `npm run train` writes it, relative to models/ */
  path: string;
}

export const DURATION_TARGET: ModelTarget = {
  name: 'duration',
  graphName: 'ride_duration_prediction_model',
  description: 'Ride duration in minutes from the pickup/drop-off zone pair and the distance (linear regression)',
  unit: 'minutes',
  path: 'model.onnx',
};

export const COST_TARGET: ModelTarget = {
  name: 'cost',
  graphName: 'ride_cost_prediction_model',
  description: 'Ride cost (TLC total_amount, tips and tolls included) in dollars from the zone pair and the distance (linear regression)',
  unit: 'USD',
  column: 'total_amount',
  path: 'cost/model.onnx',
};

/** Both models' graphs document themselves the same way. */
export const LINEAR_DOC_STRING = 'one-hot(PU_DO) + trip_distance linear regression, as a CategoryMapper/Gather lookup';
