import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the function answered to one invocation. */
export type InvocationResult =
  | { kind: 'response'; requestId: string; traceHeader?: string; body: unknown }
  | { kind: 'error'; requestId: string; traceHeader?: string; errorType?: string; body: unknown };

/** When an invocation's phases ended, in milliseconds from the moment its event was handed over. */
export interface InvocationTiming {
  /** the runtime posted the result: what the caller waits for */
  readonly replyMs: number;
  /** the runtime and every extension asked for the next event: the Invoke phase's end, what Lambda bills */
  readonly durationMs: number;
}

/** An extension the function registered (every one here is internal: the emulator runs no /opt/extensions). */
export interface RegisteredExtension {
  readonly name: string;
  readonly events: readonly string[];
}

/** How Lambda ends an environment: SIGTERM and the shutdown phase's limit when an extension is registered, else SIGKILL. */
export type ShutdownPlan = { readonly signal: 'SIGTERM'; readonly limitMs: number } | { readonly signal: 'SIGKILL' };

/**
 * The Lambda Runtime API (2018-06-01) and Extensions API (2020-01-01) on 127.0.0.1, enough for
 * the real runtime interface client (aws-lambda-ric) and an internal extension to run a handler
 * as Lambda does (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html and
 * runtimes-extensions-api.html):
 * - the runtime long-polls `invocation/next`, posts the result to `response` or `error`, and
 *   reports init failures to `init/error`;
 * - an extension registers (`extension/register`, `Lambda-Extension-Name`; refused once the
 *   runtime has asked for its first event, i.e. after init; `SHUTDOWN` refused, as for every
 *   internal extension), then long-polls `extension/event/next` with its identifier;
 * - the init phase ends, and the first event is handed over, once the runtime and every
 *   extension have asked for an event; an extension registered for INVOKE gets each invocation's
 *   INVOKE event; an invocation's Invoke phase ends only when the runtime and every extension
 *   have asked for the next event again, and only then is the next event handed over (Lambda
 *   would freeze the environment there).
 */
export interface LocalRuntimeApi {
  /** host:port, the value of AWS_LAMBDA_RUNTIME_API */
  readonly address: string;
  /** queues an event for the function and resolves with its answer, as the caller gets it (or rejects on an init error) */
  invoke(event: unknown): Promise<InvocationResult>;
  /** resolves when invocation `requestId`'s Invoke phase has ended */
  finished(requestId: string): Promise<InvocationTiming>;
  /** whether invocation `requestId`'s Invoke phase has ended */
  hasFinished(requestId: string): boolean;
  /** the extensions registered so far */
  extensions(): RegisteredExtension[];
  /** how Lambda would end this environment now */
  shutdownPlan(): ShutdownPlan;
  close(): Promise<void>;
}

/** Lambda's shutdown phase limit for a function with an internal extension (the Extensions API page). */
export const INTERNAL_EXTENSION_SHUTDOWN_MS = 500;

interface Pending {
  requestId: string;
  event: unknown;
  settle(result: InvocationResult): void;
  fail(error: Error): void;
}

interface Active {
  pending: Pending;
  deadlineMs: number;
  traceId: string;
  handedAt: number;
  respondedAt?: number;
}

interface Extension extends RegisteredExtension {
  readonly id: string;
  /** its pending `next` call: it is done with the current phase */
  poll?: ServerResponse;
}

interface Finish {
  promise: Promise<InvocationTiming>;
  resolve(timing: InvocationTiming): void;
  done: boolean;
}

const RUNTIME = '/2018-06-01/runtime';
const EXTENSION = '/2020-01-01/extension';
const DEADLINE_MS = 60_000;

