import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the function answered to one invocation. */
export type InvocationResult =
  | { kind: 'response'; requestId: string; traceHeader?: string; body: unknown }
  | { kind: 'error'; requestId: string; traceHeader?: string; errorType?: string; body: unknown };

/**
 * The Lambda Runtime API (2018-06-01) on 127.0.0.1, enough for the real runtime interface
 * client (aws-lambda-ric) to run a handler as Lambda would: it long-polls `next`, posts the
 * handler's result to `response` or `error`, and reports init failures to `init/error`.
 */
export interface LocalRuntimeApi {
  /** host:port, the value of AWS_LAMBDA_RUNTIME_API */
  readonly address: string;
  /** queues an event for the function and resolves with its answer (or rejects on an init error) */
  invoke(event: unknown): Promise<InvocationResult>;
  close(): Promise<void>;
}

interface Pending {
  requestId: string;
  /** the X-Ray trace header Lambda hands the runtime with the event (Lambda-Runtime-Trace-Id) */
  traceHeader: string;
  event: unknown;
  settle(result: InvocationResult): void;
  fail(error: Error): void;
}

const PREFIX = '/2018-06-01/runtime';
const DEADLINE_MS = 60_000;

export async function startRuntimeApi(functionArn = 'arn:aws:lambda:us-east-1:000000000000:function:local'): Promise<LocalRuntimeApi> {
  const queued: Pending[] = [];
  const inFlight = new Map<string, Pending>();
  const waitingPolls: ServerResponse[] = [];
  let initError: Error | undefined;

  function deliver(poll: ServerResponse, invocation: Pending): void {
    inFlight.set(invocation.requestId, invocation);
    poll.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': invocation.requestId,
      'lambda-runtime-deadline-ms': String(Date.now() + DEADLINE_MS),
      'lambda-runtime-invoked-function-arn': functionArn,
      'lambda-runtime-trace-id': invocation.traceHeader,
    });
    poll.end(JSON.stringify(invocation.event));
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = request.url ?? '';
    const body = await readBody(request);
    if (request.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      const next = queued.shift();
      if (next) deliver(response, next);
      else waitingPolls.push(response);
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (request.method === 'POST' && match) {
      const requestId = decodeURIComponent(match[1] as string);
      const invocation = inFlight.get(requestId);
      if (!invocation) return reply(response, 400, { errorMessage: `unknown request id ${requestId}` });
      inFlight.delete(requestId);
      const parsed = parseJson(body);
      const { traceHeader } = invocation;
      if (match[2] === 'response') invocation.settle({ kind: 'response', requestId, traceHeader, body: parsed });
      else invocation.settle({ kind: 'error', requestId, traceHeader, errorType: headerOf(request, 'lambda-runtime-function-error-type'), body: parsed });
      return reply(response, 202, { status: 'OK' });
    }
    if (request.method === 'POST' && url === `${PREFIX}/init/error`) {
      initError = new Error(`function init failed: ${body}`);
      for (const pending of [...queued, ...inFlight.values()]) pending.fail(initError);
      queued.length = 0;
      inFlight.clear();
      return reply(response, 202, { status: 'OK' });
    }
    reply(response, 404, { errorMessage: `not emulated: ${request.method} ${url}` });
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => reply(response, 500, { errorMessage: String(error) }));
  });
  // `next` is a long poll: it may wait as long as the test takes to queue the next event.
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    invoke(event) {
      return new Promise<InvocationResult>((resolve, reject) => {
        if (initError) return reject(initError);
        const traceHeader = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Sampled=0`;
        const invocation: Pending = { requestId: randomUUID(), traceHeader, event, settle: resolve, fail: reject };
        const poll = waitingPolls.shift();
        if (poll) deliver(poll, invocation);
        else queued.push(invocation);
      });
    },
    async close() {
      for (const poll of waitingPolls.splice(0)) poll.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
