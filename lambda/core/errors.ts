/**
 * Errors the predict core raises. Each has a stable `code` that adapters branch on
 * (never on message text) to pick an HTTP status or a dead-letter reason.
 */
export abstract class PredictError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A ride failed validation; `field` names the offending field (e.g. `[2].trip_distance`). */
export class InvalidRideError extends PredictError {
  readonly code = 'INVALID_RIDE';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
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

/** Narrowing helper: is this one of ours, and which one. */
export function isPredictError(error: unknown): error is PredictError {
  return error instanceof PredictError;
}
