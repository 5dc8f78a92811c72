import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { loadConfig } from './config';
import { handleApiGatewayEvent } from './adapters/http';
import { handleBatchEvent, isBatchEvent } from './adapters/batch';
import type { BatchSummary } from './batch/run-batch';
import type { BatchRequest } from './batch/job';
import { createRuntime } from './runtime';

/**
 * The one Lambda entry point. The runtime (and the model fetch) starts at module load, so it
 * overlaps Lambda's init phase and is shared by every invocation of the container.
 */
const runtime = createRuntime(loadConfig(process.env));

export type SupportedEvent = APIGatewayProxyEventV2 | BatchRequest;

function isApiGatewayV2Event(event: unknown): event is APIGatewayProxyEventV2 {
  const e = event as Partial<APIGatewayProxyEventV2> | null;
  return typeof e === 'object' && e !== null && e.version === '2.0' && typeof e.requestContext?.http?.method === 'string';
}

/** Routes each event kind to its adapter by the event's shape. */
export async function handler(event: SupportedEvent, context?: Context): Promise<APIGatewayProxyStructuredResultV2 | BatchSummary> {
  if (context) runtime.logger.addContext(context);
  if (isApiGatewayV2Event(event)) return handleApiGatewayEvent(event, runtime.http);
  if (isBatchEvent(event)) return handleBatchEvent(event, runtime.batch);
  runtime.logger.error('unsupported event shape', { keys: Object.keys((event as object) ?? {}) });
  throw new Error('unsupported event: expected an API Gateway HTTP API (payload 2.0) event or a batch request');
}
