import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { handleHttpRequest } from '../../../../lambda/protocols/http/http-handler';
import type { RequestField } from '../../../../lambda/model/model-input';
import { createModelSet, type ModelSet } from '../../../../lambda/model/model-set';
import { servedModel, shippedModels } from '../../../support/fixtures';
import { passengerModel } from '../../../support/onnx-models';
import { testDataplane } from '../../../support/dataplane';
import { HTTP_ROUTES } from '../../../../lambda/contract';

interface JsonSchema {
  type?: string;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  $ref?: string;
}
interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { requestBody?: { content: Record<string, { schema: JsonSchema }> }; responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }> }
    >
  >;
  components: { schemas: Record<string, JsonSchema> };
}

const root = resolve(__dirname, '..', '..', '..', '..');

/**
 * The kept validator (@seriousme/openapi-schema-validator) ships as an ES module using
 * `import.meta`, which jest's CommonJS runtime cannot load, so it runs in a child node process.
 */
function validate(document: unknown): Promise<{ valid: boolean; version?: string; errors?: unknown }> {
  const script = [
    "import { Validator } from '@seriousme/openapi-schema-validator';",
    'let text = ""; for await (const chunk of process.stdin) text += chunk;',
    'const validator = new Validator();',
    'const result = await validator.validate(JSON.parse(text));',
    'process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors }));',
  ].join('\n');
  return new Promise((done, fail) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root }, (error, stdout) =>
      error ? fail(error) : done(JSON.parse(stdout)),
    );
    child.stdin?.end(JSON.stringify(document));
  });
}

let set: ModelSet;
let document: OpenApi;
beforeAll(async () => {
  const shipped = await shippedModels();
  set = createModelSet([shipped.require('duration'), shipped.require('cost'), await servedModel('fare', passengerModel(), 'f1')]);
  const response = await handleHttpRequest(
    { method: 'GET', path: '/openapi.json', headers: {}, body: Buffer.alloc(0) },
    { getModels: async () => set, dataplane: testDataplane(), maxBodyBytes: 1024, maxRidesPerRequest: 5, onUnexpectedError: () => undefined },
  );
  expect(response.statusCode).toBe(200);
  document = JSON.parse(response.body) as OpenApi;
});

/** A `$ref` to a component, resolved. */
const deref = (schema: JsonSchema): JsonSchema =>
  schema.$ref ? (document.components.schemas[schema.$ref.replace('#/components/schemas/', '')] as JsonSchema) : schema;

/** The single-ride schema of a route's request body (the body is a ride or an array of rides). */
function rideSchemaOf(path: string): JsonSchema {
  const body = document.paths[path]?.post?.requestBody?.content['application/json']?.schema as JsonSchema;
  return deref(body.anyOf?.find((s) => s.type !== 'array') as JsonSchema);
}

function replySchemaOf(path: string): JsonSchema {
  const body = document.paths[path]?.post?.responses['200']?.content?.['application/json']?.schema as JsonSchema;
  return deref(body.anyOf?.find((s) => s.type !== 'array') as JsonSchema);
}

