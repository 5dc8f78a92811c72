/**
 * The ceiling of node:http on this machine: a server that does no work at all and answers
 * every request with the same bytes our service returns for the course's ride (served by
 * the duration model alone, as in the HTTP section), keep-alive on, as a cluster of WEB_CONCURRENCY processes like
 * `WEB_CONCURRENCY=2 npm start`. No server built on node:http can beat it; the HTTP tables show
 * it as a reference.
 *
 *   PORT=8080 WEB_CONCURRENCY=2 npx tsx bench/ceiling-server.ts
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';

const REPLY = JSON.stringify({ duration: 137.32675170898438, model_version: '54c7ff65d8e2', model_versions: { duration: '54c7ff65d8e2' } });
const WORKERS = Number(process.env.WEB_CONCURRENCY ?? 1);

if (WORKERS > 1 && cluster.isPrimary) {
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  serve();
}

function serve(): void {
  const HEADERS = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(REPLY)) };

  const server = createServer({ keepAlive: true }, (req, res) => {
    req.resume(); // read and drop the body
    req.on('end', () => res.writeHead(200, HEADERS).end(REPLY));
  });
  server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
