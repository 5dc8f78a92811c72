/**
 * The names infra/ and lambda/ must agree on, in one module both import: the service and its
 * metrics, the environment variables the stack sets and the runtime reads, the model names and the
 * shipped models, the taxi types the batch job reads. Plain values only — no imports — so infra
 * pulls no runtime code into the CDK app and the runtime no CDK into the asset.
 *
 * A value here changes both sides at once; a value written twice is how a deploy came to accept
 * `fhv` taxi types that the function then refused at module load on every invocation.
 */

/** The service name: Powertools' `service` (logs and the metrics' `service` dimension). */
export const SERVICE_NAME = 'ride-duration-prediction';

/** Default CloudWatch namespace of the functions' EMF metrics (POWERTOOLS_METRICS_NAMESPACE). */
export const DEFAULT_METRICS_NAMESPACE = 'RideDurationPrediction';

/** The TLC fleets whose trip files the batch job reads: green (`lpep_*`) and yellow (`tpep_*`). */
export const TAXI_TYPES = ['green', 'yellow'] as const;
export type TaxiType = (typeof TAXI_TYPES)[number];

/** A model name: what `MODELS` keys, reply fields (`duration`) and metric dimensions use. */
export const MODEL_NAME_PATTERN = /^[a-z0-9_]+$/;

/**
 * The models shipped in the repository (paths relative to the project root): what `npm start`
 * serves and `cdk deploy` uploads when nothing else is configured. The first is the primary
 * (its version is the reply's `model_version`).
 */
export const SHIPPED_MODELS: readonly { readonly name: string; readonly path: string }[] = Object.freeze([
  Object.freeze({ name: 'duration', path: 'models/model.onnx' }),
  Object.freeze({ name: 'cost', path: 'models/cost/model.onnx' }),
]);

/** Environment variables the stack sets on the functions and lambda/config/index.ts reads. */
export const ENV = Object.freeze({
  /** `name=location,...`: the models to serve (s3://bucket/key.onnx, s3://bucket/prefix for MLflow, or a path) */
  models: 'MODELS',
  /** `name=location,...`: shadow models, each scoring beside the model of the same name */
  shadowModels: 'SHADOW_MODELS',
  /** seconds between a warm process's checks of its model locations (hot swap); unset = off */
  modelRefreshSeconds: 'MODEL_REFRESH_SECONDS',
  predictionsStreamName: 'PREDICTIONS_STREAM_NAME',
  deadLetterLocation: 'DEAD_LETTER_LOCATION',
  batchInputTemplate: 'BATCH_INPUT_TEMPLATE',
  batchOutputTemplate: 'BATCH_OUTPUT_TEMPLATE',
  batchTaxiType: 'BATCH_TAXI_TYPE',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  /** set by Lambda itself: the published version executing ("7"), `$LATEST` when unpublished */
  functionVersion: 'AWS_LAMBDA_FUNCTION_VERSION',
  /** a directory, or `firehose://<delivery stream>`: prediction capture (lambda/config/capture.ts) */
  captureLocation: 'CAPTURE_LOCATION',
  captureSampleRate: 'CAPTURE_SAMPLE_RATE',
  /** the scheduled monitor's inputs and output (lambda/config/monitor.ts) */
  monitorCaptureLocation: 'MONITOR_CAPTURE_LOCATION',
  monitorReferenceLocation: 'MONITOR_REFERENCE_LOCATION',
  /** where the truth arrives by ride id (the `actuals/` prefix): joined with capture for quality */
  monitorActualsLocation: 'MONITOR_ACTUALS_LOCATION',
  monitorOutputLocation: 'MONITOR_OUTPUT_LOCATION',
  monitorPeriodDays: 'MONITOR_PERIOD_DAYS',
});

/**
 * The application metrics the rollback alarms watch (EMF, namespace POWERTOOLS_METRICS_NAMESPACE,
 * unit Count, one datapoint per event or per batch with the count as value).
 */
export const METRICS = Object.freeze({
  /** predictions returned or written, per model */
  predictions: 'Predictions',
  /** requests or records the service failed on its own account (5xx-class: model unavailable, unexpected error, non-finite output) */
  predictionErrors: 'PredictionErrors',
  /** stream records written to the dead-letter destination */
  recordsDeadLettered: 'RecordsDeadLettered',
  /** capture records dropped (destination down or throttling, or the held buffer full) */
  captureRecordsDropped: 'CaptureRecordsDropped',
  /** the scheduled monitor's inputs that drifted from the reference (one datapoint per run) */
  driftedInputs: 'DriftedInputs',
  /** the scheduled monitor's RMSE on captured rows with actuals */
  rmse: 'Rmse',
});

