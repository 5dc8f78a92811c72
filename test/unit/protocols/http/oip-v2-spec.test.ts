import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { handleHttpRequest, type HttpRequest } from '../../../../lambda/protocols/http/http-handler';
import type { ModelSet } from '../../../../lambda/model/model-set';
import { COURSE_RIDE, shippedModels } from '../../../support/fixtures';
import { testDataplane } from '../../../support/dataplane';

/**
 * The service's OIP v2 replies against the protocol's own OpenAPI description (kept unchanged in
 * test/fixtures/oip-v2, see its README): each reply must validate against the schema the
 * specification gives that path, method and status. The requests sent are validated too, so the
 * test speaks the protocol as the specification writes it.
 */

interface SpecOperation {
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
interface Spec {
  paths: Record<string, Record<string, SpecOperation>>;
  components: { schemas: Record<string, object> };
}

const spec = parse(readFileSync(join(__dirname, '..', '..', '..', 'fixtures', 'oip-v2', 'open_inference_rest.yaml'), 'utf8')) as Spec;
// The file is OpenAPI 3.0: its schemas are JSON Schema once their refs point into one document.
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema(JSON.parse(JSON.stringify({ $id: 'oip', definitions: spec.components.schemas }).replaceAll('#/components/schemas/', 'oip#/definitions/')));

/** The schema the specification gives a path (written with its `${MODEL_NAME}` placeholders), method and status. */
function validatorFor(path: string, method: 'get' | 'post', status: string | 'request'): ValidateFunction {
  const operation = spec.paths[path]?.[method];
  const schema =
    status === 'request' ? operation?.requestBody?.content['application/json']?.schema : operation?.responses[status]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`the specification gives no schema for ${method.toUpperCase()} ${path} ${status}`);
  return ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', 'oip#/definitions/')));
}

const INFER = '/v2/models/${MODEL_NAME}/versions/${MODEL_VERSION}/infer';
const METADATA = '/v2/models/${MODEL_NAME}/versions/${MODEL_VERSION}';

let set: ModelSet;
beforeAll(async () => {
  set = await shippedModels();
});

async function reply(request: HttpRequest): Promise<{ status: number; body: unknown }> {
  const response = await handleHttpRequest(request, {
    getModels: async () => set,
    dataplane: testDataplane(),
    maxBodyBytes: 1 << 20,
    maxRidesPerRequest: 100,
    onUnexpectedError: (e) => {
      throw e;
    },
  });
  return { status: response.statusCode, body: JSON.parse(response.body) as unknown };
}

/** Expects `value` to validate, showing ajv's errors when it does not. */
function expectValid(validate: ValidateFunction, value: unknown): void {
  validate(value);
  expect(validate.errors ?? []).toEqual([]);
}

const inferRequest = {
  id: '42',
  inputs: [
    { name: 'PULocationID', shape: [2], datatype: 'INT64', data: [COURSE_RIDE.PULocationID, 130] },
    { name: 'DOLocationID', shape: [2, 1], datatype: 'INT64', data: [[COURSE_RIDE.DOLocationID], [205]] },
    { name: 'trip_distance', shape: [2], datatype: 'FP32', data: [COURSE_RIDE.trip_distance, 3.66] },
  ],
  outputs: [{ name: 'duration' }],
};
const post = (path: string, body: unknown): HttpRequest => ({
  method: 'POST',
  path,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
});
const get = (path: string): HttpRequest => ({ method: 'GET', path, headers: {}, body: Buffer.alloc(0) });

describe("OIP v2 replies against the specification's OpenAPI file", () => {
  it('sends inference requests the specification accepts', () => {
    expectValid(validatorFor(INFER, 'post', 'request'), inferRequest);
  });

  it('holds schemas that refuse what breaks the protocol (so a pass below means something)', () => {
    const response = { model_name: 'duration', outputs: [{ name: 'duration', shape: [1], datatype: 'FP32', data: [1.5] }] };

    expect(validatorFor(INFER, 'post', '200')(response)).toBe(true);
    expect(validatorFor(INFER, 'post', '200')({ outputs: response.outputs })).toBe(false);
    expect(validatorFor(INFER, 'post', '200')({ ...response, outputs: [{ name: 'duration', shape: ['1'], datatype: 'FP32', data: [1.5] }] })).toBe(false);
    expect(validatorFor(METADATA, 'get', '200')({ name: 'duration', inputs: [] })).toBe(false);
  });

  it.each(['/v2/models/duration/infer', '/v2/models/duration/versions/54c7ff65d8e2/infer', '/v2/models/cost/infer'])(
    'answers POST %s with an inference_response',
    async (path) => {
      const { status, body } = await reply(post(path, { ...inferRequest, outputs: undefined }));

      expect(status).toBe(200);
      expectValid(validatorFor(INFER, 'post', '200'), body);
    },
  );

  it.each([
    ['an out-of-bounds value', { inputs: inferRequest.inputs.map((input) => (input.name === 'trip_distance' ? { ...input, data: [-1, 1] } : input)) }],
    ['a bad datatype', { inputs: inferRequest.inputs.map((input) => ({ ...input, datatype: 'FLOAT' })) }],
    ['no inputs', { inputs: [] }],
  ])('answers a request with %s with a 400 inference_error_response', async (_case, body) => {
    const { status, body: error } = await reply(post('/v2/models/duration/infer', body));

    expect(status).toBe(400);
    expectValid(validatorFor(INFER, 'post', '400'), error);
  });

  it.each(['/v2/models/duration', '/v2/models/cost/versions/fcf6f8f1ca81'])('answers GET %s with a metadata_model_response', async (path) => {
    const { status, body } = await reply(get(path));

    expect(status).toBe(200);
    expectValid(validatorFor(METADATA, 'get', '200'), body);
  });

  it.each(['/v2', '/v2/'])('answers GET %s with a metadata_server_response', async (path) => {
    const { status, body } = await reply(get(path));

    expect(status).toBe(200);
    expectValid(validatorFor('/v2/', 'get', '200'), body);
  });

  it('words its errors as the metadata error object too (a model that is not served)', async () => {
    const { status, body } = await reply(get('/v2/models/fare'));

    expect(status).toBe(404);
    expectValid(ajv.compile({ $ref: 'oip#/definitions/metadata_model_error_response' }), body);
  });

  it('answers every health path the specification lists with 200', async () => {
    const health = Object.keys(spec.paths).filter((path) => /health|ready/.test(path));
    expect(health).toEqual(['/v2/health/live', '/v2/health/ready', '/v2/models/${MODEL_NAME}/versions/${MODEL_VERSION}/ready']);

    for (const path of health) {
      const { status } = await reply(get(path.replace('${MODEL_NAME}', 'duration').replace('${MODEL_VERSION}', set.require('duration').version)));
      expect({ path, status }).toEqual({ path, status: 200 });
    }
  });
});
