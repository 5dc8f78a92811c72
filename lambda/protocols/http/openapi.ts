import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import type { ModelSet } from '../../model/model-set';
import type { RequestField } from '../../model/model-input';
import { fieldSchema } from '../../model/request-schema';
import { RideIdSchema } from '../../rides/ride-id';
import { exampleRows } from './examples';
import { registerMlflowPaths } from './mlflow/openapi-paths';
import { registerOipV2Paths } from './oip-v2/openapi-paths';

/** The tag the course's routes are grouped under in the API reference (GET /docs). */
const COURSE_TAG = "The course's API (/predict)";

// The registry names schemas through zod's `.openapi()`, which this adds to ZodType's prototype.
// Without it the bundled server answered /openapi.json with a 500 ("zodSchema.openapi is not a
// function"). Only ZodType is handed over (all the extension touches), so the zod namespace stays
// tree-shakeable and its locales stay out of the bundle.
extendZodWithOpenApi({ ZodType: z.ZodType } as unknown as Parameters<typeof extendZodWithOpenApi>[0]);

type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const ErrorSchema = z
  .object({
    error: z.string().describe('what went wrong, naming the field; never the value sent'),
    code: z.string().optional().describe('stable error code, e.g. INVALID_RIDE, MISSING_INPUT, UNKNOWN_MODEL, MODEL_LOAD_FAILED, MODEL_UNAVAILABLE'),
    field: z.string().optional().describe('the offending field; for arrays prefixed with the element, e.g. [3].trip_distance'),
    model: z.string().optional().describe('the model that is not available (MODEL_LOAD_FAILED, MODEL_UNAVAILABLE)'),
  })
  .describe('An error reply');

const documents = new WeakMap<ModelSet, OpenApiDocument>();

/**
 * The OpenAPI 3.1 document of the API as the loaded models define it: each request schema is
 * built from the same zod field schemas the server validates with, so the two cannot drift.
 * Built once per model set (a swap gets a new document).
 */
export function buildOpenApiDocument(set: ModelSet): OpenApiDocument {
  const cached = documents.get(set);
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  const errors = {
    400: { description: 'a field is missing or invalid', content: { 'application/json': { schema: ErrorSchema } } },
    413: { description: 'body or array too large', content: { 'application/json': { schema: ErrorSchema } } },
    415: { description: 'content-type is not JSON', content: { 'application/json': { schema: ErrorSchema } } },
    422: {
      description:
        'the inputs are valid but a model returned NaN or Infinity for them (code NON_FINITE_PREDICTION; `rides` names each ride, model and input fields)',
      content: { 'application/json': { schema: ErrorSchema } },
    },
    503: {
      description:
        'a model the request needs is not loaded: MODEL_LOAD_FAILED is transient (Retry-After says when it is tried again), MODEL_UNAVAILABLE permanent (its files must change; GET /health says why)',
      content: { 'application/json': { schema: ErrorSchema } },
    },
  };
  const allRide = registry.register(
    'Ride',
    rideObject(set.fields).describe(`One ride with every field the models (${set.names.join(', ')}) need; unknown fields are ignored`),
  );
  const allReply = registry.register(
    'Prediction',
    z.object({
      ...Object.fromEntries(set.names.map((name) => [name, outputSchema(set, name)])),
      model_version: z.string().describe(`version of the model '${set.primary}'`),
      model_versions: z.object(Object.fromEntries(set.names.map((name) => [name, z.string()]))).describe('version of each model that answered'),
    }),
  );
  registry.registerPath({
    method: 'post',
    path: '/predict',
    tags: [COURSE_TAG],
    summary: `Predict with every model (${set.names.join(', ')})`,
    request: {
      body: {
        required: true,
        content: { 'application/json': { schema: z.union([allRide, z.array(allRide).min(1)]), example: exampleRows(set.fields, 1)[0] } },
      },
    },
    responses: {
      200: {
        description: 'one prediction per ride; an array for an array',
        content: { 'application/json': { schema: z.union([allReply, z.array(allReply)]) } },
      },
      ...errors,
    },
  });
  for (const name of set.names) {
    const ride = registry.register(`Ride_${name}`, rideObject(set.require(name).fields).describe(`One ride with the fields model '${name}' needs`));
    const reply = registry.register(
      `Prediction_${name}`,
      z.object({ [name]: outputSchema(set, name), model_version: z.string().describe(`version of the model '${name}'`) }),
    );
    registry.registerPath({
      method: 'post',
      path: `/predict/${name}`,
      tags: [COURSE_TAG],
      summary: `Predict with the model '${name}' only`,
      request: {
        body: {
          required: true,
          content: { 'application/json': { schema: z.union([ride, z.array(ride).min(1)]), example: exampleRows(set.require(name).fields, 1)[0] } },
        },
      },
      responses: { 200: { description: 'one prediction per ride', content: { 'application/json': { schema: z.union([reply, z.array(reply)]) } } }, ...errors },
    });
  }
  registry.registerPath({
    method: 'get',
    path: '/health',
    tags: [COURSE_TAG],
    summary: "Each model with its version and load state (200 once every model is loaded: MLflow's /health too)",
    responses: {
      200: {
        description: 'every model is loaded',
        content: {
          'application/json': {
            schema: z.object({
              status: z.string(),
              model_version: z.string(),
              models: z.array(z.object({ name: z.string(), version: z.string(), state: z.string() })),
            }),
          },
        },
      },
      503: {
        description: 'a model is not loaded: each model with its state, and a failed one with its code and reason',
        content: {
          'application/json': {
            schema: z.object({
              status: z.string(),
              code: z.string(),
              models: z.array(
                z.object({ name: z.string(), state: z.string(), version: z.string().optional(), code: z.string().optional(), reason: z.string().optional() }),
              ),
            }),
          },
        },
      },
    },
  });
  // Issue 22: the other protocols' routes, each described by its own codec's folder.
  registerOipV2Paths(registry, set);
  registerMlflowPaths(registry, set);
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Ride prediction service', version: set.names.map((name) => `${name}@${set.require(name).version}`).join(' ') },
  });
  documents.set(set, document);
  return document;
}

function rideObject(fields: readonly RequestField[]): z.ZodObject {
  return z.object({
    ...Object.fromEntries(fields.map((field) => [field.name, describedField(field)])),
    ride_id: RideIdSchema.optional().describe(
      "the ride's own id, kept in its capture record so ground truth can be joined to it later; never read by the models",
    ),
  });
}

function describedField(field: RequestField): z.ZodType {
  const notes = [field.description, unitNote(field.description, field.unit), field.nullable && 'may be null or absent (fed to the model as a missing value)']
    .filter(Boolean)
    .join(', ');
  return notes ? fieldSchema(field).describe(notes) : fieldSchema(field);
}

function outputSchema(set: ModelSet, name: string): z.ZodType {
  const { info, version } = set.require(name);
  const description = info.description ?? `prediction of the model '${name}'`;
  return z.number().describe([description, unitNote(description, info.unit), `version ${version}`].filter(Boolean).join(', '));
}

/** `in <unit>`, unless the description already says so ("Ride duration in minutes …, in minutes" read twice). */
function unitNote(description: string | undefined, unit: string | undefined): string | undefined {
  return unit && !description?.includes(`in ${unit}`) ? `in ${unit}` : undefined;
}
