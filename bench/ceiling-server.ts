/**
 * The ceiling of node:http on this machine: a server that does no work at all and answers
 * every request with the same bytes our service returns for the course's ride, keep-alive
 * on. No server built on node:http can beat it; the HTTP tables show it as a reference.
 *
 *   PORT=8080 npx tsx bench/ceiling-server.ts
 */
import { createServer } from 'node:http';

const REPLY = JSON.stringify({ duration: 137.32675170898438, model_version: '54c7ff65d8e2' });
const HEADERS = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(REPLY)) };

const server = createServer({ keepAlive: true }, (req, res) => {
  req.resume(); // read and drop the body
  req.on('end', () => res.writeHead(200, HEADERS).end(REPLY));
});
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
