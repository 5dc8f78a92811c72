import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import cluster from 'node:cluster';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig, type Config } from '../config';
import { handleHttpRequest, type HttpDeps, type HttpRequest } from '../adapters/http';
import { SERVICE_NAME, createRuntime } from '../runtime';
import { runCluster } from './cluster';

/**
 * The web service on node:http, for `npm start` and the Dockerfile: the same adapter the
 * Lambda function uses, keep-alive on.
 */
export function createHttpServer(deps: HttpDeps): Server {
  const server = createServer({ keepAlive: true }, (req, res) => {
    readBody(req, deps.maxBodyBytes)
      .then((body) => {
        const request: HttpRequest = { method: req.method ?? 'GET', path: pathOf(req.url), headers: req.headers as HttpRequest['headers'], body };
        return handleHttpRequest(request, deps);
      })
      .then((response) => send(res, response.statusCode, response.headers, response.body))
      .catch((error: unknown) => {
        if (error instanceof BodyTooLargeError) {
          res.setHeader('connection', 'close');
          send(res, 413, { 'content-type': 'application/json' }, JSON.stringify({ error: error.message }));
          return;
        }
        deps.onUnexpectedError(error);
        send(res, 500, { 'content-type': 'application/json' }, JSON.stringify({ error: 'internal error' }));
      });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

class BodyTooLargeError extends Error {}

/** Reads the body, stopping as soon as it passes the limit (no unbounded buffering). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(new BodyTooLargeError(`body is ${declared} bytes; the limit is ${limit}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError(`body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
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

/**
 * `npm start`: serve on HOST:PORT (127.0.0.1:9696) until SIGINT/SIGTERM, then drain and exit.
 * With WEB_CONCURRENCY > 1, a cluster of that many server processes shares the port.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (config.http.workers > 1 && cluster.isPrimary) {
    runCluster(config.http.workers, new Logger({ serviceName: SERVICE_NAME }));
    return;
  }
  await serve(config);
}

async function serve(config: Config): Promise<void> {
  const started = performance.now();
  const runtime = createRuntime(config);
  const { host, port } = runtime.config.http;
  const server = createHttpServer(runtime.http);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  runtime.logger.info(`listening on http://${address.address}:${address.port}`, { host: address.address, port: address.port });
  if (runtime.capture) runtime.logger.info('capturing predictions', { location: runtime.capture.description, sampleRate: config.capture.sampleRate });
  runtime.models.get().then(
    (service) => runtime.logger.info('ready', { modelVersion: service.modelVersion, startupMs: Math.round(performance.now() - started) }),
    () => undefined, // already logged by the runtime; requests answer 503 and retry the load
  );
  const shutdown = (signal: string) => {
    runtime.logger.info('shutting down', { signal });
    // Held capture records are written before the process exits (bounded by the same timeout).
    server.close(() => void (runtime.capture?.close(2_000) ?? Promise.resolve()).finally(() => process.exit(0)));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) void main();
