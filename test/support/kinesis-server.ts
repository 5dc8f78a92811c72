import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createLocalKinesisClient, createStream, startLocalKinesis } from '../../lambda/local/local-kinesis';

/** A real Kinesis protocol peer (kinesalite) on 127.0.0.1, on a port the OS picks. */
export interface LocalKinesisServer {
  endpoint: string;
  client: KinesisClient;
  /** creates the stream and waits until it is ACTIVE; resolves to its ARN */
  createStream(name: string, shards?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startKinesisServer(): Promise<LocalKinesisServer> {
  const local = await startLocalKinesis(0, 10);
  const client = createLocalKinesisClient(local.endpoint);
  return {
    endpoint: local.endpoint,
    client,
    createStream: (name, shards = 1) => createStream(client, name, shards),
    async close() {
      client.destroy();
      await local.close();
    },
  };
}

/** A record read back from a stream, with the shard it landed on. */
export interface ReadRecord {
  shardId: string;
  partitionKey: string;
  sequenceNumber: string;
  data: Buffer;
}

/** Every record in the stream, shard by shard, each shard in order. */
export async function readAll(client: KinesisClient, streamName: string): Promise<ReadRecord[]> {
  const { Shards: shards = [] } = await client.send(new ListShardsCommand({ StreamName: streamName }));
  const out: ReadRecord[] = [];
  for (const shard of shards) {
    const shardId = shard.ShardId as string;
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      const records = page.Records ?? [];
      for (const r of records) {
        out.push({ shardId, partitionKey: r.PartitionKey as string, sequenceNumber: r.SequenceNumber as string, data: Buffer.from(r.Data as Uint8Array) });
      }
      iterator = records.length === 0 ? undefined : page.NextShardIterator;
    }
  }
  return out;
}

/** Puts raw payloads with explicit partition keys; throws if Kinesis rejects any. */
export async function putPayloads(
  client: KinesisClient,
  streamName: string,
  entries: ReadonlyArray<{ partitionKey: string; data: Uint8Array | string }>,
): Promise<void> {
  for (let start = 0; start < entries.length; start += 500) {
    const chunk = entries.slice(start, start + 500);
    const response = await client.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: chunk.map((e) => ({ PartitionKey: e.partitionKey, Data: typeof e.data === 'string' ? Buffer.from(e.data) : e.data })),
      }),
    );
    if (response.FailedRecordCount) throw new Error(`${response.FailedRecordCount} test records were rejected`);
  }
}
