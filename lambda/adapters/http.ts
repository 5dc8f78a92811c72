import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isPredictError } from '../core/errors';
import { parseRides, type Ride } from '../core/features';
import { randomUUID } from 'node:crypto';
import type { PredictService } from '../core/predict';
import { columnsOf, type PredictionEvent } from '../capture/prediction-capture';

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
  /** resolves to the loaded model; rejects (→ 503) while it cannot be loaded */
  getService(): Promise<PredictService>;
  maxBodyBytes: number;
  maxRidesPerRequest: number;
  /** told about unexpected failures, which answer 500 without details */
  onUnexpectedError(error: unknown): void;
  /** the capture seam: told about every prediction before the reply (must not throw) */
  onPredictions?: (event: PredictionEvent) => void;
}

const BASE_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

const ROUTES: Record<string, string> = { '/predict': 'POST', '/health': 'GET' };

/**
 * The web service, transport-neutral: `POST /predict` and `GET /health`.
 * Client mistakes get a 4xx with `{"error": ...}` naming the field; never a stack trace.
 */
export async function handleHttpRequest(request: HttpRequest, deps: HttpDeps): Promise<HttpResponse> {
  const allowed = ROUTES[request.path];
  if (!allowed) return json(404, { error: 'no such route; try POST /predict or GET /health' });
  if (request.method !== allowed) {
    return json(405, { error: `${request.path} accepts ${allowed} only` }, { allow: allowed });
  }
  try {
    return request.path === '/health' ? await health(deps) : await predict(request, deps);
  } catch (error) {
    return errorResponse(error, deps);
  }
}

async function health(deps: HttpDeps): Promise<HttpResponse> {
  const service = await deps.getService();
  return json(200, { status: 'ok', model_version: service.modelVersion });
}

async function predict(request: HttpRequest, deps: HttpDeps): Promise<HttpResponse> {
  const contentType = request.headers['content-type'];
  if (contentType !== undefined && !/^application\/([\w.+-]*\+)?json\b/i.test(contentType.trim())) {
    return json(415, { error: 'content-type must be application/json' });
  }
  if (request.body.length > deps.maxBodyBytes) {
    return json(413, { error: `body is ${request.body.length} bytes; the limit is ${deps.maxBodyBytes}` });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(request.body.toString('utf8'));
  } catch {
    return json(400, { error: 'body is not valid JSON' });
  }
  if (Array.isArray(payload) && payload.length > deps.maxRidesPerRequest) {
    return json(413, { error: `${payload.length} rides in one request; the limit is ${deps.maxRidesPerRequest}` });
  }
  const { rides, isArray } = parseRides(payload);
  const service = await deps.getService();
  const durations = await service.predict(rides);
  observe(deps, request, rides, durations, service.modelVersion);
  const results = durations.map((duration) => ({ duration, model_version: service.modelVersion }));
  return json(200, isArray ? results : results[0]);
}

function observe(deps: HttpDeps, request: HttpRequest, rides: readonly Ride[], durations: readonly number[], version: string): void {
  if (!deps.onPredictions) return;
  const id = request.requestId ?? randomUUID();
  try {
    deps.onPredictions({
      source: 'http',
      requestIds: rides.length === 1 ? [id] : rides.map((_, i) => `${id}#${i}`),
      batch: columnsOf(rides),
      prediction: { outputs: { duration: durations }, versions: { duration: version } },
    });
  } catch (error) {
    deps.onUnexpectedError(error);
  }
}

function errorResponse(error: unknown, deps: HttpDeps): HttpResponse {
  if (isPredictError(error)) {
    switch (error.code) {
      case 'INVALID_RIDE':
        return json(400, { error: error.message, code: error.code, ...('field' in error && error.field ? { field: error.field } : {}) });
      case 'MODEL_LOAD_FAILED':
      case 'UNSUPPORTED_MODEL':
        return json(503, { error: 'model not available, retry shortly', code: error.code }, { 'retry-after': '1' });
    }
  }
  deps.onUnexpectedError(error);
  return json(500, { error: 'internal error' });
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

export async function handleApiGatewayEvent(event: APIGatewayProxyEventV2, deps: HttpDeps): Promise<APIGatewayProxyStructuredResultV2> {
  const response = await handleHttpRequest(fromApiGatewayEvent(event), deps);
  return { statusCode: response.statusCode, headers: response.headers, body: response.body, isBase64Encoded: false };
}
