// Run by infra/compile-cache.ts with NODE_COMPILE_CACHE set, on the Node binary Lambda runs: loads
// the Lambda asset as the runtime would, answers a health check and the course's prediction (the
// models from disk, no network), then writes Node's compile cache. Plain JavaScript: it runs
// against the built asset, before anything else could be compiled.
//   node infra/compile-cache-warmup.mjs <asset dir>
import { flushCompileCache } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [assetDir] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(join(assetDir, 'index.mjs')).href);

/** An API Gateway HTTP API (payload 2.0) event. */
const event = (method, path, body) => ({
  version: '2.0',
  routeKey: `${method} ${path}`,
  rawPath: path,
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  requestContext: {
    accountId: '000000000000',
    apiId: 'warm-up',
    domainName: 'warm-up',
    domainPrefix: 'warm-up',
    http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'compile-cache warm-up' },
    requestId: 'warm-up',
    routeKey: `${method} ${path}`,
    stage: '$default',
    time: '01/Jan/2026:00:00:00 +0000',
    timeEpoch: 0,
  },
  body,
  isBase64Encoded: false,
});

const replies = [
  await handler(event('GET', '/health')),
  await handler(event('POST', '/predict', JSON.stringify({ PULocationID: 10, DOLocationID: 50, trip_distance: 40 }))),
];
const failed = replies.filter((reply) => reply.statusCode !== 200);
if (failed.length > 0) {
  process.stderr.write(`warm-up replies: ${JSON.stringify(failed)}\n`);
  process.exit(1);
}
flushCompileCache();
process.exit(0);
