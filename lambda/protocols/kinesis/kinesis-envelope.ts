import type { KinesisStreamRecord } from 'aws-lambda';
import type { PoisonReason } from './ride-event';

/**
 * One event record read without trusting its shape: `record` always has every field the
 * adapter reads (strings where Lambda sends strings), and `malformed` says why the envelope
 * cannot carry a ride when it cannot. Lambda never sends such records, but a hand-made or
 * replayed event can, and a TypeError there used to fail the whole batch forever.
 */
export interface RecordEnvelope {
  readonly record: KinesisStreamRecord;
  readonly malformed?: PoisonReason;
}

/**
 * Reads a record of a Kinesis event. Never throws: a record that is not an object, has no
 * `kinesis` object, or whose `kinesis.data` is not a string comes back `malformed`, to be
 * dead-lettered like any other poison record.
 *
 * @example readRecordEnvelope({ eventID: 'shardId-0:1' }).malformed // { code: 'INVALID_RECORD', reason: 'record has no kinesis object', field: 'kinesis' }
 */
export function readRecordEnvelope(raw: unknown): RecordEnvelope {
  const outer = isObject(raw) ? raw : {};
  const kinesis = isObject(outer.kinesis) ? outer.kinesis : {};
  const record: KinesisStreamRecord = {
    kinesis: {
      kinesisSchemaVersion: text(kinesis.kinesisSchemaVersion),
      partitionKey: text(kinesis.partitionKey),
      sequenceNumber: text(kinesis.sequenceNumber),
      data: text(kinesis.data),
      approximateArrivalTimestamp: typeof kinesis.approximateArrivalTimestamp === 'number' ? kinesis.approximateArrivalTimestamp : 0,
    },
    eventSource: text(outer.eventSource),
    eventVersion: text(outer.eventVersion),
    eventID: text(outer.eventID),
    eventName: text(outer.eventName),
    invokeIdentityArn: text(outer.invokeIdentityArn),
    awsRegion: text(outer.awsRegion),
    eventSourceARN: text(outer.eventSourceARN),
  };
  const malformed = problemOf(raw, outer);
  return malformed ? { record, malformed } : { record };
}

function problemOf(raw: unknown, outer: Record<string, unknown>): PoisonReason | undefined {
  if (!isObject(raw)) return { code: 'INVALID_RECORD', reason: `record must be an object, got ${kindOf(raw)}` };
  if (!isObject(outer.kinesis)) return { code: 'INVALID_RECORD', reason: `record has no kinesis object (got ${kindOf(outer.kinesis)})`, field: 'kinesis' };
  const data = outer.kinesis.data;
  if (typeof data !== 'string') return { code: 'INVALID_RECORD', reason: `kinesis.data must be a base64 string, got ${kindOf(data)}`, field: 'kinesis.data' };
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Strings as they are; anything else becomes '' (a reason names what it was). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
