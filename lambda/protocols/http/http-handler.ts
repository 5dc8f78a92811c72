import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  InvalidRideError,
  ModelLoadError,
  ModelUnavailableError,
  isPredictError,
  unhandledCode,
  type NonFinitePredictionError,
  type PredictError,
} from '../../serving/errors';
import { nonFiniteError } from '../../serving/non-finite';
import type { Dataplane } from '../../serving/dataplane';
import type { ModelSet } from '../../model/model-set';
import type { SetPrediction } from '../../model/observers';
import type { ModelStatus } from '../../repository/model-set-cache';
import { HTTP_ERRORS, type HttpErrorCode } from './error-codes';
import { randomUUID } from 'node:crypto';
import { traceFrom, traceparentOf, type TraceContext } from '../../observability/trace';
import { MAX_RIDE_ID_LENGTH, RideIdSchema, type RideId } from '../../rides/ride-id';
import { answerOtherProtocol } from './protocols';

/** A request as both transports see it: API Gateway (payload 2.0) and node:http. */
export interface HttpRequest {
  method: string;
  path: string;
  /** lower-case names */
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
  /** API Gateway's request id, or one the local server makes; capture records carry it */
  requestId?: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpDeps {
  /**
   * Resolves to a snapshot of the named models (every model by default), one per request;
   * rejects (→ 503) while one of them cannot be loaded: with ModelLoadError (transient, retried)
   * or ModelUnavailableError (permanent), naming it; UnknownModelError (→ 404) for a name not served.
   */
  getModels(names?: readonly string[]): Promise<ModelSet>;
  /** each configured model's load state, for /health while some model is not loaded */
  modelStatus?(): ModelStatus[];
  maxBodyBytes: number;
  maxRidesPerRequest: number;
  /** told about unexpected failures, which answer 500 without details (with the request's trace id, for the log line) */
  onUnexpectedError(error: unknown, traceId?: string): void;
  /** the one inference path (it tells metrics, capture and shadows) */
  dataplane: Dataplane;
  /** told about each prediction request the service failed on its own account with a 5xx: the PredictionErrors metric (the dataplane counts refusals itself) */
  onServiceFailure?(): void;
}

const BASE_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

const PREDICT_ONE = /^\/predict\/([^/]+)$/;

/** The method each route accepts; `/predict/<name>` shares `/predict`'s. */
function routeMethod(path: string): string | undefined {
  if (path === '/predict' || PREDICT_ONE.test(path)) return 'POST';
  if (path === '/health' || path === '/openapi.json') return 'GET';
  return undefined;
}

/**
 * The web service, transport-neutral: `POST /predict` (every model), `POST /predict/<name>`
 * (one model), `GET /health`, `GET /openapi.json`. Client mistakes get a 4xx with
 * `{"error", "code", "field"}` naming the field; never a stack trace, never the value sent.
 * Every reply carries a `traceparent` with the request's trace id (the caller's, else X-Ray's,
 * else a new one; see observability/trace.ts), which its capture records and log lines carry too.
 */
export async function handleHttpRequest(request: HttpRequest, deps: HttpDeps, trace: TraceContext = traceFrom(request.headers)): Promise<HttpResponse> {
  const response = await route(request, deps, trace);
  response.headers.traceparent = traceparentOf(trace);
  return response;
}

async function route(request: HttpRequest, deps: HttpDeps, trace: TraceContext): Promise<HttpResponse> {
  // OIP v2, MLflow/SageMaker and /docs are codecs of their own (protocols.ts), by path.
  const other = answerOtherProtocol(request, deps, trace.traceId);
  if (other) return other;
  const allowed = routeMethod(request.path);
  if (!allowed) return error('NO_SUCH_ROUTE', 'no such route; try POST /predict, POST /predict/<model>, GET /health or GET /openapi.json');
  if (request.method !== allowed) return error('METHOD_NOT_ALLOWED', `${request.path} accepts ${allowed} only`, {}, { allow: allowed });
  try {
    if (request.path === '/health') return await health(deps);
    // Imported on first use: the document's builder (zod-to-openapi) is a chunk of its own in the asset.
    if (request.path === '/openapi.json') return json(200, (await import('./openapi.js')).buildOpenApiDocument(await deps.getModels()));
    return await predict(request, deps, trace.traceId);
  } catch (failure) {
    const response = errorResponse(failure, deps, trace.traceId);
    if (allowed === 'POST' && response.statusCode >= 500) deps.onServiceFailure?.();
    return response;
  }
}

/**
 * 200 when every configured model is loaded; else 503 naming each model's state, and for a
 * failed one its code and reason. Retry-After only when the failure is transient.
 */
async function health(deps: HttpDeps): Promise<HttpResponse> {
  let set: ModelSet;
  try {
    set = await deps.getModels();
  } catch (error) {
    if (!isPredictError(error)) throw error;
    return json(503, { status: 'unavailable', code: error.code, models: deps.modelStatus?.() ?? [] }, retryAfter(error));
  }
  const models = set.names.map((name) => ({ name, version: set.require(name).version, state: 'loaded' }));
  return json(200, { status: 'ok', model_version: set.require(set.primary).version, models });
}

async function predict(request: HttpRequest, deps: HttpDeps, traceId: string): Promise<HttpResponse> {
  const contentType = request.headers['content-type'];
  if (contentType !== undefined && !/^application\/([\w.+-]*\+)?json\b/i.test(contentType.trim()))
    return error('UNSUPPORTED_MEDIA_TYPE', 'content-type must be application/json');
  if (request.body.length > deps.maxBodyBytes) return error('BODY_TOO_LARGE', `body is ${request.body.length} bytes; the limit is ${deps.maxBodyBytes}`);
  let payload: unknown;
  try {
    payload = JSON.parse(request.body.toString('utf8'));
  } catch {
    return error('INVALID_JSON', 'body is not valid JSON');
  }
  if (Array.isArray(payload) && payload.length > deps.maxRidesPerRequest) {
    return error('TOO_MANY_RIDES', `${payload.length} rides in one request; the limit is ${deps.maxRidesPerRequest}`);
  }
  // One snapshot for the whole request: a swap meanwhile cannot mix versions in this reply. A
  // request for one model needs only that one loaded, whatever state the others are in.
  const one = PREDICT_ONE.exec(request.path)?.[1];
  const set = await deps.getModels(one === undefined ? undefined : [one]);
  const names = one === undefined ? set.names : [set.require(one).name];
  const { batch, isArray } = set.requestParser(names).parse(payload);
  const rideIds = rideIdsOf(payload);
  // A NaN or Infinity is never sent (JSON would say null): the whole request is refused.
  const ids = idsOf(request, batch.length);
  const { prediction, nonFinite } = await deps.dataplane.infer(set, {
    source: 'http',
    inputs: batch,
    models: names,
    get requestIds() {
      return ids();
    },
    refuse: 'request',
    traceId,
    ...(rideIds ? { rideIds } : {}),
  });
  if (nonFinite.length > 0) throw nonFiniteError(nonFinite, (model) => set.require(model).fields.map((f) => f.name));
  const replies = toReplies(prediction, names, set, one !== undefined, batch.length);
  return json(200, isArray ? replies : replies[0]);
}

/**
 * One reply per row: each model's output under its name, `model_version` (the primary model's,
 * or the one model's for /predict/<name>) and, for the whole set, every `model_versions`.
 */
function toReplies(prediction: SetPrediction, names: readonly string[], set: ModelSet, single: boolean, n: number): Record<string, unknown>[] {
  const primary = single ? (names[0] as string) : set.primary;
  const modelVersion = prediction.versions[primary];
  const replies = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) {
    const reply: Record<string, unknown> = {};
    for (const name of names) reply[name] = (prediction.outputs[name] as Float64Array)[i];
    reply.model_version = modelVersion;
    if (!single) reply.model_versions = prediction.versions;
    replies[i] = reply;
  }
  return replies;
}

