import { startLoopbackPeer } from './loopback-peer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * How the server treats PutRecordBatch calls: `ok` accepts; `down` answers every call 503
 * ServiceUnavailableException; `throttle` accepts the call but fails entries per
 * `failEntry` (FailedPutCount, as Firehose does when a stream exceeds its throughput); `stall`
 * reads the request and never answers; `hold` keeps each call unanswered (and its records
 * undelivered) until `release()`, then treats it as `ok`.
 */
export type FirehoseMode = 'ok' | 'down' | 'throttle' | 'stall' | 'hold';

export interface LocalFirehose {
  endpoint: string;
  /** every record accepted, decoded, per stream, in arrival order */
  readonly delivered: Map<string, Buffer[]>;
  /** PutRecordBatch calls seen, with their record counts (accepted or not) */
  readonly calls: number[];
  mode: FirehoseMode;
  /** in `throttle` mode: which entries fail (default: all) */
  failEntry: (data: Buffer, index: number) => boolean;
  /** calls received in `stall` mode whose connection is still open (the client is still waiting) */
  stalled(): number;
  /** calls received in `hold` mode not yet released */
  held(): number;
  /** answers every held call (as `ok`) */
  release(): void;
  /** every answer waits this long (the bench's stand-in for an in-region round trip); 0 by default */
  answerDelayMs: number;
  /** the capture lines delivered to `stream`, in order */
  lines(stream: string): string[];
  /** a real SDK client pointed at this server (dummy credentials, HTTP/1.1, short timeouts) */
  client(options?: { maxAttempts?: number; requestTimeoutMs?: number }): FirehoseClient;
  close(): Promise<void>;
}

/**
 * A Firehose protocol peer on 127.0.0.1 (a port the OS picks), speaking the JSON 1.1 protocol the
 * SDK sends (`X-Amz-Target: Firehose_20150804.PutRecordBatch`, base64 `Data`, `FailedPutCount` and
 * `RequestResponses` back) and enforcing the service's limits (500 records, 4 MiB per call,
 * 1,000 KiB per record, a known stream). No npm package emulates Firehose, so tests use this.
 */
export async function startFirehoseServer(streams: readonly string[]): Promise<LocalFirehose> {
  const known = new Set(streams);
  let nextId = 0;
  const stalled = new Set<ServerResponse>();
  const held: Array<() => void> = [];
  const state = {
    answerDelayMs: 0,
    delivered: new Map<string, Buffer[]>(streams.map((name) => [name, []])),
    calls: [] as number[],
    mode: 'ok' as FirehoseMode,
    failEntry: (() => true) as LocalFirehose['failEntry'],
  };

  function answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    if (state.mode === 'hold') {
      held.push(() => accept(req, res, body));
      return;
    }
    if (state.answerDelayMs > 0) setTimeout(() => accept(req, res, body), state.answerDelayMs);
    else accept(req, res, body);
  }

  function accept(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const target = req.headers['x-amz-target'];
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256'))
      return error(res, 403, 'MissingAuthenticationTokenException', 'request is not signed');
    if (target !== 'Firehose_20150804.PutRecordBatch') return error(res, 400, 'UnknownOperationException', `unsupported operation ${String(target)}`);
    const input = JSON.parse(body.toString('utf8')) as { DeliveryStreamName?: string; Records?: Array<{ Data: string }> };
    const records = (input.Records ?? []).map((record) => Buffer.from(record.Data, 'base64'));
    state.calls.push(records.length);
    if (state.mode === 'stall') {
      stalled.add(res);
      res.on('close', () => stalled.delete(res));
      return;
    }
    if (state.mode === 'down') return error(res, 503, 'ServiceUnavailableException', 'the service is unavailable');
    const stream = input.DeliveryStreamName ?? '';
    if (!known.has(stream)) return error(res, 400, 'ResourceNotFoundException', `Firehose ${stream} not found`);
    if (records.length === 0 || records.length > 500) return error(res, 400, 'InvalidArgumentException', `${records.length} records; 1–500 allowed`);
    const total = records.reduce((sum, data) => sum + data.length, 0);
    if (total > 4 * 1024 * 1024) return error(res, 400, 'InvalidArgumentException', `${total} bytes in one call; 4 MiB allowed`);
    if (records.some((data) => data.length > 1000 * 1024)) return error(res, 400, 'InvalidArgumentException', 'a record exceeds 1,000 KiB');
    const store = state.delivered.get(stream) as Buffer[];
    const responses = records.map((data, index) => {
      if (state.mode === 'throttle' && state.failEntry(data, index)) {
        return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
      }
      store.push(data);
      return { RecordId: `record-${++nextId}` };
    });
    const failed = responses.filter((r) => 'ErrorCode' in r).length;
    reply(res, 200, { FailedPutCount: failed, Encrypted: false, RequestResponses: responses });
  }

  const peer = await startLoopbackPeer(answer);
  const { endpoint } = peer;
  const clients: FirehoseClient[] = [];
  return Object.assign(state, {
    endpoint,
    stalled: () => stalled.size,
    held: () => held.length,
    release() {
      state.mode = 'ok';
      for (const answerHeld of held.splice(0)) answerHeld();
    },
    lines(stream: string) {
      return Buffer.concat(state.delivered.get(stream) ?? [])
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '');
    },
    client(options: { maxAttempts?: number; requestTimeoutMs?: number } = {}) {
      const client = new FirehoseClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'LOCAL', secretAccessKey: 'LOCAL' },
        maxAttempts: options.maxAttempts ?? 2,
        requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: options.requestTimeoutMs ?? 2000, throwOnRequestTimeout: true }),
      });
      clients.push(client);
      return client;
    },
    close: () => {
      for (const client of clients) client.destroy();
      return peer.close();
    },
  });
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': String(Buffer.byteLength(text)),
      'x-amzn-requestid': 'local',
      ...headers,
    })
    .end(text);
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  reply(res, status, { __type: type, message }, { 'x-amzn-errortype': type });
}
