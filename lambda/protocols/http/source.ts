import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { EventSource } from '../event-source';
import { handleApiGatewayEvent } from './http-handler';
import { traceFrom } from '../../observability/trace';

/** API Gateway HTTP API, payload format 2.0. */
export function isApiGatewayV2Event(event: unknown): event is APIGatewayProxyEventV2 {
  const e = event as Partial<APIGatewayProxyEventV2> | null;
  return typeof e === 'object' && e !== null && e.version === '2.0' && typeof e.requestContext?.http?.method === 'string';
}

/**
 * Web requests through API Gateway. The one source imported at module load: small, and the path
 * whose first request waits on init.
 */
export const httpSource: EventSource = {
  name: 'API Gateway HTTP API',
  matches: isApiGatewayV2Event,
  // The caller's traceparent, else API Gateway's X-Ray header, else Lambda's.
  traceOf: (event) => traceFrom(lowerCaseTraceHeaders((event as APIGatewayProxyEventV2).headers), process.env._X_AMZN_TRACE_ID),
  handle: (event, services, trace) => handleApiGatewayEvent(event as APIGatewayProxyEventV2, services.http, trace),
};

/** The two trace headers, whatever case the event gives their names in. */
function lowerCaseTraceHeaders(headers: APIGatewayProxyEventV2['headers'] | undefined): { traceparent?: string; 'x-amzn-trace-id'?: string } {
  const found: { traceparent?: string; 'x-amzn-trace-id'?: string } = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'traceparent' || lower === 'x-amzn-trace-id') found[lower] = value;
  }
  return found;
}
