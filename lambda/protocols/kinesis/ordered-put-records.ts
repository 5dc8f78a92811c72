import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

/** One record to write; `group` is the input shard it came from (order is kept per group). */
export interface OutgoingRecord {
  group: string;
  partitionKey: string;
  data: Uint8Array;
}

/** Our retries of entries PutRecords rejected (throttling); whole-call retries are the SDK's. */
export interface PutRetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface PutOutcome {
  /** per group, the position (in the input array) of its first record not written */
  firstUnwritten: Map<string, number>;
  written: number;
  /** entries sent again after PutRecords rejected them */
  retried: number;
  calls: number;
  /** the last error code or message seen, for the log */
  lastError?: string;
}

export const DEFAULT_PUT_RETRY: PutRetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2_000 };

// PutRecords limits: 500 entries and 5 MiB (data plus partition keys) per call.
export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;

/**
 * Writes records with PutRecords in input order: calls go one after another, entries Kinesis
 * rejects are retried with capped, jittered backoff, and once a record of a group cannot be
 * written no later record of that group is sent. Lambda re-delivers a shard from its first
 * failed record, so sending later ones would write them ahead of it and then again.
 *
 * @example
 * const outcome = await putRecordsInOrder(kinesis, 'ride_predictions', records);
 * if (outcome.firstUnwritten.size > 0) // report those records and every later one of their shard
 */
export async function putRecordsInOrder(
  kinesis: KinesisClient,
  streamName: string,
  records: readonly OutgoingRecord[],
  policy: PutRetryPolicy = DEFAULT_PUT_RETRY,
): Promise<PutOutcome> {
  const outcome: PutOutcome = { firstUnwritten: new Map(), written: 0, retried: 0, calls: 0 };
  let next = 0;
  while (next < records.length) {
    const chunk: number[] = [];
    next = fillChunk(records, next, chunk, outcome.firstUnwritten);
    if (chunk.length === 0) continue;
    const failed = await putWithRetries(kinesis, streamName, records, chunk, policy, outcome);
    outcome.written += chunk.length - failed.length;
    for (const position of failed) {
      const group = (records[position] as OutgoingRecord).group;
      if (!outcome.firstUnwritten.has(group)) outcome.firstUnwritten.set(group, position);
    }
  }
  return outcome;
}

/** Takes records from `start` until a call's limits are reached; skips groups already stopped. */
function fillChunk(records: readonly OutgoingRecord[], start: number, chunk: number[], stopped: Map<string, number>): number {
  let bytes = 0;
  let position = start;
  for (; position < records.length && chunk.length < MAX_RECORDS_PER_CALL; position++) {
    const record = records[position] as OutgoingRecord;
    if (stopped.has(record.group)) continue;
    const size = record.data.byteLength + Buffer.byteLength(record.partitionKey);
    if (chunk.length > 0 && bytes + size > MAX_BYTES_PER_CALL) break;
    chunk.push(position);
    bytes += size;
  }
  return position;
}

/** Sends one chunk; resolves to the positions still not written, in order. */
async function putWithRetries(
  kinesis: KinesisClient,
  streamName: string,
  records: readonly OutgoingRecord[],
  chunk: readonly number[],
  policy: PutRetryPolicy,
  outcome: PutOutcome,
): Promise<number[]> {
  let pending = chunk;
  for (let attempt = 1; ; attempt++) {
    outcome.calls++;
    let rejected: number[];
    try {
      const entries = pending.map((p) => ({ Data: (records[p] as OutgoingRecord).data, PartitionKey: (records[p] as OutgoingRecord).partitionKey }));
      const response = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
      rejected = pending.filter((_, k) => {
        const result = response.Records?.[k];
        if (result?.ErrorCode) outcome.lastError = result.ErrorCode;
        return result === undefined || result.ErrorCode !== undefined;
      });
    } catch (error) {
      // The SDK has already retried what it considers retryable (throttling, 5xx, network);
      // what reaches here (e.g. the stream does not exist) will not pass on a quick retry.
      outcome.lastError = (error as Error).name || (error as Error).message;
      return [...pending];
    }
    if (rejected.length === 0 || attempt >= policy.maxAttempts) return rejected;
    outcome.retried += rejected.length;
    await sleep(backoffMs(attempt, policy));
    pending = rejected;
  }
}

/** Full jitter (AWS architecture blog): spreads retries of many invocations over the window. */
function backoffMs(attempt: number, policy: PutRetryPolicy): number {
  return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
