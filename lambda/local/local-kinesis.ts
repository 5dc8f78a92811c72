import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ResourceNotFoundException } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
// kinesalite ships no types; it returns a node:http server speaking the Kinesis API.
const kinesalite = require('kinesalite') as (options: {
  createStreamMs?: number;
  deleteStreamMs?: number;
  updateStreamMs?: number;
  shardLimit?: number;
}) => Server;

/** A Kinesis API server (kinesalite, in memory) in this process, on loopback. */
export interface LocalKinesis {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts kinesalite on 127.0.0.1:`port` (0 = a port the OS picks). Streams are in memory and
 * gone when the process ends.
 *
 * @example const local = await startLocalKinesis(4567); // local.endpoint === 'http://127.0.0.1:4567'
 */
export async function startLocalKinesis(port: number, createStreamMs = 50): Promise<LocalKinesis> {
  const server = kinesalite({ createStreamMs, deleteStreamMs: createStreamMs, updateStreamMs: createStreamMs, shardLimit: 50 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/**
 * A client for a local Kinesis: HTTP/1.1, dummy credentials (kinesalite checks none), fixed
 * region. `maxAttempts` 1 by default so failures show at once.
 */
export function createLocalKinesisClient(endpoint: string, maxAttempts = 1): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
  });
}

/** Creates a stream (if it does not exist yet) and waits until it is ACTIVE; resolves to its ARN. */
export async function createStream(client: KinesisClient, name: string, shards: number): Promise<string> {
  try {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  return waitForActive(client, name);
}

async function waitForActive(client: KinesisClient, name: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { StreamDescriptionSummary: summary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      if (summary?.StreamStatus === 'ACTIVE' && summary.StreamARN) return summary.StreamARN;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (Date.now() > deadline) throw new Error(`stream ${name} not ACTIVE after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
