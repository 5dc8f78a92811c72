import { once, type EventSource } from '../event-source';

const load = once(() => import('./batch-handler.js'));

/**
 * Is this a batch job request by its shape: `{taxi_type, year, month}`, `{input, output}` or an
 * EventBridge Scheduled Event? (The handler then validates it fully; a bad one fails the job.)
 */
export function isBatchRequest(event: unknown): boolean {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return false;
  const e = event as Record<string, unknown>;
  return ('taxi_type' in e && 'year' in e) || ('input' in e && 'output' in e) || (e['detail-type'] === 'Scheduled Event' && e.source === 'aws.events');
}

/** A batch job: a month of trips (the schedule), or an input and output given by hand. */
export const batchSource: EventSource = {
  name: 'batch job',
  matches: isBatchRequest,
  handle: async (event, services) => (await load()).handleBatchEvent(event, services.batch),
};
