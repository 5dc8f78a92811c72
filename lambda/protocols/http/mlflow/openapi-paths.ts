import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import type { ModelSet } from '../../../model/model-set';
import { columnsOf, exampleRows, fresh } from '../examples';
import { ScoringError, ScoringRequest, ScoringResponse } from './datamodels';

/** The tag the API reference groups these routes under. */
export const MLFLOW_TAG = 'MLflow scoring / SageMaker hosting';

/**
 * MLflow's and SageMaker's routes in /openapi.json: `POST /invocations` with an example of each
 * input format (and CSV) holding every field the served models read, `GET /ping`, `GET /version`.
 */
export function registerMlflowPaths(registry: OpenAPIRegistry, set: ModelSet): void {
  const error = registry.register('MlflowError', fresh(ScoringError));
  const errorReply = (description: string) => ({ description, content: { 'application/json': { schema: error } } });
  const rows = exampleRows(set.fields, 2);
  const names = set.fields.map((field) => field.name);
  const tags = [MLFLOW_TAG];
  const oneModel = set.names.length === 1;
  registry.registerPath({
    method: 'post',
    path: '/invocations',
    tags,
    summary: `Score a data frame with ${oneModel ? `the model '${set.primary}'` : `every model (${set.names.join(', ')})`}: MLflow's scoring protocol, SageMaker's invocations`,
    description: `Columns: ${names.join(', ')} (others are ignored). JSON with exactly one of \`dataframe_split\`, \`dataframe_records\`, \`inputs\` or \`instances\` (pandas' \`to_dict(orient="split"|"records"|"list")\`), or CSV with a header row (pandas' \`to_csv()\`).`,
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: registry.register('MlflowScoringRequest', fresh(ScoringRequest)),
            examples: {
              dataframe_split: {
                summary: 'pandas to_dict(orient="split")',
                value: { dataframe_split: { index: [0, 1], columns: names, data: rows.map((row) => names.map((name) => row[name])) } },
              },
              dataframe_records: { summary: 'pandas to_dict(orient="records")', value: { dataframe_records: rows } },
              inputs: { summary: 'columns: pandas to_dict(orient="list")', value: { inputs: columnsOf(rows) } },
              instances: { summary: 'records', value: { instances: rows } },
            },
          },
          'text/csv': {
            schema: z.string(),
            example: `,${names.join(',')}\n${rows.map((row, i) => [i, ...names.map((name) => row[name])].join(',')).join('\n')}\n`,
          },
        },
      },
    },
    responses: {
      200: {
        description: oneModel ? 'one number per row' : `one object per row: ${set.names.join(', ')}`,
        content: { 'application/json': { schema: registry.register('MlflowScoringResponse', fresh(ScoringResponse)) } },
      },
      400: errorReply('not one of the formats, a missing column, a value out of bounds, or a model returned NaN or Infinity (BAD_REQUEST)'),
      413: errorReply('body over MAX_BODY_BYTES, or more rows than MAX_RIDES_PER_REQUEST'),
      415: errorReply('content-type is neither application/json nor text/csv, or not UTF-8'),
      503: errorReply('a model is not loaded (TEMPORARILY_UNAVAILABLE)'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/ping',
    tags,
    summary: "SageMaker's health check (MLflow's too): 200 once every model is loaded",
    responses: { 200: { description: 'ready (empty body)' }, 503: errorReply('a model is not loaded') },
  });
  registry.registerPath({
    method: 'get',
    path: '/version',
    tags,
    summary: "The service's version",
    responses: { 200: { description: 'the version, as text', content: { 'text/plain': { schema: z.string() } } } },
  });
}
