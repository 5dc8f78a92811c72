/**
 * `npm run soak`: bounded soak tests on loopback, outside `npm test` (about a minute each).
 *
 * 1. web: starts the local server as `npm start` does, warms it up, then sends 100,000 requests
 *    over 64 keep-alive connections (autocannon). Passes with zero errors and non-2xx, and the
 *    server's RSS after the run ≤ 1.2 × its RSS after warm-up.
 * 2. stream: 100,000 ride events over 2 shards of a local Kinesis through the local event
 *    source mapping into the real handler. Passes when every ride is in the predictions stream.
 *
 *   npm run soak               # both
 *   npm run soak -- web        # or one
 *   SOAK_REQUESTS=20000 SOAK_RECORDS=20000 npm run soak   # shorter
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { Logger } from '@aws-lambda-powertools/logger';
import { handleKinesisEvent, type PredictionRecord } from '../../lambda/protocols/kinesis/stream-handler';
import { createDeadLetterWriter } from '../../lambda/protocols/kinesis/dead-letters';
import { KinesisPoller } from '../../lambda/local/kinesis-poller';
import { createLocalKinesisClient, createStream, startLocalKinesis } from '../../lambda/local/local-kinesis';
import { loadServedModel } from '../../lambda/repository';
import { createModelSet } from '../../lambda/model/model-set';
import { DEFAULT_MODEL_PATH } from '../../lambda/config/index';
import { putPayloads, readAll } from '../support/kinesis-server';
import { rideNumber } from '../support/events';
import { freePort } from '../support/loopback';
import { recordingMetrics } from '../support/recorders';
import { LAUNCHER } from '../support/local-programs';
import { testDataplane } from '../support/dataplane';

const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 100_000);
const RECORDS = Number(process.env.SOAK_RECORDS ?? 100_000);
const ROOT = resolve(__dirname, '..', '..');

interface Outcome {
  name: string;
  passed: boolean;
  lines: string[];
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

async function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [LAUNCHER, 'server'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), POWERTOOLS_LOG_LEVEL: 'WARN', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', WEB_CONCURRENCY: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let attempt = 0; attempt < 300; attempt++) {
    const healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) return { child, port };
    await new Promise((done) => setTimeout(done, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the server did not become healthy in 30 s');
}

function load(port: number, amount: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}/predict`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ PULocationID: 10, DOLocationID: 50, trip_distance: 40 }),
    connections: 64,
    amount,
    timeout: 10,
  });
}

async function soakWeb(): Promise<Outcome> {
  const { child, port } = await startServer();
  try {
    await load(port, 10_000);
    const warm = rssMb(child.pid as number);
    const started = Date.now();
    const result = await load(port, REQUESTS);
    const after = rssMb(child.pid as number);
    const seconds = (Date.now() - started) / 1000;
    const failures = result.errors + result.timeouts + result.non2xx;
    const passed = failures === 0 && result.requests.total >= REQUESTS && after <= warm * 1.2;
    return {
      name: 'web',
      passed,
      lines: [
        `${result.requests.total} requests at 64 connections in ${seconds.toFixed(1)} s (${Math.round(result.requests.total / seconds)} req/s)`,
        `errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}`,
        `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
        `RSS after warm-up ${warm.toFixed(1)} MB, after the soak ${after.toFixed(1)} MB (${(after / warm).toFixed(2)}×, limit 1.2×)`,
      ],
    };
  } finally {
    child.kill('SIGTERM');
  }
}

async function soakStream(): Promise<Outcome> {
  const local = await startLocalKinesis(0, 10);
  const kinesis = createLocalKinesisClient(local.endpoint, 3);
  const scratch = mkdtempSync(join(tmpdir(), 'soak-'));
  try {
    await createStream(kinesis, 'soak_rides', 2);
    await createStream(kinesis, 'soak_predictions', 2);
    const entries = Array.from({ length: RECORDS }, (_, i) => ({ partitionKey: String(i), data: JSON.stringify({ ride: rideNumber(i), ride_id: i }) }));
    await putPayloads(kinesis, 'soak_rides', entries);
    const service = createModelSet([await loadServedModel({ name: 'duration', location: { kind: 'file', path: DEFAULT_MODEL_PATH } })]);
    const deps = {
      getModels: async () => service,
      dataplane: testDataplane(),
      kinesis,
      predictionsStreamName: 'soak_predictions',
      testRun: false,
      deadLetters: createDeadLetterWriter({ kind: 'file', path: join(scratch, 'dead-letters') }),
      logger: new Logger({ logLevel: 'WARN' }),
      metrics: recordingMetrics(),
    };
    const started = Date.now();
    const poller = await KinesisPoller.start({
      kinesis,
      streamName: 'soak_rides',
      batchSize: 500,
      handler: (event) => handleKinesisEvent(event, deps),
      retryDelayMs: () => 10,
    });
    const stats = await poller.drain();
    const seconds = (Date.now() - started) / 1000;
    const ids = new Set((await readAll(kinesis, 'soak_predictions')).map((r) => (JSON.parse(r.data.toString('utf8')) as PredictionRecord).prediction.ride_id));
    const missing = RECORDS - ids.size;
    return {
      name: 'stream',
      passed: missing === 0,
      lines: [
        `${RECORDS} records over 2 shards, ${stats.invocations} invocations, ${stats.redeliveries} re-deliveries, ${seconds.toFixed(1)} s (${Math.round(RECORDS / seconds)} records/s)`,
        `predictions present for ${ids.size} distinct rides; missing ${missing}`,
      ],
    };
  } finally {
    kinesis.destroy();
    await local.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const which = process.argv[2];
  const outcomes: Outcome[] = [];
  if (!which || which === 'web') outcomes.push(await soakWeb());
  if (!which || which === 'stream') outcomes.push(await soakStream());
  for (const o of outcomes) console.log([`soak ${o.name}: ${o.passed ? 'PASS' : 'FAIL'}`, ...o.lines.map((l) => `  ${l}`)].join('\n'));
  process.exit(outcomes.every((o) => o.passed) ? 0 : 1);
}

void main();
