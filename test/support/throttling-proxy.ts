import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An entry of a PutRecords request, as it passes the proxy. */
export interface PutEntry {
  partitionKey: string;
  data: Buffer;
}

export interface ThrottlingProxy {
  endpoint: string;
  /** PutRecords calls seen, with their entry counts */
  putCalls: number[];
  /** entries answered with ProvisionedThroughputExceededException */
  rejected: PutEntry[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of a Kinesis server that answers some PutRecords entries with
 * ProvisionedThroughputExceededException, as a busy shard does: the other entries of the call
 * go through to the server, and the response merges both, in request order.
 * `reject(entry, timesSeen)` decides; timesSeen counts earlier sightings of the same entry.
 */
export async function startThrottlingProxy(target: string, reject: (entry: PutEntry, timesSeen: number) => boolean): Promise<ThrottlingProxy> {
  const seen = new Map<string, number>();
  const proxy: Omit<ThrottlingProxy, 'endpoint' | 'close'> = { putCalls: [], rejected: [] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isPut = req.headers['x-amz-target'] === 'Kinesis_20131202.PutRecords';
      const handled = isPut
        ? throttlePut(body, req.headers, target, reject, seen, proxy)
        : forward(target, req.method ?? 'POST', req.url ?? '/', req.headers, body);
      handled
        .then(({ status, headers, body: out }) => res.writeHead(status, { ...headers, 'content-length': String(out.length) }).end(out))
        .catch((error: Error) => res.writeHead(502).end(error.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ...proxy,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface PutRequest {
  StreamName: string;
  Records: Array<{ Data: string; PartitionKey: string }>;
}

async function throttlePut(
  body: Buffer,
  headers: IncomingHttpHeaders,
  target: string,
  reject: (entry: PutEntry, timesSeen: number) => boolean,
  seen: Map<string, number>,
  proxy: Omit<ThrottlingProxy, 'endpoint' | 'close'>,
): Promise<Reply> {
  const put = JSON.parse(body.toString('utf8')) as PutRequest;
  proxy.putCalls.push(put.Records.length);
  const decisions = put.Records.map((record) => {
    const entry = { partitionKey: record.PartitionKey, data: Buffer.from(record.Data, 'base64') };
    const id = `${record.PartitionKey}\n${record.Data}`;
    const timesSeen = seen.get(id) ?? 0;
    seen.set(id, timesSeen + 1);
    const rejected = reject(entry, timesSeen);
    if (rejected) proxy.rejected.push(entry);
    return rejected;
  });
  const passed = put.Records.filter((_, i) => !decisions[i]);
  let results: Array<Record<string, string>> = [];
  if (passed.length > 0) {
    const reply = await forward(target, 'POST', '/', headers, Buffer.from(JSON.stringify({ ...put, Records: passed })));
    if (reply.status !== 200) return reply;
    results = (JSON.parse(reply.body.toString('utf8')) as { Records: Array<Record<string, string>> }).Records;
  }
  let next = 0;
  const merged = decisions.map((rejected) =>
    rejected
      ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: `Rate exceeded for stream ${put.StreamName}` }
      : (results[next++] as Record<string, string>),
  );
  const failed = merged.filter((r) => r.ErrorCode !== undefined).length;
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: Buffer.from(JSON.stringify({ FailedRecordCount: failed, Records: merged })),
  };
}

function forward(target: string, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const upstream = request(
      `${target}${path}`,
      { method, headers: { ...headers, 'content-length': String(body.length), host: new URL(target).host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string' && name !== 'content-length') out[name] = value;
          resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
        });
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
}