export async function startRuntimeApi(functionArn = 'arn:aws:lambda:us-east-1:000000000000:function:local'): Promise<LocalRuntimeApi> {
  const queued: Pending[] = [];
  const extensions = new Map<string, Extension>();
  const finishes = new Map<string, Finish>();
  let current: Active | undefined;
  let runtimePoll: ServerResponse | undefined;
  let runtimeHasAsked = false;
  let initError: Error | undefined;

  const finishOf = (requestId: string): Finish => {
    let finish = finishes.get(requestId);
    if (!finish) {
      let resolve: (timing: InvocationTiming) => void = () => undefined;
      const promise = new Promise<InvocationTiming>((r) => (resolve = r));
      finish = { promise, resolve, done: false };
      finishes.set(requestId, finish);
    }
    return finish;
  };

  const everyExtensionWaits = () => [...extensions.values()].every((extension) => extension.poll !== undefined);

  /** Ends the current Invoke phase when the runtime and every extension have asked for more, then hands over the next event. */
  function advance(): void {
    if (current && current.respondedAt !== undefined && runtimePoll && everyExtensionWaits()) {
      const finish = finishOf(current.pending.requestId);
      const now = performance.now();
      finish.done = true;
      finish.resolve({ replyMs: current.respondedAt - current.handedAt, durationMs: now - current.handedAt });
      current = undefined;
    }
    if (current || !runtimePoll || !everyExtensionWaits()) return;
    const next = queued.shift();
    if (next) start(next, runtimePoll);
  }

  function start(pending: Pending, poll: ServerResponse): void {
    const deadlineMs = Date.now() + DEADLINE_MS;
    const traceId = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Sampled=0`;
    current = { pending, deadlineMs, traceId, handedAt: performance.now() };
    runtimePoll = undefined;
    poll.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': pending.requestId,
      'lambda-runtime-deadline-ms': String(deadlineMs),
      'lambda-runtime-invoked-function-arn': functionArn,
      'lambda-runtime-trace-id': traceId,
    });
    poll.end(JSON.stringify(pending.event));
    for (const extension of extensions.values()) {
      if (!extension.events.includes('INVOKE')) continue;
      const extensionPoll = extension.poll as ServerResponse;
      extension.poll = undefined;
      extensionPoll.writeHead(200, { 'content-type': 'application/json', 'lambda-extension-event-identifier': randomUUID() });
      extensionPoll.end(
        JSON.stringify({
          eventType: 'INVOKE',
          deadlineMs,
          requestId: pending.requestId,
          invokedFunctionArn: functionArn,
          tracing: { type: 'X-Amzn-Trace-Id', value: traceId },
        }),
      );
    }
  }

  function failAll(error: Error): void {
    initError = error;
    const pendings = [...queued.splice(0), ...(current ? [current.pending] : [])];
    current = undefined;
    for (const pending of pendings) pending.fail(error);
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = request.url ?? '';
    const body = await readBody(request);
    if (url.startsWith(EXTENSION)) return extensionRoute(request, response, url.slice(EXTENSION.length), body);
    if (request.method === 'GET' && url === `${RUNTIME}/invocation/next`) {
      runtimeHasAsked = true;
      runtimePoll = response;
      return advance();
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (request.method === 'POST' && match) {
      const requestId = decodeURIComponent(match[1] as string);
      if (!current || current.pending.requestId !== requestId || current.respondedAt !== undefined)
        return reply(response, 400, { errorMessage: `unknown request id ${requestId}` });
      current.respondedAt = performance.now();
      const parsed = parseJson(body);
      const traceHeader = current.traceId;
      if (match[2] === 'response') current.pending.settle({ kind: 'response', requestId, traceHeader, body: parsed });
      else current.pending.settle({ kind: 'error', requestId, traceHeader, errorType: headerOf(request, 'lambda-runtime-function-error-type'), body: parsed });
      return reply(response, 202, { status: 'OK' });
    }
    if (request.method === 'POST' && url === `${RUNTIME}/init/error`) {
      failAll(new Error(`function init failed: ${body}`));
      return reply(response, 202, { status: 'OK' });
    }
    reply(response, 404, { errorMessage: `not emulated: ${request.method} ${url}` });
  }

  function extensionRoute(request: IncomingMessage, response: ServerResponse, path: string, body: string): void {
    if (request.method === 'POST' && path === '/register') {
      const name = headerOf(request, 'lambda-extension-name');
      if (!name) return reply(response, 400, { errorMessage: 'missing Lambda-Extension-Name', errorType: 'Extension.InvalidRequest' });
      if (runtimeHasAsked) return reply(response, 403, { errorMessage: 'extensions register during the init phase only', errorType: 'Extension.InvalidState' });
      const events = (parseJson(body) as { events?: unknown } | undefined)?.events ?? [];
      if (!Array.isArray(events) || events.some((e) => e !== 'INVOKE' && e !== 'SHUTDOWN'))
        return reply(response, 400, { errorMessage: `invalid events ${JSON.stringify(events)}`, errorType: 'Extension.InvalidRequest' });
      if (events.includes('SHUTDOWN'))
        return reply(response, 400, { errorMessage: 'an internal extension cannot register for SHUTDOWN', errorType: 'Extension.InvalidRequest' });
      const id = randomUUID();
      extensions.set(id, { id, name, events: events as string[] });
      response.writeHead(200, { 'content-type': 'application/json', 'lambda-extension-identifier': id });
      response.end(JSON.stringify({ functionName: functionArn.split(':').pop(), functionVersion: '$LATEST', handler: 'index.handler' }));
      return;
    }
    const extension = extensions.get(headerOf(request, 'lambda-extension-identifier') ?? '');
    if (!extension) return reply(response, 403, { errorMessage: 'unknown Lambda-Extension-Identifier', errorType: 'Extension.Forbidden' });
    if (request.method === 'GET' && path === '/event/next') {
      extension.poll = response;
      return advance();
    }
    if (request.method === 'POST' && (path === '/init/error' || path === '/exit/error')) {
      failAll(new Error(`extension ${extension.name} reported ${path.slice(1)}: ${headerOf(request, 'lambda-extension-function-error-type') ?? ''} ${body}`));
      return reply(response, 202, { status: 'OK' });
    }
    reply(response, 404, { errorMessage: `not emulated: ${request.method} ${EXTENSION}${path}` });
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
        queued.push({ requestId: randomUUID(), event, settle: resolve, fail: reject });
        advance();
      });
    },
    finished: (requestId) => finishOf(requestId).promise,
    hasFinished: (requestId) => finishes.get(requestId)?.done ?? false,
    extensions: () => [...extensions.values()].map(({ name, events }) => ({ name, events })),
    shutdownPlan: () => (extensions.size > 0 ? { signal: 'SIGTERM', limitMs: INTERNAL_EXTENSION_SHUTDOWN_MS } : { signal: 'SIGKILL' }),
    async close() {
      runtimePoll?.destroy();
      for (const extension of extensions.values()) extension.poll?.destroy();
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
