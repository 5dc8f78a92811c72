import { ModelLoadError, isPredictError, unhandledCode, type PredictError } from '../../serving/errors';
import { HTTP_ERRORS, type HttpErrorCode } from './error-codes';
import type { HttpDeps, HttpRequest } from './http-handler';

/**
 * A request a protocol's codec refuses before any model runs (a body too large, not JSON, not the
 * protocol's shape, a version that is not served): its code from the one table (error-codes.ts).
 */
export class RequestRefusedError extends Error {
  override readonly name = 'RequestRefusedError';
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** A failed request as each protocol's error reply words it: status, code, message, headers. */
export interface Failure {
  readonly status: number;
  /** a code of error-codes.ts */
  readonly code: HttpErrorCode;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Status overrides a protocol makes on the table (OIP v2 and MLflow answer a non-finite prediction with 400). */
export type StatusOverrides = Partial<Record<HttpErrorCode, number>>;

/**
 * What went wrong, for a protocol's error reply: a refusal or a PredictError keeps its code (the
 * status from error-codes.ts unless `overrides` says otherwise); anything else is unexpected:
 * told to `deps.onUnexpectedError` and answered 500 without details.
 */
export function describeFailure(failure: unknown, deps: HttpDeps, overrides: StatusOverrides = {}): Failure {
  const found = classify(failure, deps);
  return { ...found, status: overrides[found.code] ?? HTTP_ERRORS[found.code].status };
}

function classify(failure: unknown, deps: HttpDeps): Omit<Failure, 'status'> {
  if (failure instanceof RequestRefusedError) return { code: failure.code, message: failure.message, headers: failure.headers };
  if (isPredictError(failure)) return fromPredictError(failure, deps);
  deps.onUnexpectedError(failure);
  return { code: 'INTERNAL_ERROR', message: 'internal error', headers: {} };
}

/** Every PredictError code has its reply here: a new code is a type error until it is mapped. */
function fromPredictError(error: PredictError, deps: HttpDeps): Omit<Failure, 'status'> {
  const code = error.code;
  switch (code) {
    case 'INVALID_RIDE':
    case 'MISSING_INPUT':
    case 'UNKNOWN_MODEL':
    case 'NON_FINITE_PREDICTION':
    case 'MODEL_NOT_FOUND':
    case 'INVALID_MODEL':
    case 'UNSUPPORTED_MODEL':
    case 'MODEL_UNAVAILABLE':
      // Permanent (a model's files must change first), so no Retry-After.
      return { code, message: error.message, headers: {} };
    case 'MODEL_LOAD_FAILED': {
      // Transient: Retry-After says when the next load attempt is due.
      const model = (error as ModelLoadError).model;
      const headers = { 'retry-after': String((error as ModelLoadError).retryAfterSeconds ?? 1) };
      return { code, message: model === undefined ? 'model not available, retry shortly' : `model '${model}' not available, retry shortly`, headers };
    }
    case 'INVALID_TRIP_FILE':
    case 'TRIP_FILE_NOT_FOUND':
    case 'INVALID_BATCH_JOB':
    case 'BATCH_OUTPUT_FAILED':
      deps.onUnexpectedError(error);
      return { code: 'INTERNAL_ERROR', message: 'internal error', headers: {} };
    default:
      return unhandledCode(code);
  }
}

/** The JSON content types the codecs read: `application/json` and `application/<x>+json`, with an optional charset. */
const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;

/**
 * A JSON request body, read as `/predict` reads one: a content type that is JSON (or none), at
 * most MAX_BODY_BYTES, valid JSON. Refused otherwise (415, 413, 400).
 */
export function readJsonBody(request: HttpRequest, deps: HttpDeps): unknown {
  const contentType = request.headers['content-type'];
  if (contentType !== undefined && !JSON_TYPE.test(contentType.trim()))
    throw new RequestRefusedError('UNSUPPORTED_MEDIA_TYPE', 'content-type must be application/json');
  checkBodySize(request, deps);
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new RequestRefusedError('INVALID_JSON', 'body is not valid JSON');
  }
}

/** MAX_BODY_BYTES, for every protocol (npm start's server also refuses larger bodies before they reach a codec). */
export function checkBodySize(request: HttpRequest, deps: HttpDeps): void {
  if (request.body.length > deps.maxBodyBytes)
    throw new RequestRefusedError('BODY_TOO_LARGE', `body is ${request.body.length} bytes; the limit is ${deps.maxBodyBytes}`);
}

/** MAX_RIDES_PER_REQUEST, for every protocol: rows of a data frame, elements of an input tensor. */
export function checkRowCount(rows: number, maxRows: number): void {
  if (rows > maxRows) throw new RequestRefusedError('TOO_MANY_RIDES', `${rows} rows in one request; the limit is ${maxRows}`);
}

/** 405 for a path whose route takes another method. */
export function methodNotAllowed(request: HttpRequest, allowed: string): RequestRefusedError {
  return new RequestRefusedError('METHOD_NOT_ALLOWED', `${request.path} accepts ${allowed} only`, { allow: allowed });
}