/**
 * The request's row ids for capture (the API Gateway request id, or a UUID; `#<row>` per ride of
 * an array), made on the first call only: observers that never read them (metrics) cost no UUID.
 */
function idsOf(request: HttpRequest, n: number): () => readonly string[] {
  let ids: string[] | undefined;
  return () => {
    if (!ids) {
      const id = request.requestId ?? randomUUID();
      ids = n === 1 ? [id] : Array.from({ length: n }, (_, i) => `${id}#${i}`);
    }
    return ids;
  };
}

/**
 * The rides' own `ride_id`s (optional, a string or a number like the stream's), kept in their
 * capture records so ground truth can be joined to them; undefined when no ride has one. The
 * models never see it. A ride_id of another type is a 400 naming it.
 */
function rideIdsOf(payload: unknown): (RideId | undefined)[] | undefined {
  const rides = Array.isArray(payload) ? payload : [payload];
  let any = false;
  const ids = rides.map((ride: unknown, i) => {
    const id = (ride as { ride_id?: unknown }).ride_id;
    if (id === undefined) return undefined;
    const parsed = RideIdSchema.safeParse(id);
    if (!parsed.success)
      throw new InvalidRideError(
        `ride_id must be a number or a string of 1–${MAX_RIDE_ID_LENGTH} characters`,
        Array.isArray(payload) ? `[${i}].ride_id` : 'ride_id',
      );
    any = true;
    return parsed.data;
  });
  return any ? ids : undefined;
}

