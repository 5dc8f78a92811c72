import { checkRide, decodeRideEnvelope, type DecodedRecord } from '../../../../lambda/protocols/kinesis/ride-event';
import type { RequestParser } from '../../../../lambda/model/request-schema';
import { defaultModels } from '../../../support/fixtures';

let parser: RequestParser;
beforeAll(async () => {
  parser = (await defaultModels()).requestParser();
});
/** One record's data as the stream handler decodes it: the envelope, then the ride against the models' fields. */
const decodeRideRecord = (data: string): DecodedRecord => {
  const envelope = decodeRideEnvelope(data);
  return envelope.ok ? checkRide(envelope, parser) : envelope;
};

const b64 = (text: string) => Buffer.from(text).toString('base64');
const ride = { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 };

describe('decodeRideRecord', () => {
  it('decodes the course record into the ride and its id', () => {
    expect(decodeRideRecord(b64(JSON.stringify({ ride, ride_id: 256 })))).toEqual({ ok: true, event: { ride, rideId: 256 } });
  });

  it('accepts a string ride_id and ignores extra fields', () => {
    const decoded = decodeRideRecord(b64(JSON.stringify({ ride: { ...ride, tip: 1 }, ride_id: 'abc', source: 'app' })));
    expect(decoded).toEqual({ ok: true, event: { ride, rideId: 'abc' } });
  });

  it.each([
    ['data that is not base64', '***', 'NOT_BASE64'],
    ['base64 with its padding cut', b64('{"a":1}').replace(/=+$/, '').slice(0, -1), 'NOT_BASE64'],
    ['base64 of text that is not JSON', b64('ride 256'), 'NOT_JSON'],
    ['base64 of bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x7b]).toString('base64'), 'NOT_JSON'],
    ['a JSON array', b64('[1,2]'), 'NOT_JSON'],
    ['a missing ride_id', b64(JSON.stringify({ ride })), 'INVALID_RIDE_ID'],
    ['an empty ride_id', b64(JSON.stringify({ ride, ride_id: '' })), 'INVALID_RIDE_ID'],
    ['a ride_id too long to be a partition key', b64(JSON.stringify({ ride, ride_id: 'x'.repeat(257) })), 'INVALID_RIDE_ID'],
    ['an object ride_id', b64(JSON.stringify({ ride, ride_id: { id: 1 } })), 'INVALID_RIDE_ID'],
    ['a missing ride', b64(JSON.stringify({ ride_id: 1 })), 'INVALID_RIDE'],
    ['a ride without a field a model needs', b64(JSON.stringify({ ride: { PULocationID: 1, DOLocationID: 2 }, ride_id: 1 })), 'MISSING_INPUT'],
    ['a ride with a text zone', b64(JSON.stringify({ ride: { ...ride, PULocationID: '130' }, ride_id: 1 })), 'INVALID_RIDE'],
  ])('marks %s as poison', (_, data, code) => {
    const decoded = decodeRideRecord(data);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.poison.code).toBe(code);
  });

  it('names the offending ride field in the reason', () => {
    const decoded = decodeRideRecord(b64(JSON.stringify({ ride: { ...ride, trip_distance: -2 }, ride_id: 9 })));
    expect(decoded).toEqual({ ok: false, poison: { code: 'INVALID_RIDE', reason: 'ride.trip_distance must be ≥ 0', field: 'ride.trip_distance' } });
  });
});
