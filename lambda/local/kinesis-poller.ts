import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';

/** What the poller calls: the function's handler for one batch of one shard. */
export type BatchHandler = (event: KinesisStreamEvent) => Promise<unknown>;

export interface PollerOptions {
  kinesis: KinesisClient;
  streamName: string;
  /** most records per batch (the mapping's BatchSize) */
  batchSize: number;
  handler: BatchHandler;
  /** wait before re-delivering a failed batch; grows with consecutive failures of the shard */
  retryDelayMs?: (attempt: number) => number;
  region?: string;
  /** told about each re-delivery, for the console */
  onRedeliver?: (shardId: string, fromSequenceNumber: string, attempt: number) => void;
}

export interface PollStats {
  invocations: number;
  recordsDelivered: number;
  redeliveries: number;
}

interface ShardState {
  shardId: string;
  iterator?: string;
  failedAttempts: number;
  caughtUp: boolean;
}

/**
 * Plays Lambda's Kinesis event source mapping against a (local) stream: per shard, batches of
 * up to `batchSize` records as base64 Kinesis events, in order; with ReportBatchItemFailures
 * semantics: when the handler names failed records (or throws), the shard is re-delivered from
 * the lowest failed sequence number, and records before it count as done.
 *
 * @example
 * const poller = await KinesisPoller.start({ kinesis, streamName: 'ride_events', batchSize: 100, handler });
 * await poller.drain();
 */
export class KinesisPoller {
  readonly stats: PollStats = { invocations: 0, recordsDelivered: 0, redeliveries: 0 };
  private stopped = false;

  private constructor(
    private readonly options: PollerOptions,
    private readonly streamArn: string,
    private readonly shards: ShardState[],
  ) {}

  /** Looks up the stream's shards; each starts at its oldest record (TRIM_HORIZON). */
  static async start(options: PollerOptions): Promise<KinesisPoller> {
    const { kinesis, streamName } = options;
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    const listed = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
    const shards = (listed.Shards ?? []).map((shard) => ({ shardId: shard.ShardId as string, failedAttempts: 0, caughtUp: false }));
    return new KinesisPoller(options, summary.StreamDescriptionSummary?.StreamARN ?? streamName, shards);
  }

  /** One batch per shard (or none where a shard has no new records). */
  async pollOnce(): Promise<void> {
    for (const shard of this.shards) await this.pollShard(shard);
  }

  /** Polls until every shard has no more records, or `maxRounds` rounds have run. */
  async drain(maxRounds = 10_000): Promise<PollStats> {
    for (let round = 0; round < maxRounds && !this.stopped; round++) {
      await this.pollOnce();
      if (this.shards.every((shard) => shard.caughtUp)) return this.stats;
    }
    if (this.stopped) return this.stats;
    throw new Error(`stream ${this.options.streamName} not drained after ${maxRounds} rounds`);
  }

  /** Polls until stop(), idling briefly while the stream is empty (the runner's loop). */
  async run(idleMs = 250): Promise<void> {
    while (!this.stopped) {
      await this.pollOnce();
      if (this.shards.every((shard) => shard.caughtUp)) await sleep(idleMs);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private async pollShard(shard: ShardState): Promise<void> {
    const { kinesis, batchSize } = this.options;
    shard.iterator ??= await this.iterator(shard.shardId, 'TRIM_HORIZON');
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize }));
    const records = page.Records ?? [];
    shard.caughtUp = records.length === 0;
    if (records.length === 0) {
      shard.iterator = page.NextShardIterator;
      return;
    }
    const failedFrom = await this.deliver(shard.shardId, records);
    if (failedFrom === undefined) {
      shard.failedAttempts = 0;
      shard.iterator = page.NextShardIterator;
      return;
    }
    shard.caughtUp = false;
    shard.failedAttempts++;
    this.stats.redeliveries++;
    this.options.onRedeliver?.(shard.shardId, failedFrom, shard.failedAttempts);
    await sleep((this.options.retryDelayMs ?? defaultRetryDelay)(shard.failedAttempts));
    shard.iterator = await this.iterator(shard.shardId, 'AT_SEQUENCE_NUMBER', failedFrom);
  }

  /** Invokes the handler; resolves to the sequence number to re-deliver from, if any. */
  private async deliver(shardId: string, records: readonly _Record[]): Promise<string | undefined> {
    const event: KinesisStreamEvent = { Records: records.map((record) => this.toEventRecord(shardId, record)) };
    this.stats.invocations++;
    this.stats.recordsDelivered += records.length;
    const first = records[0]?.SequenceNumber as string;
    let response: unknown;
    try {
      response = await this.options.handler(event);
    } catch {
      return first; // a thrown error fails the whole batch, as in Lambda
    }
    return lowestFailure(
      response,
      records.map((r) => r.SequenceNumber as string),
      first,
    );
  }

  private async iterator(shardId: string, type: 'TRIM_HORIZON' | 'AT_SEQUENCE_NUMBER', sequenceNumber?: string): Promise<string | undefined> {
    const response = await this.options.kinesis.send(
      new GetShardIteratorCommand({ StreamName: this.options.streamName, ShardId: shardId, ShardIteratorType: type, StartingSequenceNumber: sequenceNumber }),
    );
    return response.ShardIterator;
  }

  private toEventRecord(shardId: string, record: _Record): KinesisStreamRecord {
    const region = this.options.region ?? 'us-east-1';
    const sequenceNumber = record.SequenceNumber as string;
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.PartitionKey as string,
        sequenceNumber,
        data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/local-stream-runner',
      awsRegion: region,
      eventSourceARN: this.streamArn,
    };
  }
}

/**
 * Lambda's reading of a partial batch response: no failures = done; an identifier that is
 * empty or not in the batch fails the whole batch; otherwise the lowest sequence number wins.
 */
export function lowestFailure(response: unknown, sequenceNumbers: readonly string[], first: string): string | undefined {
  const failures = (response as Partial<KinesisStreamBatchResponse> | null)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return undefined;
  let lowest: string | undefined;
  for (const failure of failures) {
    const id = failure?.itemIdentifier;
    if (typeof id !== 'string' || !sequenceNumbers.includes(id)) return first;
    // Sequence numbers are decimal strings too long for a double.
    if (lowest === undefined || BigInt(id) < BigInt(lowest)) lowest = id;
  }
  return lowest;
}

function defaultRetryDelay(attempt: number): number {
  return Math.min(5_000, 100 * 2 ** (attempt - 1));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
