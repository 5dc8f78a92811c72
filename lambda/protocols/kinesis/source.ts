import type { KinesisStreamEvent } from 'aws-lambda';
import { once, type EventSource } from '../event-source';

const load = once(() => import('./stream-handler.js'));

/**
 * A `Records` array in which no record names another event source. An empty batch is a Kinesis
 * batch with nothing to do (not an error), and a record too broken to name its source is the
 * stream adapter's to dead-letter; S3, SQS or SNS records name their own source and are refused.
 */
export function isKinesisEvent(event: unknown): event is KinesisStreamEvent {
  const records = (event as Partial<KinesisStreamEvent> | null)?.Records as unknown;
  return (
    Array.isArray(records) &&
    records.every((r: unknown) => sourceOf(r) === undefined || sourceOf(r) === 'aws:kinesis') &&
    (records.length === 0 || records.some((r: unknown) => sourceOf(r) === 'aws:kinesis'))
  );
}

function sourceOf(record: unknown): unknown {
  return typeof record === 'object' && record !== null ? (record as { eventSource?: unknown }).eventSource : undefined;
}

/** Ride events from the Kinesis event source mapping. */
export const kinesisSource: EventSource = {
  name: 'Kinesis',
  matches: isKinesisEvent,
  handle: async (event, services, trace) => (await load()).handleKinesisEvent(event as KinesisStreamEvent, await services.stream(), trace),
};
