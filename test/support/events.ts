import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export const INPUT_STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/ride_events';

/** The course's test event: one record, ride 256 (PU 130 → DO 205, 3.66 miles). */
export const COURSE_KINESIS_EVENT: KinesisStreamEvent = {
  Records: [
    {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: '1',
        sequenceNumber: '49630081666084879290581185630324770398608704880802529282',
        data: 'ewogICAgICAgICJyaWRlIjogewogICAgICAgICAgICAiUFVMb2NhdGlvbklEIjogMTMwLAogICAgICAgICAgICAiRE9Mb2NhdGlvbklEIjogMjA1LAogICAgICAgICAgICAidHJpcF9kaXN0YW5jZSI6IDMuNjYKICAgICAgICB9LCAKICAgICAgICAicmlkZV9pZCI6IDI1NgogICAgfQ==',
        approximateArrivalTimestamp: 1654161514.132,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: 'shardId-000000000000:49630081666084879290581185630324770398608704880802529282',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::XXXXXXXXX:role/lambda-kinesis-role',
      awsRegion: 'eu-west-1',
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:XXXXXXXXX:stream/ride_events',
    },
  ],
};

export const COURSE_EVENT_RIDE = { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 };

export interface RecordOptions {
  shardId?: string;
  sequenceNumber?: string;
  partitionKey?: string;
}

let nextSequence = 49_630_081_666_084_879_290_581_185_630_324_770_398_608_704_880_802_000_000n;

/** A Kinesis event record around raw data (already base64, or not, for poison tests). */
export function kinesisRecordWithData(data: string, options: RecordOptions = {}): KinesisStreamRecord {
  const shardId = options.shardId ?? 'shardId-000000000000';
  const sequenceNumber = options.sequenceNumber ?? String(nextSequence++);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: options.partitionKey ?? '1',
      sequenceNumber,
      data,
      approximateArrivalTimestamp: 1_700_000_000.5,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
    awsRegion: 'us-east-1',
    eventSourceARN: INPUT_STREAM_ARN,
  };
}

/** A record carrying a JSON payload, base64-encoded as Kinesis delivers it. */
export function kinesisRecord(payload: unknown, options: RecordOptions = {}): KinesisStreamRecord {
  return kinesisRecordWithData(Buffer.from(JSON.stringify(payload)).toString('base64'), options);
}

/** A ride event record: `{"ride": ride, "ride_id": rideId}`. */
export function rideRecord(rideId: number | string, ride: unknown, options: RecordOptions = {}): KinesisStreamRecord {
  return kinesisRecord({ ride, ride_id: rideId }, { partitionKey: String(rideId), ...options });
}

export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: records };
}

/** A valid ride that varies with `i` (zones 1–265, distance 0.1–30 miles). */
export function rideNumber(i: number): { PULocationID: number; DOLocationID: number; trip_distance: number } {
  return { PULocationID: (i % 265) + 1, DOLocationID: ((i * 7) % 265) + 1, trip_distance: Math.round(((i % 300) / 10 + 0.1) * 100) / 100 };
}
