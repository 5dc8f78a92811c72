import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { EventSource } from '../event-source';
import { handleApiGatewayEvent } from './http-handler';

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
  handle: (event, services) => handleApiGatewayEvent(event as APIGatewayProxyEventV2, services.http),
};