/** What a request field must look like in JSON Schema. */
function expectedProperty(field: RequestField): JsonSchema {
  return { type: field.kind, ...(field.min !== undefined ? { minimum: field.min } : {}), ...(field.max !== undefined ? { maximum: field.max } : {}) };
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document by @seriousme/openapi-schema-validator', async () => {
    const result = await validate(document);

    expect(document.openapi).toBe('3.1.0');
    expect(result).toMatchObject({ valid: true, version: '3.1' });
  });

  it('is rejected by the same validator once broken, so the check above can fail', async () => {
    const broken = { ...document, paths: { ...document.paths, '/predict': { post: { responses: 'none' } } } };

    expect((await validate(broken)).valid).toBe(false);
  });

  it('has a /predict/<name> route per loaded model, next to /predict and /health', () => {
    expect(
      Object.keys(document.paths)
        .filter((path) => !/^\/(v2|invocations|ping|version)\b/.test(path))
        .sort(),
    ).toEqual(['/health', '/predict', '/predict/cost', '/predict/duration', '/predict/fare']);
  });

  it('documents every route the service answers but the page and the document themselves, per loaded model where a route names one', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    const expected = HTTP_ROUTES.filter(({ path }) => !path.startsWith('/docs') && path !== '/openapi.json').flatMap(({ method, path }) =>
      // The versioned OIP routes are documented once, with {name} and {version}; the others once per model.
      path.includes('{version}') || !path.includes('{name}') ? [`${method} ${path}`] : set.names.map((name) => `${method} ${path.replace('{name}', name)}`),
    );

    expect(documented.sort()).toEqual(expected.sort());
  });

  it('gives every prediction route an example built from the models that the service then scores (200)', async () => {
    const examples = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries((item.post?.requestBody?.content ?? {}) as Record<string, { example?: unknown; examples?: Record<string, { value: unknown }> }>).flatMap(
        ([type, media]) =>
          [media.example, ...Object.values(media.examples ?? {}).map((e) => e.value)]
            .filter((e) => e !== undefined)
            .map((example) => ({ path, type, example })),
      ),
    );
    expect(examples.map((e) => `${e.path} ${e.type}`).sort()).toEqual(
      [
        '/predict application/json',
        ...set.names.flatMap((name) => [`/predict/${name} application/json`, `/v2/models/${name}/infer application/json`]),
        ...Array(4).fill('/invocations application/json'),
        '/invocations text/csv',
      ].sort(),
    );

    for (const { path, type, example } of examples) {
      const response = await handleHttpRequest(
        { method: 'POST', path, headers: { 'content-type': type }, body: Buffer.from(typeof example === 'string' ? example : JSON.stringify(example)) },
        {
          getModels: async () => set,
          dataplane: testDataplane(),
          maxBodyBytes: 1 << 20,
          maxRidesPerRequest: 5,
          onUnexpectedError: (error) => {
            throw error;
          },
        },
      );
      expect({ path, type, status: response.statusCode }).toEqual({ path, type, status: 200 });
    }
  });

  it("requires each model's request fields, typed and bounded, on its route and the union on /predict", () => {
    for (const [path, names] of [['/predict', set.names], ...set.names.map((n) => [`/predict/${n}`, [n]] as const)] as const) {
      const fields = set.fieldsOf(names);
      const schema = rideSchemaOf(path);

      expect(schema.required?.slice().sort()).toEqual(fields.map((f) => f.name).sort());
      for (const field of fields) expect(schema.properties?.[field.name]).toMatchObject(expectedProperty(field));
    }
  });

  it('states the constraints the models declare: zones ≥ 1, trip_distance ≥ 0, passenger_count an integer only fare needs', () => {
    const all = rideSchemaOf('/predict').properties ?? {};

    expect(all.PULocationID).toMatchObject({ type: 'integer', minimum: 1 });
    expect(all.DOLocationID).toMatchObject({ type: 'integer', minimum: 1 });
    expect(all.trip_distance).toMatchObject({ type: 'number', minimum: 0 });
    expect(all.passenger_count).toMatchObject({ type: 'integer' });
    expect(Object.keys(rideSchemaOf('/predict/fare').properties ?? {}).sort()).toEqual(['passenger_count', 'ride_id', 'trip_distance']);
    // ride_id is optional, for the ground-truth join: never required, whatever the model
    expect(rideSchemaOf('/predict/fare').required ?? []).not.toContain('ride_id');
    expect(rideSchemaOf('/predict/duration').properties?.passenger_count).toBeUndefined();
  });

  it("answers with one number per model on /predict, and the model's own number on /predict/<name>", () => {
    const all = replySchemaOf('/predict');

    expect(all.required?.slice().sort()).toEqual([...set.names, 'model_version', 'model_versions'].sort());
    for (const name of set.names) {
      expect(all.properties?.[name]).toMatchObject({ type: 'number' });
      expect(replySchemaOf(`/predict/${name}`)).toMatchObject({
        required: [name, 'model_version'],
        properties: { [name]: { type: 'number' }, model_version: { type: 'string' } },
      });
    }
    expect(all.properties?.model_versions?.required).toEqual(set.names);
  });

  it("describes each model's number with its unit said once: 'in minutes' is not repeated after a description that says it", () => {
    const duration = replySchemaOf('/predict/duration').properties?.duration as JsonSchema & { description?: string };
    const cost = replySchemaOf('/predict/cost').properties?.cost as JsonSchema & { description?: string };

    expect(duration.description).toBe('Ride duration in minutes from the pickup/drop-off zone pair and the distance (linear regression), version 54c7ff65d8e2');
    expect(cost.description).toMatch(/ in dollars .*\(linear regression\), in USD, version fcf6f8f1ca81$/);
    expect(JSON.stringify(document)).not.toMatch(/in (\w+), in \1/);
  });

  it('documents 400, 413, 415, 422 and 503 replies on every prediction route', () => {
    for (const path of ['/predict', ...set.names.map((n) => `/predict/${n}`)]) {
      expect(Object.keys(document.paths[path]?.post?.responses ?? {}).sort()).toEqual(['200', '400', '413', '415', '422', '503']);
    }
  });
});