/** Dimension names of {@link METRICS}; see {@link METRIC_DIMENSION_SETS}. */
export const DIMENSIONS = Object.freeze({
  service: 'service',
  /** the Lambda version that emitted the datapoint ({@link ENV.functionVersion}; `local` outside Lambda) */
  functionVersion: 'function_version',
  model: 'model',
  modelVersion: 'model_version',
});

/**
 * The dimension sets every datapoint of {@link METRICS} is emitted with (one EMF record may carry
 * several). `[service]` feeds the whole-service alarms. `[service, function_version]` is what the
 * canary's rollback alarms watch: a CloudWatch alarm needs every dimension value fixed when it is
 * defined, and the stack knows the new Lambda version's number (a CloudFormation attribute) but not
 * the model versions (computed by the runtime from the bytes), so `function_version` isolates the
 * new version during a canary. `[service, model, model_version]` is the per-model view for
 * dashboards. A datapoint with no model (a record that is not JSON) is emitted in the first two only.
 */
export const METRIC_DIMENSION_SETS = Object.freeze([
  Object.freeze([DIMENSIONS.service]),
  Object.freeze([DIMENSIONS.service, DIMENSIONS.functionVersion]),
  Object.freeze([DIMENSIONS.service, DIMENSIONS.model, DIMENSIONS.modelVersion]),
] as const);

/** The `function_version` dimension's value outside Lambda (local server, tests). */
export const LOCAL_FUNCTION_VERSION = 'local';

/** One `name=location` pair of {@link ENV.models} or {@link ENV.shadowModels}. */
export interface ModelPair {
  readonly name: string;
  readonly location: string;
}

/**
 * Parses the `name=location,...` syntax of MODELS / SHADOW_MODELS (and of `cdk -c models=`).
 * Throws naming the variable and the bad pair: a name outside {@link MODEL_NAME_PATTERN}, a
 * pair without `=` or with an empty side, a name given twice, or no pair at all.
 *
 * @example parseModelPairs('duration=models/model.onnx,cost=s3://b/cost.onnx', 'MODELS')
 */
export function parseModelPairs(text: string, variable: string): ModelPair[] {
  const pairs = text
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const location = pair.slice(at + 1).trim();
      if (at < 0 || location === '') throw new Error(`${variable}: '${pair}' is not name=location`);
      if (!MODEL_NAME_PATTERN.test(name)) throw new Error(`${variable}: model name '${name}' in '${pair}' must be lower-case letters, digits or _`);
      return { name, location };
    });
  if (pairs.length === 0) throw new Error(`${variable}: names no model (expected name=location,...)`);
  const seen = new Set<string>();
  for (const { name, location } of pairs) {
    if (seen.has(name)) throw new Error(`${variable}: '${name}=${location}' repeats the name '${name}'`);
    seen.add(name);
  }
  return pairs;
}

// ── Operate (issue 25): the canary's PreTraffic hook and the monitor's ground truth ──────────────

/**
 * The PreTraffic hook function: a second entry of the same asset (infra/bundling.ts builds it as
 * `pretraffic.mjs`), told by the stack which version to check.
 */
export const PRETRAFFIC = Object.freeze({
  /** the asset's handler setting for the hook */
  handler: 'pretraffic.handler',
  /** the new predict version's qualified ARN, set on the hook at each deploy */
  targetEnv: 'PRETRAFFIC_TARGET',
});

/**
 * The scheduled monitor's quality metrics (EMF, namespace POWERTOOLS_METRICS_NAMESPACE): per model
 * and version, from captured predictions joined to ground truth by ride id. Each datapoint carries
 * `[service, model, model_version]` (dashboards) and `[service, model]`, whose Maximum over a run
 * is the model's worst version — what the per-model alarm watches (a CloudWatch alarm needs every
 * dimension value when it is defined, and versions are only known at run time).
 */
export const QUALITY_METRICS = Object.freeze({
  rmse: 'ModelRmse',
  mae: 'ModelMae',
  bias: 'ModelBias',
  rowsJoined: 'ModelRowsJoined',
  /** RMSE ÷ the version's training RMSE; alarmed above a factor (infra, CDK context rmseAlarmFactor) */
  rmseOverTraining: 'RmseOverTraining',
  capturedWithoutActual: 'CapturedWithoutActual',
  actualsWithoutCapture: 'ActualsWithoutCapture',
});

/** The data bucket prefix where ground truth lands, `actuals/dt=<YYYY-MM-DD of the ride>/<file>` (docs/monitoring.md). */
export const ACTUALS_PREFIX = 'actuals/';
