/**
 * Every stable error code the service raises. Adapters map codes with exhaustive switches, so a
 * new code fails the type check until each adapter says what it means (never a silent 500).
 */
export type PredictErrorCode =
  | 'INVALID_RIDE'
  | 'MISSING_INPUT'
  | 'UNKNOWN_MODEL'
  | 'MODEL_LOAD_FAILED'
  | 'UNSUPPORTED_MODEL'
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

/** The model bytes could not be fetched or turned into a usable session. */
export class ModelLoadError extends PredictError {
  readonly code = 'MODEL_LOAD_FAILED';
}

/** The model is valid ONNX but asks for something the core cannot feed it. */
export class UnsupportedModelError extends PredictError {
  readonly code = 'UNSUPPORTED_MODEL';
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
