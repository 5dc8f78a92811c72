import { once } from 'node:events';
import { request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { loadConfig } from '../../../lambda/config/index';
import { createHttpServer, type ServerOptions } from '../../../lambda/local/server';
import { createRuntime } from '../../../lambda/services';
import { COURSE_RIDE } from '../../support/fixtures';

/** Clients that upload too much or send too slowly, against the real server on loopback. */

const MB = 1024 * 1024;
const PAD = Buffer.alloc(256 * 1024, 'x');

interface UploadOutcome {
  status?: number;
  body?: string;
  error?: string;
}

/** Posts `size` bytes in `chunkSize` writes (with backpressure), as a plain Node client would. */
function upload(port: number, size: number, chunked: boolean, chunkSize: number): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = chunked
      ? { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }
      : { 'content-type': 'application/json', 'content-length': size };
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/predict', headers, agent: false });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    void (async () => {
      for (let sent = 0; sent < size;) {
        const n = Math.min(chunkSize, size - sent, PAD.length);
        if (!req.write(PAD.subarray(0, n))) await once(req, 'drain');
        sent += n;
      }
      req.end();
    })().catch(() => undefined); // the 'error' handler above reports it
  });
}

async function startServer(options: Partial<ServerOptions>, env: Record<string, string> = {}): Promise<{ server: Server; port: number }> {
  const config = loadConfig(env);
  const runtime = createRuntime(config, { logger: new Logger({ logLevel: 'SILENT' }) });
  await runtime.models.get();
  const server = createHttpServer(runtime.http, { ...config.http, ...options });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, port: (server.address() as AddressInfo).port };
}

const stop = (server: Server) =>
  new Promise<void>((done) => {
    server.closeAllConnections();
    server.close(() => done());
  });

describe('the server limits in lambda/config/index.ts', () => {
  it('default to 10 s for headers, 30 s per request, 65 s keep-alive, 32 MiB drained, and read the environment', () => {
    expect(loadConfig({}).http).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxDrainBytes: 32 * MB });
    const given = loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000', MAX_DRAIN_BYTES: '0' });
    expect(given.http).toMatchObject({ headersTimeoutMs: 2000, requestTimeoutMs: 5000, keepAliveTimeoutMs: 1000, maxDrainBytes: 0 });
    expect(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '0' })).toThrow(/^invalid environment: HTTP_REQUEST_TIMEOUT_MS/);
  });
});

describe('oversized uploads', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => ({ server, port } = await startServer({}, { MAX_BODY_BYTES: String(MB) })));
  afterAll(() => stop(server));

  it('get a readable 413 for each of 100 uploads of 2–16 MB, never a broken pipe or reset', async () => {
    const uploads = fc.sample(
      fc.record({ size: fc.integer({ min: 2 * MB, max: 16 * MB }), chunked: fc.boolean(), chunkSize: fc.integer({ min: 1024, max: PAD.length }) }),
      { numRuns: 100, seed: 14 },
    );
    const outcomes: UploadOutcome[] = [];
    // Eight at a time: enough to overlap uploads, few enough to keep the file within seconds.
    for (let i = 0; i < uploads.length; i += 8) {
      outcomes.push(...(await Promise.all(uploads.slice(i, i + 8).map((u) => upload(port, u.size, u.chunked, u.chunkSize)))));
    }

    const answered = outcomes.filter((o) => o.status === 413 && JSON.parse(o.body ?? '{}').code === 'BODY_TOO_LARGE');
    const failures = outcomes.filter((o) => o.error !== undefined).map((o) => o.error);
    console.info(
      `oversized uploads: ${answered.length} of ${outcomes.length} got the 413; transport errors: ${failures.length} ${[...new Set(failures)].join(' ')}`,
    );
    expect(failures).toEqual([]);
    expect(answered).toHaveLength(100);
  });

  it('are answered at once, unread, when the declared length is past the drain bound', async () => {
    const { server: small, port: smallPort } = await startServer({ maxDrainBytes: MB }, { MAX_BODY_BYTES: String(MB) });
    try {
      const socket = connect(smallPort, '127.0.0.1');
      socket.write(`POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${100 * MB}\r\n\r\n`);
      let reply = '';
      socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
      await once(socket, 'close');

      expect(reply).toMatch(/^HTTP\/1\.1 413 /);
      expect(reply).toMatch(/connection: close/i);
      expect(reply).toContain('"code":"BODY_TOO_LARGE"');
    } finally {
      await stop(small);
    }
  });

  it('are refused before the body is sent when the client asks with Expect: 100-continue', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.write(`POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${5 * MB}\r\nExpect: 100-continue\r\n\r\n`);
    let reply = '';
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    await once(socket, 'close');

    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect(reply).not.toContain('100 Continue');
  });
});

describe('slow clients', () => {
  const TIMEOUTS = { headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 1000 };
  let server: Server;
  let port: number;
  beforeAll(async () => ({ server, port } = await startServer(TIMEOUTS)));
  afterAll(() => stop(server));

  interface Trickler {
    socket: Socket;
    kind: 'headers' | 'body';
    reply: string;
    closedAfterMs?: number;
  }

  /** Sends a request one byte every 100 ms: half never finish their headers, half their body. */
  function trickle(kind: Trickler['kind'], started: number): Trickler {
    const socket = connect(port, '127.0.0.1');
    const trickler: Trickler = { socket, kind, reply: '' };
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => (trickler.reply += chunk.toString()));
    socket.write(
      kind === 'headers'
        ? 'POST /predict HTTP/1.1\r\nHost: x\r\nX-Slow: '
        : 'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
    );
    const timer = setInterval(() => socket.writable && socket.write('a'), 100);
    socket.on('close', () => {
      clearInterval(timer);
      trickler.closedAfterMs = performance.now() - started;
    });
    return trickler;
  }

  it('are cut off after the headers / request timeout while 300 of them do not stop normal requests', async () => {
    const started = performance.now();
    const tricklers = Array.from({ length: 300 }, (_, i) => trickle(i % 2 === 0 ? 'headers' : 'body', started));
    const latencies: number[] = [];
    const statuses: number[] = [];
    const stillOpen = () => tricklers.some((t) => t.closedAfterMs === undefined);
    // Normal clients keep asking, one after another, until every trickler is gone (or 20 s pass).
    while (stillOpen() && performance.now() - started < 20_000) {
      const sent = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(COURSE_RIDE),
      });
      await response.json();
      statuses.push(response.status);
      latencies.push(performance.now() - sent);
      await new Promise((done) => setTimeout(done, 20));
    }

    const closed = tricklers.filter((t) => t.closedAfterMs !== undefined);
    const lastClosedMs = Math.max(...closed.map((t) => t.closedAfterMs as number));
    const sorted = [...latencies].sort((a, b) => a - b);
    console.info(
      `slow clients: ${closed.length} of 300 trickling connections closed, the last after ${(lastClosedMs / 1000).toFixed(1)} s ` +
        `(headers timeout ${TIMEOUTS.headersTimeoutMs} ms, request timeout ${TIMEOUTS.requestTimeoutMs} ms); ` +
        `${latencies.length} normal requests meanwhile, p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`,
    );
    expect(closed).toHaveLength(300);
    for (const t of tricklers) expect({ kind: t.kind, reply: t.reply.slice(0, 25) }).toEqual({ kind: t.kind, reply: 'HTTP/1.1 408 Request Time' });
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('lose an idle keep-alive connection after the keep-alive timeout', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    let reply = '';
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    await once(socket, 'close');

    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toMatch(/keep-alive: timeout=1/i);
  });
});
