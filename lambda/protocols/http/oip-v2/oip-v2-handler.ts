import type { ModelSet } from '../../../model/model-set';
import type { ServedModel } from '../../../model/served-model';
import { SERVICE_NAME } from '../../../contract';
import { isPredictError } from '../../../serving/errors';
import { nonFiniteError } from '../../../serving/non-finite';
import type { HttpDeps, HttpRequest, HttpResponse } from '../http-handler';
import type { ProtocolCodec } from '../protocols';
import { decodeParam, jsonReply, lazyRowIds } from '../replies';
import { RequestRefusedError, describeFailure, methodNotAllowed, readJsonBody } from '../request-refused';
import type { MatchedRoute } from '../routes';
import { SERVICE_VERSION } from '../service-version';
import { InferenceRequest, type ErrorResponse, type InferenceResponse, type MetadataModelResponse, type MetadataServerResponse } from './datamodels';
import { decodeInputs, inputMetadata, outputDatatype, outputMetadata } from './tensors';

/** OIP platform names (`<project>_<format>`) of the model formats a runtime runs; Triton's for ONNX Runtime. */
const PLATFORMS: Readonly<Record<string, string>> = { onnx: 'onnxruntime_onnx' };

/**
 * The Open Inference Protocol v2 over REST: server and model metadata, liveness and readiness,
 * and `infer` on one model, each input tensor one column of the model's request fields. Errors
 * are `{"error": …, "code": …}` with the status of error-codes.ts (a non-finite prediction is a
 * 400 here, as the protocol's inference errors are).
 */
export const oipV2: ProtocolCodec = {
  async answer(request, deps, matched) {
    const route = matched.find((candidate) => candidate.route.method === request.method);
    try {
      if (!route) throw methodNotAllowed(request, (matched[0] as MatchedRoute).route.method);
      return await answerRoute(request, deps, route);
    } catch (failure) {
      const { status, code, message, headers } = describeFailure(failure, deps, { NON_FINITE_PREDICTION: 400 });
      if (request.method === 'POST' && status >= 500) deps.onServiceFailure?.();
      return jsonReply(status, { error: message, code } satisfies ErrorResponse, { ...headers });
    }
  },
};

async function answerRoute(request: HttpRequest, deps: HttpDeps, { route, params }: MatchedRoute): Promise<HttpResponse> {
  const name = params.name === undefined ? undefined : decodeParam(params.name);
  const version = params.version === undefined ? undefined : decodeParam(params.version);
  switch (route.path) {
    case '/v2':
      return jsonReply(200, { name: SERVICE_NAME, version: SERVICE_VERSION, extensions: [] } satisfies MetadataServerResponse);
    case '/v2/health/live':
      return jsonReply(200, { live: true });
    case '/v2/health/ready':
      return serverReady(deps);
    case '/v2/models/{name}':
    case '/v2/models/{name}/versions/{version}':
      return jsonReply(200, metadata(await servedModel(deps, name as string, version)));
    case '/v2/models/{name}/ready':
    case '/v2/models/{name}/versions/{version}/ready':
      return modelReady(deps, name as string, version);
    default:
      return infer(request, deps, name as string, version);
  }
}

/** 200 `{"ready": true}` when every served model is loaded, else 503 `{"ready": false}`: clients go by the status. */
async function serverReady(deps: HttpDeps): Promise<HttpResponse> {
  try {
    await deps.getModels();
    return jsonReply(200, { ready: true });
  } catch (error) {
    if (!isPredictError(error)) throw error;
    return jsonReply(503, { ready: false });
  }
}

/** 200 `{"name", "ready": true}` once the model is loaded, 503 with `ready: false` while it cannot be; 404 for a model (or version) not served. */
async function modelReady(deps: HttpDeps, name: string, version: string | undefined): Promise<HttpResponse> {
  try {
    await servedModel(deps, name, version);
    return jsonReply(200, { name, ready: true });
  } catch (error) {
    if (!isPredictError(error) || error.code === 'UNKNOWN_MODEL') throw error;
    return jsonReply(503, { name, ready: false });
  }
}

/** The model of the request, loaded; the version, when the path names one, must be the one served. */
async function servedModel(deps: HttpDeps, name: string, version: string | undefined): Promise<ServedModel> {
  return modelIn(await deps.getModels([name]), name, version);
}

function modelIn(set: ModelSet, name: string, version: string | undefined): ServedModel {
  const model = set.require(name);
  if (version !== undefined && version !== model.version) {
    throw new RequestRefusedError('UNKNOWN_MODEL_VERSION', `model '${name}' has no version '${version}'; it serves version '${model.version}'`);
  }
  return model;
}

function metadata(model: ServedModel): MetadataModelResponse {
  return {
    name: model.name,
    versions: [model.version],
    platform: PLATFORMS[model.format] ?? model.format,
    inputs: inputMetadata(model),
    outputs: outputMetadata(model),
  };
}

/** `POST …/infer`: decode the tensors, one dataplane inference, the prediction as one output tensor. */
async function infer(request: HttpRequest, deps: HttpDeps, name: string, version: string | undefined): Promise<HttpResponse> {
  const parsed = InferenceRequest.safeParse(readJsonBody(request, deps));
  if (!parsed.success) throw invalidRequest(parsed.error.issues[0]);
  const body = parsed.data;
  // One snapshot for the whole request: a swap meanwhile cannot change the version it answers with.
  const set = await deps.getModels([name]);
  const model = modelIn(set, name, version);
  checkOutputs(body, model);
  const inputs = decodeInputs(body, model, deps.maxRidesPerRequest);
  const ids = lazyRowIds(request.requestId, inputs.length);
  const { prediction, nonFinite } = await deps.dataplane.infer(set, {
    source: 'http',
    inputs,
    models: [model.name],
    get requestIds() {
      return ids();
    },
    refuse: 'request',
  });
  if (nonFinite.length > 0) throw nonFiniteError(nonFinite, (m) => set.require(m).fields.map((f) => f.name));
  const reply: InferenceResponse = {
    model_name: model.name,
    model_version: prediction.versions[model.name] as string,
    ...(body.id === undefined ? {} : { id: body.id }),
    outputs: [
      {
        name: model.name,
        datatype: outputDatatype(model.outputs[0]),
        shape: [inputs.length],
        data: Array.from(prediction.outputs[model.name] as Float64Array),
      },
    ],
  };
  return jsonReply(200, reply);
}

/** The outputs a request may ask for: the prediction, named after the model. */
function checkOutputs(body: InferenceRequest, model: ServedModel): void {
  for (const output of body.outputs ?? []) {
    if (output.name !== model.name)
      throw new RequestRefusedError('INVALID_REQUEST', `model '${model.name}' has no output '${output.name}'; its output is '${model.name}'`);
  }
}

/** The first schema problem of a request body, as one line naming where it is (`inputs[0].shape`). */
function invalidRequest(issue: { path: readonly PropertyKey[]; message: string } | undefined): RequestRefusedError {
  const where = (issue?.path ?? [])
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
    .join('')
    .replace(/^\./, '');
  return new RequestRefusedError('INVALID_REQUEST', `not an inference request: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`);
}
