import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import cluster from 'node:cluster';
import { createServiceLogger } from '../observability/service-logger';
import { loadConfig, type Config } from '../config/index';
import { handleHttpRequest, type HttpDeps, type HttpRequest } from '../protocols/http/http-handler';
import { SERVICE_NAME, createRuntime, type Runtime } from '../services';
import { oneLine } from '../serving/errors';
import { runCluster, stopAtStart } from './cluster';
import { noArguments } from './cli';
import { bearerTokenCheck } from './bearer-token';
import { isLoopbackHost } from './loopback';
import { ClientGoneError, readBody } from './request-body';
import { isOpenPath } from '../protocols/http/routes';

/** How the server treats clients: the token it asks for and how long and how much it waits. */
export type ServerOptions = Pick<Config['http'], 'apiToken' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxDrainBytes'>;

/**
 * The web service on node:http, for `npm start` and the Dockerfile: the same adapter the
 * Lambda function uses, keep-alive on. Hostile clients are bounded: headers must arrive within
 * `headersTimeoutMs` and the whole request within `requestTimeoutMs` (Node then answers 408 and
 * closes), idle keep-alive connections close after `keepAliveTimeoutMs`, and a refused upload
 * (413, 401) is drained up to `maxDrainBytes` so the client reads the answer. With `apiToken`,
 * every path but the open routes (health, metadata, /openapi.json, /docs: {@link isOpenPath},
 * the same the API Gateway stack leaves open) needs `Authorization: Bearer <apiToken>`.
 * Options default to the environment defaults of lambda/config/index.ts.
 */
export function createHttpServer(deps: HttpDeps, options: ServerOptions = loadConfig({}).http): Server {
  const isAuthorized = options.apiToken === undefined ? () => true : bearerTokenCheck(options.apiToken);
  // Once server.close() was called (SIGTERM), every answer also closes its connection: shutdown
  // then waits for the requests in flight, not for kept-alive clients to go idle.
  const isClosing = () => !server.listening;
  const respond = (req: IncomingMessage, res: ServerResponse) => {
    void answer(req, res, deps, options, isAuthorized(req.headers.authorization) || isOpenPath(pathOf(req.url)), isClosing);
  };
  const server = createServer(
    {
      keepAlive: true,
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      // Node enforces both timeouts on this tick; its 30 s default would let a trickler outlive them.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(options.headersTimeoutMs / 4))),
    },
    respond,
  );
  // Past an Expect: 100-continue, refuse before the client sends the body at all.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (!isAuthorized(req.headers.authorization) && !isOpenPath(pathOf(req.url))) refuse(res, 401, UNAUTHORIZED);
    else if (declared > deps.maxBodyBytes) refuse(res, 413, tooLarge(deps.maxBodyBytes));
    else {
      res.writeContinue();
      respond(req, res);
    }
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  return server;
}

const UNAUTHORIZED = { error: 'missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)', code: 'UNAUTHORIZED' };
const tooLarge = (limit: number) => ({ error: `body exceeds the limit of ${limit} bytes`, code: 'BODY_TOO_LARGE' });

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  deps: HttpDeps,
  options: ServerOptions,
  authorized: boolean,
  isClosing: () => boolean,
): Promise<void> {
  const closingIf = (headers: Record<string, string>) => (isClosing() ? { ...headers, connection: 'close' } : headers);
  try {
    if (!authorized) {
      // Drained like a 413 so the client reads the 401 instead of a reset mid-upload.
      await readBody(req, 0, options.maxDrainBytes);
      refuse(res, 401, UNAUTHORIZED);
      return;
    }
    const read = await readBody(req, deps.maxBodyBytes, options.maxDrainBytes);
    if (read.kind === 'too-large') {
      refuse(res, 413, tooLarge(deps.maxBodyBytes));
      return;
    }
    const request: HttpRequest = { method: req.method ?? 'GET', path: pathOf(req.url), headers: req.headers as HttpRequest['headers'], body: read.body };
    const response = await handleHttpRequest(request, deps);
    send(res, response.statusCode, closingIf(response.headers), response.body);
  } catch (error) {
    if (error instanceof ClientGoneError) return; // nobody left to answer
    deps.onUnexpectedError(error);
    send(res, 500, closingIf({ 'content-type': 'application/json' }), JSON.stringify({ error: 'internal error' }));
  }
}

/** Answers a refused request and closes the connection: what is left of its body is not read. */
function refuse(res: ServerResponse, status: 401 | 413, body: { error: string; code: string }): void {
  const headers: Record<string, string> = { 'content-type': 'application/json', connection: 'close' };
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  send(res, status, headers, JSON.stringify(body));
}

