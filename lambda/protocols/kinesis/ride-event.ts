import * as z from 'zod';
import { InvalidRideError } from '../../serving/errors';
import type { RequestParser } from '../../model/request-schema';

/** A ride's fields as the models' request schema parsed them. */
export type Ride = Record<string, string | number>;

/** A ride id as producers send it; it becomes the output record's partition key. */
export type RideId = number | string;

/** A decoded input record: `{"ride": {...}, "ride_id": 256}`. */
export interface RideEvent {
  ride: Ride;
  rideId: RideId;
}

/** Why a record cannot be predicted; `code` is stable, `reason` is for people. */
export interface PoisonReason {
  /**
   * INVALID_RECORD: the event record itself is malformed (no `kinesis`, `data` not a string);
   * MISSING_INPUT: the ride lacks a field some loaded model needs
   */
  code: 'INVALID_RECORD' | 'NOT_BASE64' | 'NOT_JSON' | 'INVALID_RIDE_ID' | 'INVALID_RIDE' | 'MISSING_INPUT' | 'NON_FINITE_PREDICTION';
  reason: string;
  field?: string;
}

export type DecodedRecord = { ok: true; event: RideEvent } | { ok: false; poison: PoisonReason };

/** A record whose envelope is sound; its ride is not checked against the models yet. */
export type DecodedEnvelope = { ok: true; ride: unknown; rideId: RideId } | { ok: false; poison: PoisonReason };

// Kinesis partition keys are 1–256 Unicode characters; the ride id must fit one.
const MAX_PARTITION_KEY_LENGTH = 256;
const RideIdSchema = z.union([z.number().finite(), z.string().min(1).max(MAX_PARTITION_KEY_LENGTH)]);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The ride of a sound envelope, checked against the models' fields (a missing one is named). */
export function checkRide(envelope: { ride: unknown; rideId: RideId }, parser: RequestParser): DecodedRecord {
  try {
    return { ok: true, event: { ride: parser.parseOne(envelope.ride, 'ride.'), rideId: envelope.rideId } };
  } catch (error) {
    if (!(error instanceof InvalidRideError)) throw error;
    return poison(error.code, error.message, error.field?.replace(/\.$/, ''));
  }
}

/** The envelope only: base64, UTF-8 JSON, a ride_id and a ride (checked later, with the models). */
export function decodeRideEnvelope(data: string): DecodedEnvelope {
  // Node's base64 decoder skips bad characters silently; a canonical round trip proves the data
  // was base64 (Lambda always delivers canonical, padded base64) at native speed even at 1 MB.
  const bytes = Buffer.from(data, 'base64');
  if (bytes.toString('base64') !== data) return poison('NOT_BASE64', 'record data is not valid base64');
  let payload: unknown;
  try {
    payload = JSON.parse(utf8.decode(bytes));
  } catch {
    return poison('NOT_JSON', 'record data is not UTF-8 JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return poison('NOT_JSON', 'record data must be a JSON object {"ride": {...}, "ride_id": ...}');
  }
  const { ride, ride_id: rideId } = payload as Record<string, unknown>;
  const id = RideIdSchema.safeParse(rideId);
  if (!id.success) {
    const got = rideId === undefined ? 'it is missing' : `got ${JSON.stringify(rideId)?.slice(0, 80)}`;
    return poison('INVALID_RIDE_ID', `ride_id must be a number or a string of 1–${MAX_PARTITION_KEY_LENGTH} characters; ${got}`, 'ride_id');
  }
  if (ride === undefined) return poison('INVALID_RIDE', 'ride is required', 'ride');
  return { ok: true, ride, rideId: id.data };
}

function poison(code: PoisonReason['code'], reason: string, field?: string): { ok: false; poison: PoisonReason } {
  return { ok: false, poison: field === undefined ? { code, reason } : { code, reason, field } };
}