function errorResponse(failure: unknown, deps: HttpDeps, traceId: string): HttpResponse {
  if (isPredictError(failure)) return mapPredictError(failure, deps, traceId);
  deps.onUnexpectedError(failure, traceId);
  return error('INTERNAL_ERROR', 'internal error');
}

/** Every code has a status here: a new code is a type error until it is mapped. */
function mapPredictError(error: PredictError, deps: HttpDeps, traceId: string): HttpResponse {
  const code = error.code;
  switch (code) {
    case 'INVALID_RIDE':
    case 'MISSING_INPUT':
      return json(400, { error: error.message, code, ...('field' in error && typeof error.field === 'string' ? { field: error.field } : {}) });
    case 'UNKNOWN_MODEL':
      return json(404, { error: error.message, code });
    case 'NON_FINITE_PREDICTION':
      // The request is well-formed; the models cannot score it: 422, naming rides, models and input fields.
      return json(422, { error: error.message, code, rides: (error as NonFinitePredictionError).rides });
    case 'MODEL_LOAD_FAILED': {
      // Transient (S3 unreachable, throttled): Retry-After says when the next load attempt is due.
      const model = (error as ModelLoadError).model;
      const body =
        model === undefined ? { error: 'model not available, retry shortly', code } : { error: `model '${model}' not available, retry shortly`, code, model };
      return json(503, body, retryAfter(error));
    }
    case 'MODEL_UNAVAILABLE':
      // Permanent: the model's files must change first, so no "retry shortly" and no Retry-After.
      return json(503, { error: error.message, code, model: (error as ModelUnavailableError).model });
    case 'MODEL_NOT_FOUND':
    case 'INVALID_MODEL':
    case 'UNSUPPORTED_MODEL':
      return json(503, { error: error.message, code });
    case 'INVALID_TRIP_FILE':
    case 'TRIP_FILE_NOT_FOUND':
    case 'INVALID_BATCH_JOB':
    case 'BATCH_OUTPUT_FAILED':
      deps.onUnexpectedError(error, traceId);
      return json(500, { error: 'internal error', code: 'INTERNAL_ERROR' });
    default:
      return unhandledCode(code);
  }
}

/** A Retry-After header for a transient load failure (when its next attempt is due), else none. */
function retryAfter(error: PredictError): Record<string, string> {
  return error instanceof ModelLoadError ? { 'retry-after': String(error.retryAfterSeconds ?? 1) } : {};
}

/** A reply for one of the documented errors (error-codes.ts): its status, `{"error", "code", …}`. */
function error(code: HttpErrorCode, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): HttpResponse {
  return json(HTTP_ERRORS[code].status, { error: message, code, ...extra }, headers);
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** API Gateway HTTP API (payload format 2.0) → HttpRequest. Strips a named stage from the path. */
export function fromApiGatewayEvent(event: APIGatewayProxyEventV2): HttpRequest {
  const stage = event.requestContext.stage;
  let path = event.rawPath;
  if (stage && stage !== '$default' && path.startsWith(`/${stage}/`)) path = path.slice(stage.length + 1);
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return { method: event.requestContext.http.method.toUpperCase(), path, headers, body, requestId: event.requestContext.requestId };
}

export async function handleApiGatewayEvent(event: APIGatewayProxyEventV2, deps: HttpDeps, trace?: TraceContext): Promise<APIGatewayProxyStructuredResultV2> {
  const request = fromApiGatewayEvent(event);
  const response = await handleHttpRequest(request, deps, trace ?? traceFrom(request.headers));
  return { statusCode: response.statusCode, headers: response.headers, body: response.body, isBase64Encoded: false };
}