function pathOf(url = '/'): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (res.headersSent) return;
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers).end(body);
}

/** How long a stop may take, in all within the 5 s a container gets (docker stop kills after 10 s). */
const STOP = { drainMs: 3_000, captureFlushMs: 1_500, exitMs: 4_800 } as const;

/** `npm start -- --help`. */
export const SERVER_USAGE = `Serves the models over HTTP on HOST:PORT (default 127.0.0.1:9696): POST /predict,
POST /predict/<model>, GET /health, GET /openapi.json. Stops on Ctrl-C or SIGTERM, finishing the
requests in flight. Configured by environment variables only (MODELS, HOST, PORT, API_TOKEN,
WEB_CONCURRENCY, CAPTURE_LOCATION, ...); with none, it serves the shipped models.

usage:
  [VARIABLE=value ...] npm start

examples:
  npm start
  PORT=8080 WEB_CONCURRENCY=2 npm start
  MODELS=duration=models/model.onnx npm start
  curl -s -X POST http://127.0.0.1:9696/predict -H 'Content-Type: application/json' \\
    -d '{"PULocationID": 10, "DOLocationID": 50, "trip_distance": 40}'
`;

/**
 * `npm start`: serve on HOST:PORT (127.0.0.1:9696) until SIGINT/SIGTERM, then drain and exit.
 * With WEB_CONCURRENCY > 1, a cluster of that many server processes shares the port.
 */
export async function main(argv: readonly string[] = []): Promise<void> {
  noArguments(argv, 'configure it with environment variables, e.g. PORT=8080 npm start');
  const config = loadConfig(process.env);
  if (config.http.workers > 1 && cluster.isPrimary) {
    runCluster(config.http.workers, createServiceLogger({ serviceName: SERVICE_NAME }));
    return;
  }
  await serve(config);
}

async function serve(config: Config): Promise<void> {
  const started = performance.now();
  // Without ALLOW_PARTIAL_MODELS the start itself reports a model that cannot load (one line, then exit 1).
  const runtime = createRuntime(config, config.allowPartialModels ? {} : { onModelLoadFailed: () => undefined });
  if (!config.allowPartialModels) await requireEveryModel(runtime);
  const { host, port } = runtime.config.http;
  const server = createHttpServer(runtime.http, runtime.config.http);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  runtime.logger.info(`listening on http://${address.address}:${address.port}`, { host: address.address, port: address.port });
  if (runtime.config.http.apiToken === undefined && !isLoopbackHost(address.address)) {
    runtime.logger.warn('listening on a non-loopback address without API_TOKEN: anyone who can reach this port gets predictions', {
      host: address.address,
    });
  }
  if (runtime.capture) runtime.logger.info('capturing predictions', { location: runtime.capture.description, sampleRate: config.capture.sampleRate });
  runtime.models.get().then(
    (set) =>
      runtime.logger.info('ready', {
        models: Object.fromEntries(set.names.map((name) => [name, set.require(name).version])),
        startupMs: Math.round(performance.now() - started),
      }),
    () => undefined, // ALLOW_PARTIAL_MODELS: already logged by the runtime; the other models serve, /health says which is missing
  );
  // Counted per request, published (EMF on stdout) once a minute and at shutdown: never per request.
  const metricsTimer = setInterval(() => runtime.metrics.flush(), 60_000).unref();
  // SIGTERM (docker stop, Kubernetes) to exit within STOP.exitMs: no new connections; requests in
  // flight finish (cut after STOP.drainMs); then the metrics and capture records they produced are
  // written, and the process exits 0.
  const shutdown = (signal: string) => {
    runtime.logger.info('shutting down', { signal });
    clearInterval(metricsTimer);
    server.close(() => {
      runtime.metrics.flush();
      void (runtime.capture?.close(STOP.captureFlushMs) ?? Promise.resolve()).finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), STOP.drainMs).unref();
    setTimeout(() => process.exit(0), STOP.exitMs).unref();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

/**
 * Waits for every configured model. When one cannot load, the server never listens: it writes
 * one line naming each such model and why (no stack trace) and exits 1; a cluster worker hands
 * the line to the primary, which prints it once and stops (cluster.ts).
 */
async function requireEveryModel(runtime: Runtime): Promise<void> {
  try {
    await runtime.models.get();
  } catch (error) {
    const failed = runtime.models.status().filter((status) => status.state === 'failed');
    const what =
      failed.length > 0
        ? failed.map((status) => `model '${status.name}' cannot be loaded (${status.code}): ${status.reason}`).join('; ')
        : oneLine((error as Error).message);
    await stopAtStart(`npm start: ${what}. Fix it, or set ALLOW_PARTIAL_MODELS=true to serve the other models.`);
  }
}
