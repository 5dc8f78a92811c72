import type { InputBatch } from '../../../model/input-batch';
import type { ModelSet } from '../../../model/model-set';
import { isPredictError } from '../../../serving/errors';
import { nonFiniteError } from '../../../serving/non-finite';
import type { HttpDeps, HttpRequest, HttpResponse } from '../http-handler';
import type { ProtocolCodec } from '../protocols';
import { jsonReply, lazyRowIds, textReply } from '../replies';
import { RequestRefusedError, checkBodySize, describeFailure, methodNotAllowed, type Failure } from '../request-refused';
import type { MatchedRoute } from '../routes';
import { SERVICE_VERSION } from '../service-version';
import { parseCsv } from './csv';
import type { ScoringError, ScoringResponse } from './datamodels';
import { decodeCsvFrame, decodeJsonFrame } from './frames';

/**
 * MLflow's scoring server and SageMaker's hosting contract, which share their routes: `POST
 * /invocations` scores a data frame (JSON in one of MLflow's four formats, or CSV) with every
 * served model, `GET /ping` answers 200 once they are loaded, `GET /version` the service's
 * version. (`GET /health`, MLflow's alias of /ping, is the course handler's, with the same
 * status codes.) Errors are MLflow's `{"error_code", "message"}` plus the service's `code`.
 */
export const mlflow: ProtocolCodec = {
  async answer(request, deps, matched) {
    const route = matched.find((candidate) => candidate.route.method === request.method);
    try {
      if (!route) throw methodNotAllowed(request, (matched[0] as MatchedRoute).route.method);
      switch (route.route.path) {
        case '/ping':
          return await ping(deps);
        case '/version':
          return textReply(200, SERVICE_VERSION, 'text/plain; charset=utf-8');
        default:
          return await invocations(request, deps);
      }
    } catch (failure) {
      const found = describeFailure(failure, deps, { NON_FINITE_PREDICTION: 400 });
      if (request.method === 'POST' && found.status >= 500) deps.onServiceFailure?.();
      return errorReply(found);
    }
  },
};

/** MLflow's error classes (databricks_pb2 ErrorCode names) by HTTP status, as MLflow maps them back. */
function mlflowErrorCode(status: number): string {
  if (status === 503) return 'TEMPORARILY_UNAVAILABLE';
  if (status >= 500) return 'INTERNAL_ERROR';
  if (status === 404) return 'RESOURCE_DOES_NOT_EXIST';
  return 'BAD_REQUEST';
}

function errorReply({ status, code, message, headers }: Failure): HttpResponse {
  return jsonReply(status, { error_code: mlflowErrorCode(status), message, code } satisfies ScoringError, { ...headers });
}

/** SageMaker's health check: 200 with an empty body once every model is loaded, else the error (503). */
async function ping(deps: HttpDeps): Promise<HttpResponse> {
  try {
    await deps.getModels();
  } catch (error) {
    if (!isPredictError(error)) throw error;
    return errorReply(describeFailure(error, deps));
  }
  return textReply(200, '', 'text/plain; charset=utf-8');
}

/** One frame, scored by every served model in one dataplane inference. */
async function invocations(request: HttpRequest, deps: HttpDeps): Promise<HttpResponse> {
  const mediaType = mediaTypeOf(request.headers['content-type']);
  checkBodySize(request, deps);
  const text = utf8(request.body);
  // One snapshot for the whole request: a swap meanwhile cannot mix versions in this reply.
  const set = await deps.getModels();
  const inputs = decodeFrame(mediaType, text, set, deps.maxRidesPerRequest);
  const ids = lazyRowIds(request.requestId, inputs.length);
  const { prediction, nonFinite } = await deps.dataplane.infer(set, {
    source: 'http',
    inputs,
    get requestIds() {
      return ids();
    },
    refuse: 'request',
  });
  if (nonFinite.length > 0) throw nonFiniteError(nonFinite, (m) => set.require(m).fields.map((f) => f.name));
  return jsonReply(200, { predictions: predictionsOf(prediction.outputs, set.names, inputs.length) } satisfies ScoringResponse);
}

function decodeFrame(mediaType: 'json' | 'csv', text: string, set: ModelSet, maxRows: number): InputBatch {
  if (mediaType === 'csv') return decodeCsvFrame(parseCsv(text), set.fields, maxRows);
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw new RequestRefusedError('INVALID_JSON', 'body is not valid JSON');
  }
  return decodeJsonFrame(payload, set.fields, maxRows);
}

/** Numbers when one model is served (what `mlflow models serve` answers); one object per row, model → value, when several are. */
function predictionsOf(outputs: Readonly<Record<string, Float64Array>>, names: readonly string[], rows: number): number[] | Record<string, number>[] {
  if (names.length === 1) return Array.from(outputs[names[0] as string] as Float64Array);
  return Array.from({ length: rows }, (_, row) => Object.fromEntries(names.map((name) => [name, (outputs[name] as Float64Array)[row] as number])));
}

/**
 * `application/json` or `text/csv`, with at most a `charset=utf-8` parameter, as MLflow's server
 * takes them; anything else (no content type included) is 415.
 */
function mediaTypeOf(contentType: string | undefined): 'json' | 'csv' {
  const [type = '', ...parameters] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const media = type === 'application/json' ? 'json' : type === 'text/csv' ? 'csv' : undefined;
  if (!media)
    throw new RequestRefusedError(
      'UNSUPPORTED_MEDIA_TYPE',
      `content-type must be application/json or text/csv, got ${contentType === undefined ? 'none' : `'${type}'`}`,
    );
  for (const parameter of parameters) {
    const [name, value] = parameter.split('=').map((part) => part.trim().replace(/^"|"$/g, ''));
    if (name !== 'charset') throw new RequestRefusedError('UNSUPPORTED_MEDIA_TYPE', `content-type parameter '${name}' is not supported; only charset=utf-8`);
    if (value !== 'utf-8' && value !== 'utf8') throw new RequestRefusedError('UNSUPPORTED_MEDIA_TYPE', 'the scoring server only supports UTF-8');
  }
  return media;
}

const DECODER = new TextDecoder('utf-8', { fatal: true });

function utf8(body: Buffer): string {
  try {
    return DECODER.decode(body);
  } catch {
    throw new RequestRefusedError('INVALID_REQUEST', 'body is not UTF-8 text');
  }
}
