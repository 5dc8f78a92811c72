/**
 * Every stable error code the service raises. Adapters map codes with exhaustive switches, so a
 * new code fails the type check until each adapter says what it means (never a silent 500).
 */
export type PredictErrorCode =
  | 'INVALID_RIDE'
  | 'MISSING_INPUT'
  | 'UNKNOWN_MODEL'
  | 'MODEL_LOAD_FAILED'
  | 'MODEL_NOT_FOUND'
  | 'INVALID_MODEL'
  | 'UNSUPPORTED_MODEL'
  | 'MODEL_UNAVAILABLE'
  | 'NON_FINITE_PREDICTION'
  | 'INVALID_TRIP_FILE'
  | 'TRIP_FILE_NOT_FOUND'
  | 'INVALID_BATCH_JOB'
  | 'BATCH_OUTPUT_FAILED';

/**
 * Errors the predict core raises. Each has a stable `code` that adapters branch on
 * (never on message text) to pick an HTTP status or a dead-letter reason.
 */
export abstract class PredictError extends Error {
  abstract readonly code: PredictErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A ride failed validation; `field` names the offending field (e.g. `[2].trip_distance`). */
export class InvalidRideError extends PredictError {
  readonly code: 'INVALID_RIDE' | 'MISSING_INPUT' = 'INVALID_RIDE';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A field some model needs is absent (a request field, or a batch file's column). */
export class MissingInputError extends InvalidRideError {
  override readonly code = 'MISSING_INPUT';
}

/** A request named a model the loaded set does not hold. */
export class UnknownModelError extends PredictError {
  readonly code = 'UNKNOWN_MODEL';
  constructor(readonly model: string) {
    super(`no model named '${model}'`);
  }
}

/** What a model load failure carries beyond its message. */
export interface ModelFailureOptions extends ErrorOptions {
  /** the configured model it concerns, when known */
  readonly model?: string;
  /** when the next attempt to load it is due (the model cache's back-off), for Retry-After */
  readonly retryAfterSeconds?: number;
}

/**
 * TRANSIENT: the model's files could not be fetched just now (an S3 timeout, 5xx or throttling,
 * a network error). Nothing is wrong with the model; a later attempt may load it.
 */
export class ModelLoadError extends PredictError {
  readonly code = 'MODEL_LOAD_FAILED';
  readonly model?: string;
  readonly retryAfterSeconds?: number;
  constructor(message: string, options: ModelFailureOptions = {}) {
    super(message, options);
    if (options.model !== undefined) this.model = options.model;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * PERMANENT: the model as it is stored will never load; its files (or the configuration) must
 * change first. Retrying the same bytes cannot help, so no reply says "retry shortly".
 */
export abstract class PermanentModelError extends PredictError {
  abstract override readonly code: 'MODEL_NOT_FOUND' | 'INVALID_MODEL' | 'UNSUPPORTED_MODEL';
}

/** A model file or object (or the MLmodel an MLflow directory needs) does not exist or cannot be read. */
export class ModelNotFoundError extends PermanentModelError {
  readonly code = 'MODEL_NOT_FOUND';
}

/** The files are there but unusable: not ONNX, a bad sidecar or MLmodel, or a model that fails its first run. */
export class InvalidModelError extends PermanentModelError {
  readonly code = 'INVALID_MODEL';
}

/** The model is valid ONNX but asks for something the core cannot feed it, or disagrees with its sidecar or signature. */
export class UnsupportedModelError extends PermanentModelError {
  readonly code = 'UNSUPPORTED_MODEL';
}

/**
 * A request (or a stream batch, or a batch job) needs a configured model whose load failed
 * permanently; `reason` is that failure. The other models keep answering.
 */
export class ModelUnavailableError extends PredictError {
  readonly code = 'MODEL_UNAVAILABLE';
  constructor(
    readonly model: string,
    readonly reason: PermanentModelError,
  ) {
    super(`model '${model}' cannot be loaded (${reason.code}): ${oneLine(reason.message)}`, { cause: reason });
  }
}

/** The configured model a failure names (a load failure of one model of several), if any. */
export function failedModelOf(error: unknown): string | undefined {
  return error instanceof ModelLoadError || error instanceof ModelUnavailableError ? error.model : undefined;
}

/** A message as one line of at most `max` characters (onnxruntime's errors span several lines). */
export function oneLine(message: string, max = 400): string {
  const line = message.replace(/\s*\n\s*/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/**
 * A model returned NaN or ±Infinity for rides whose inputs passed validation (a float32
 * overflow, a model extrapolating far outside its training range). Such a value is never
 * emitted: HTTP answers 422, the stream dead-letters the record, batch skips the row.
 */
export class NonFinitePredictionError extends PredictError {
  readonly code = 'NON_FINITE_PREDICTION';
  constructor(
    message: string,
    /** per offending ride: its index in the request, the model, what it returned and the model's input fields */
    readonly rides: readonly { index: number; model: string; value: string; inputs: readonly string[] }[],
  ) {
    super(message);
  }
}

/** Narrowing helper: is this one of ours, and which one. */
export function isPredictError(error: unknown): error is PredictError {
  return error instanceof PredictError;
}

/** For the `default` of an exhaustive switch: a new code is a type error here. */
export function unhandledCode(code: never): never {
  throw new Error(`unhandled error code ${String(code)}`);
}
