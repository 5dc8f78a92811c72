/**
 * Every error a web reply can carry: its `code` (in the JSON body, `{"error", "code", …}`), its
 * HTTP status, and what it means. The one table the handler answers from and the API reference
 * documents; a code missing here is a type error where it is used.
 */
export const HTTP_ERRORS = Object.freeze({
  INVALID_JSON: { status: 400, meaning: 'the body is not valid JSON' },
  INVALID_RIDE: { status: 400, meaning: 'a ride is not what the models take; `field` names the field (`[3].trip_distance` in arrays)' },
  MISSING_INPUT: { status: 400, meaning: 'a ride lacks a field a model needs; `field` names it' },
  INVALID_REQUEST: {
    status: 400,
    meaning: "the body is not the protocol's request: an OIP v2 tensor's datatype, shape or data, an MLflow frame that is not exactly one of its formats",
  },
  UNAUTHORIZED: { status: 401, meaning: 'API_TOKEN is set and the request has no or a wrong `Authorization: Bearer` token (`npm start`, the container)' },
  NO_SUCH_ROUTE: { status: 404, meaning: 'no route at that path' },
  UNKNOWN_MODEL: { status: 404, meaning: '`/predict/<name>` (or `/v2/models/<name>`) names no served model' },
  UNKNOWN_MODEL_VERSION: { status: 404, meaning: '`/v2/models/<name>/versions/<version>` names a version that is not the one served' },
  METHOD_NOT_ALLOWED: { status: 405, meaning: 'the route takes another method (`Allow` says which)' },
  BODY_TOO_LARGE: { status: 413, meaning: 'the body is over MAX_BODY_BYTES' },
  TOO_MANY_RIDES: { status: 413, meaning: 'more rides (rows) in one request than MAX_RIDES_PER_REQUEST' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'the content type is not JSON (`/invocations`: nor CSV), or a charset other than UTF-8' },
  NON_FINITE_PREDICTION: { status: 422, meaning: 'a model returned NaN or Infinity for valid inputs; `rides` names them, their models and input fields' },
  INTERNAL_ERROR: { status: 500, meaning: 'an unexpected failure (logged; no detail in the reply)' },
  MODEL_LOAD_FAILED: {
    status: 503,
    meaning: 'a model could not be fetched just now (S3 unreachable, throttled); `Retry-After` says when the next attempt is due',
  },
  MODEL_UNAVAILABLE: { status: 503, meaning: 'the request needs a model that cannot be loaded until its files change; `model` names it' },
  MODEL_NOT_FOUND: { status: 503, meaning: "a model's file or object does not exist" },
  INVALID_MODEL: { status: 503, meaning: "a model's files are not a model the service can load" },
  UNSUPPORTED_MODEL: { status: 503, meaning: 'a model has an input or output the service cannot feed or read' },
} as const);

export type HttpErrorCode = keyof typeof HTTP_ERRORS;
