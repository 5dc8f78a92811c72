import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import type { ModelSet } from '../../../model/model-set';
import { columnsOf, exampleRows, fresh } from '../examples';
import {
  ErrorResponse,
  InferenceRequest,
  InferenceResponse,
  LiveServerResponse,
  MetadataModelResponse,
  MetadataServerResponse,
  ReadyModelResponse,
  ReadyServerResponse,
} from './datamodels';
import { inputMetadata } from './tensors';

/** The tag the API reference groups these routes under. */
export const OIP_TAG = 'Open Inference Protocol v2';

/**
 * The OIP v2 routes in /openapi.json: per loaded model its metadata, readiness and `infer` (with
 * an example request of the model's own inputs, one tensor per column, so a try-it-out scores),
 * the versioned forms once, and the server's metadata and health.
 */
export function registerOipV2Paths(registry: OpenAPIRegistry, set: ModelSet): void {
  const error = registry.register('OipError', fresh(ErrorResponse));
  const errorReply = (description: string) => ({ description, content: { 'application/json': { schema: error } } });
  const request = registry.register('OipInferenceRequest', fresh(InferenceRequest));
  const response = registry.register('OipInferenceResponse', fresh(InferenceResponse));
  const metadata = registry.register('OipModelMetadata', fresh(MetadataModelResponse));
  const ready = registry.register('OipModelReady', fresh(ReadyModelResponse));
  const inferErrors = {
    400: errorReply(
      'the request is not an inference request of this model (datatype, shape, data, a missing input, a value out of bounds), or the model returned NaN or Infinity',
    ),
    404: errorReply('no such model, or not the version served'),
    413: errorReply('body over MAX_BODY_BYTES, or more rows than MAX_RIDES_PER_REQUEST'),
    415: errorReply('content-type is not JSON'),
    503: errorReply('the model is not loaded (MODEL_LOAD_FAILED: retry after Retry-After; MODEL_UNAVAILABLE: its files must change)'),
  };
  const tags = [OIP_TAG];
  registry.registerPath({
    method: 'get',
    path: '/v2',
    tags,
    summary: 'Server metadata',
    responses: { 200: { description: 'name, version, extensions', content: { 'application/json': { schema: MetadataServerResponse } } } },
  });
  registry.registerPath({
    method: 'get',
    path: '/v2/health/live',
    tags,
    summary: 'Server live',
    responses: { 200: { description: 'the server answers', content: { 'application/json': { schema: LiveServerResponse } } } },
  });
  registry.registerPath({
    method: 'get',
    path: '/v2/health/ready',
    tags,
    summary: 'Server ready: every served model is loaded',
    responses: {
      200: { description: 'every model is loaded', content: { 'application/json': { schema: ReadyServerResponse } } },
      503: { description: 'a model is not loaded (GET /health says which and why)', content: { 'application/json': { schema: ReadyServerResponse } } },
    },
  });
  for (const name of set.names) {
    const model = set.require(name);
    const columns = columnsOf(exampleRows(model.fields, 2));
    const example = {
      id: 'example-1',
      inputs: inputMetadata(model).map((tensor) => ({ name: tensor.name, shape: [2], datatype: tensor.datatype, data: columns[tensor.name] })),
    };
    registry.registerPath({
      method: 'post',
      path: `/v2/models/${name}/infer`,
      tags,
      summary: `Infer with the model '${name}' (one input tensor per column: ${model.fields.map((f) => f.name).join(', ')})`,
      request: { body: { required: true, content: { 'application/json': { schema: request, example } } } },
      responses: {
        200: { description: `one output tensor '${name}', one value per row`, content: { 'application/json': { schema: response } } },
        ...inferErrors,
      },
    });
    registry.registerPath({
      method: 'get',
      path: `/v2/models/${name}`,
      tags,
      summary: `Metadata of the model '${name}': versions, platform, inputs, outputs`,
      responses: {
        200: { description: `version ${model.version}`, content: { 'application/json': { schema: metadata } } },
        503: errorReply('the model is not loaded'),
      },
    });
    registry.registerPath({
      method: 'get',
      path: `/v2/models/${name}/ready`,
      tags,
      summary: `Is the model '${name}' loaded?`,
      responses: {
        200: { description: 'loaded', content: { 'application/json': { schema: ready } } },
        503: { description: 'not loaded', content: { 'application/json': { schema: ready } } },
      },
    });
  }
  const params = z.object({
    name: z.enum(set.names as [string, ...string[]]),
    version: z.string().describe('the version served (GET /v2/models/{name} lists it); another is a 404'),
  });
  registry.registerPath({
    method: 'post',
    path: '/v2/models/{name}/versions/{version}/infer',
    tags,
    summary: 'Infer with one version of a model (the one served)',
    request: { params, body: { required: true, content: { 'application/json': { schema: request } } } },
    responses: { 200: { description: 'as /v2/models/{name}/infer', content: { 'application/json': { schema: response } } }, ...inferErrors },
  });
  for (const [suffix, schema, summary] of [
    ['', metadata, 'Metadata of one version of a model'],
    ['/ready', ready, 'Is this version of the model loaded?'],
  ] as const) {
    registry.registerPath({
      method: 'get',
      path: `/v2/models/{name}/versions/{version}${suffix}`,
      tags,
      summary,
      request: { params },
      responses: {
        200: { description: 'the version served', content: { 'application/json': { schema } } },
        404: errorReply('no such model, or not the version served'),
      },
    });
  }
}
