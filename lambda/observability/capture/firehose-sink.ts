import { setTimeout as sleep } from 'node:timers/promises';
import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import type { CaptureSink } from './capture-sink';

/** Firehose's PutRecordBatch limits (per call, and per record before base64). */
export const FIREHOSE_LIMITS = Object.freeze({ recordsPerCall: 500, bytesPerCall: 4 * 1024 * 1024, bytesPerRecord: 1000 * 1024 });

export interface FirehoseSinkOptions {
  client: FirehoseClient;
  streamName: string;
  /** times entries reported in FailedPutCount are sent again within one send (the SDK retries whole calls itself) */
  maxResends: number;
  /** wait before the first re-send; doubled each time */
  resendDelayMs: number;
}

/** One Firehose record: several capture lines, and their positions in the send. */
interface Packed {
  data: Buffer;
  positions: number[];
}

/**
 * Capture lines into a Firehose delivery stream with PutRecordBatch. Lines are packed into
 * records of up to 1,000 KiB, because Firehose bills each record rounded up to 5 KB: a 400-byte
 * capture line sent alone costs as 5 KB, packed it costs its size. The delivered S3 objects are
 * still JSON lines (each line ends in a newline; Firehose concatenates records). Calls respect
 * the 500-record / 4 MiB limits. Whole calls are retried by the SDK client's own retry settings;
 * entries a call reports failed (FailedPutCount, e.g. throttling) are sent again up to
 * `maxResends` times, then handed back to the buffer.
 *
 * @example createFirehoseSink({ client, streamName: 'ride-capture', maxResends: 2, resendDelayMs: 50 })
 */
export function createFirehoseSink(options: FirehoseSinkOptions): CaptureSink & { readonly maxLineBytes: number } {
  return {
    description: `firehose://${options.streamName}`,
    maxLineBytes: FIREHOSE_LIMITS.bytesPerRecord,
    async send(lines) {
      const undelivered: number[] = [];
      for (const call of toCalls(pack(lines))) {
        try {
          for (const record of await putWithResends(call, options)) undelivered.push(...record.positions);
        } catch {
          // The SDK already retried the call; hand its lines back and leave the rest for the next flush.
          for (const record of call) undelivered.push(...record.positions);
          return undelivered.concat(remainingAfter(call, lines.length));
        }
      }
      return undelivered;
    },
    async close() {
      options.client.destroy();
    },
  };
}

/** Packs lines, in order, into records of at most `bytesPerRecord` bytes. */
export function pack(lines: readonly string[], limit = FIREHOSE_LIMITS.bytesPerRecord): Packed[] {
  const records: Packed[] = [];
  let parts: Buffer[] = [];
  let positions: number[] = [];
  let size = 0;
  const close = () => {
    if (parts.length === 0) return;
    records.push({ data: Buffer.concat(parts, size), positions });
    parts = [];
    positions = [];
    size = 0;
  };
  lines.forEach((line, position) => {
    const bytes = Buffer.from(line);
    if (size + bytes.length > limit) close();
    parts.push(bytes);
    positions.push(position);
    size += bytes.length;
  });
  close();
  return records;
}

/** Groups records into calls of at most 500 records and 4 MiB. */
function toCalls(records: readonly Packed[]): Packed[][] {
  const calls: Packed[][] = [];
  let call: Packed[] = [];
  let size = 0;
  for (const record of records) {
    if (call.length === FIREHOSE_LIMITS.recordsPerCall || (call.length > 0 && size + record.data.length > FIREHOSE_LIMITS.bytesPerCall)) {
      calls.push(call);
      call = [];
      size = 0;
    }
    call.push(record);
    size += record.data.length;
  }
  if (call.length > 0) calls.push(call);
  return calls;
}

/** Positions after the last one of `call`: the lines of calls never attempted. */
function remainingAfter(call: readonly Packed[], total: number): number[] {
  const last = call[call.length - 1]?.positions.at(-1) ?? total - 1;
  const rest: number[] = [];
  for (let position = last + 1; position < total; position++) rest.push(position);
  return rest;
}

/** One PutRecordBatch, then its failed entries again up to `maxResends` times; resolves to what still failed. */
async function putWithResends(call: readonly Packed[], options: FirehoseSinkOptions): Promise<Packed[]> {
  let pending = call.slice();
  for (let attempt = 0; ; attempt++) {
    const response = await options.client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: options.streamName, Records: pending.map((record) => ({ Data: record.data })) }),
    );
    if (!response.FailedPutCount) return [];
    const responses = response.RequestResponses ?? [];
    pending = pending.filter((_, i) => responses[i]?.ErrorCode !== undefined || responses[i] === undefined);
    if (attempt >= options.maxResends) return pending;
    await sleep(options.resendDelayMs * 2 ** attempt);
  }
}
