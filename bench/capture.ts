/**
 * Capture's cost per prediction, and the delivery route's cost per million, from measured figures:
 * - reply-path cost: `observe` of a 1-ride (HTTP) and a 100-ride (stream) event, µs per record;
 * - Lambda route "direct": a flush (PutRecordBatch) of 1 and 100 records against the loopback
 *   Firehose peer, ms (what an invocation waits before it returns);
 * - Lambda route "logs": one JSON line written to a file descriptor (what a CloudWatch Logs
 *   subscription route costs the invocation), µs;
 * - local directory sink: records/s through flushes of 1,000.
 * Then AWS list prices (us-east-1) turn them into $ per million predictions per route.
 * - Firehose down: reply-path cost, records held and dropped, heap growth, delivery on recovery.
 * Run: `node --expose-gc --import tsx bench/capture.ts` (~5 s). Prints markdown tables.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCapture, type Capture, type CaptureDeps, type CaptureSettings, type PredictionEvent } from '../lambda/observability/capture';
import { toCaptureLine } from '../lambda/observability/capture/capture-record';
import { startFirehoseServer } from '../test/support/firehose-server';
import { fmt, summarize, type Summary } from './stats';

/** us-east-1 list prices (USD) as published on the AWS pricing pages in 2025; not fetched live. */
export const PRICES = Object.freeze({
  firehoseDirectPutPerGb: 0.029, // first 500 TB/month; each record billed rounded up to 5 KB
  firehoseRecordRoundingBytes: 5 * 1024,
  cloudwatchLogsIngestPerGb: 0.5, // Standard class (Lambda vended logs: first 10 TB/month)
  lambdaPerGbSecond: 0.0000166667, // x86_64
});

// Logs and EMF lines are left out: only capture's own work is measured.
const quiet = { warn() {}, error() {}, addMetric() {}, publishStoredMetrics() {} } as unknown as CaptureDeps['logger'] & CaptureDeps['metrics'];

function event(source: PredictionEvent['source'], n: number, seed: number): PredictionEvent {
  return {
    refused: new Set(),
    failures: 0,
    source,
    requestIds: source === 'http' ? [`a1b2c3d4-${seed}`] : Array.from({ length: n }, (_, i) => String(seed * 1000 + i)),
    batch: {
      length: n,
      columns: {
        PULocationID: Float64Array.from({ length: n }, (_, i) => ((seed + i) % 265) + 1),
        DOLocationID: Float64Array.from({ length: n }, (_, i) => ((seed * 7 + i) % 265) + 1),
        trip_distance: Float64Array.from({ length: n }, (_, i) => ((seed + i) % 300) / 10 + 0.1),
      },
    },
    prediction: { outputs: { duration: Float64Array.from({ length: n }, (_, i) => 12.345678 + i) }, versions: { duration: '3f2a9c1e0b7d' } },
  };
}

function settings(location: CaptureSettings['location'], flushIntervalMs = 0): CaptureSettings {
  return {
    location,
    sampleRate: 1,
    maxHeldRecords: 1_000_000,
    maxHeldBytes: 1 << 30,
    flushIntervalMs,
    flushTimeoutMs: 1000,
    maxBatchRecordsPerChunk: 1000,
    maxFileBytes: 64 << 20,
    maxFileSeconds: 600,
  };
}

async function micros(samples: number, perSample: number, fn: (i: number) => Promise<void> | void): Promise<Summary> {
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < perSample; i++) await fn(s * perSample + i);
    times.push(Number(process.hrtime.bigint() - started) / 1e3 / perSample);
  }
  return summarize(times);
}

/** What happens while the destination is down: reply-path cost, what is held and dropped, heap growth. */
export interface DropBenchResult {
  observed: number;
  accepted: number;
  dropped: number;
  heldRecords: number;
  heldBytes: number;
  observeDownUs: Summary;
  heapGrowthMiB: number;
  recoveredDelivered: number;
}

/** 50,000 one-ride requests against a Firehose that answers 503, with the default bounds; then it recovers. */
export async function measureDrops(): Promise<DropBenchResult> {
  const firehose = await startFirehoseServer(['capture']);
  firehose.mode = 'down';
  const bounded = { ...settings({ kind: 'firehose', streamName: 'capture' }, 0), maxHeldRecords: 10_000, maxHeldBytes: 8 * 1024 * 1024 };
  const capture = createCapture(bounded, { logger: quiet, metrics: quiet, firehose: firehose.client({ maxAttempts: 1 }) }) as Capture;
  try {
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const observeDownUs = await micros(100, 500, (i) => {
      capture.observe(event('http', 1, i));
    });
    await capture.flush(1000);
    globalThis.gc?.();
    const heapGrowthMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    const down = capture.stats();
    firehose.mode = 'ok';
    await capture.flush();
    return {
      observed: 50_000,
      accepted: down.accepted,
      dropped: down.dropped,
      heldRecords: down.heldRecords,
      heldBytes: down.heldBytes,
      observeDownUs,
      heapGrowthMiB,
      recoveredDelivered: firehose.lines('capture').length,
    };
  } finally {
    await capture.close(0);
    await firehose.close();
  }
}

export interface CaptureBenchResult {
  lineBytes: number;
  observeHttpUs: Summary;
  observeStreamUsPerRecord: Summary;
  flush1Ms: Summary;
  flush100Ms: Summary;
  logLineUs: Summary;
  directoryRecordsPerSecond: number;
}

export async function measureCapture(): Promise<CaptureBenchResult> {
  const lineBytes = Buffer.byteLength(
    toCaptureLine({
      time: new Date().toISOString(),
      source: 'http',
      id: 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff',
      inputs: { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 },
      outputs: { duration: { output: 18.168945, version: '3f2a9c1e0b7d' } },
    }),
  );
  const firehose = await startFirehoseServer(['capture']);
  const direct = createCapture(settings({ kind: 'firehose', streamName: 'capture' }), {
    logger: quiet,
    metrics: quiet,
    firehose: firehose.client(),
  }) as Capture;
  try {
    // Reply-path cost: observe only (what every prediction pays, whatever the route).
    await micros(5, 200, (i) => direct.observe(event('http', 1, i)));
    await direct.flush();
    const observeHttpUs = await micros(20, 500, (i) => direct.observe(event('http', 1, i)));
    await direct.flush();
    const stream = await micros(20, 20, (i) => direct.observe(event('stream', 100, i)));
    await direct.flush();
    // Direct route: the wait before an invocation returns.
    const flush = async (n: number) =>
      micros(60, 1, async (i) => {
        direct.observe(event(n === 1 ? 'http' : 'stream', n, i));
        await direct.flush();
      });
    await flush(1);
    const flush1 = await flush(1);
    const flush100 = await flush(100);
    // Logs route: one line to a file descriptor (Lambda's stdout is a pipe to its log agent).
    const dir = mkdtempSync(join(tmpdir(), 'capture-bench-'));
    const fd = openSync(join(dir, 'log'), 'w');
    const logLineUs = await micros(20, 500, (i) => {
      writeSync(
        fd,
        `{"level":"INFO","message":"capture","record":${toCaptureLine({ time: new Date().toISOString(), source: 'http', id: String(i), inputs: { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }, outputs: { duration: { output: 18.2, version: 'v' } } }).trimEnd()}}\n`,
      );
    });
    closeSync(fd);
    // Local directory sink throughput.
    const local = createCapture(settings({ kind: 'file', path: dir }), { logger: quiet, metrics: quiet }) as Capture;
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      local.observe(event('stream', 1000, i));
      await local.flush();
    }
    const directoryRecordsPerSecond = 50_000 / ((performance.now() - started) / 1000);
    await local.close(1000);
    rmSync(dir, { recursive: true, force: true });
    return {
      lineBytes,
      observeHttpUs,
      observeStreamUsPerRecord: summarize([stream.median / 100, stream.min / 100, stream.max / 100]),
      flush1Ms: scale(flush1, 1 / 1000),
      flush100Ms: scale(flush100, 1 / 1000),
      logLineUs,
      directoryRecordsPerSecond,
    };
  } finally {
    await direct.close(0);
    await firehose.close();
  }
}

function scale(s: Summary, factor: number): Summary {
  return { median: s.median * factor, min: s.min * factor, max: s.max * factor, runs: s.runs };
}

/** $ per million predictions for each route, given the flush wait an invocation pays (ms). */
export function routeCosts(lineBytes: number, recordsPerInvocation: number, flushMs: number, memoryGb: number) {
  const gb = 1024 ** 3;
  const invocationBytes = lineBytes * recordsPerInvocation;
  // Direct: one packed Firehose record per invocation, rounded up to 5 KB; the invocation waits for the flush.
  const billedBytes = Math.ceil(invocationBytes / PRICES.firehoseRecordRoundingBytes) * PRICES.firehoseRecordRoundingBytes;
  const directFirehose = ((billedBytes / gb) * PRICES.firehoseDirectPutPerGb * 1e6) / recordsPerInvocation;
  const directLambda = ((flushMs / 1000) * memoryGb * PRICES.lambdaPerGbSecond * 1e6) / recordsPerInvocation;
  // Logs: every line ingested by CloudWatch Logs, then (compressed, batched) into Firehose.
  const logs = (lineBytes / gb) * (PRICES.cloudwatchLogsIngestPerGb + PRICES.firehoseDirectPutPerGb) * 1e6;
  return { direct: directFirehose + directLambda, directFirehose, directLambda, logs };
}

async function main(): Promise<void> {
  const r = await measureCapture();
  const row = (what: string, value: string) => console.log(`| ${what} | ${value} |`);
  console.log(`capture bench (${new Date().toISOString()}, node ${process.version}); medians (min–max)\n`);
  console.log('| measured | value |\n| --- | --- |');
  row('capture line, one ride', `${r.lineBytes} bytes`);
  row('observe, 1-ride HTTP request (reply path)', `${fmt(r.observeHttpUs.median)} µs (${fmt(r.observeHttpUs.min)}–${fmt(r.observeHttpUs.max)})`);
  row('observe, 100-ride stream batch, per record', `${fmt(r.observeStreamUsPerRecord.median)} µs`);
  row('flush of 1 record to loopback Firehose (direct route wait)', `${fmt(r.flush1Ms.median)} ms (${fmt(r.flush1Ms.min)}–${fmt(r.flush1Ms.max)})`);
  row('flush of 100 records to loopback Firehose', `${fmt(r.flush100Ms.median)} ms (${fmt(r.flush100Ms.min)}–${fmt(r.flush100Ms.max)})`);
  row('one log line to a file descriptor (logs route wait)', `${fmt(r.logLineUs.median)} µs`);
  row('directory sink', `${fmt(r.directoryRecordsPerSecond)} records/s`);
  const d = await measureDrops();
  console.log('\nFirehose down (503), 50,000 one-ride requests, default bounds (10,000 records / 8 MiB):\n');
  console.log('| measured | value |\n| --- | --- |');
  row('observe while down (reply path)', `${fmt(d.observeDownUs.median)} µs (${fmt(d.observeDownUs.min)}–${fmt(d.observeDownUs.max)})`);
  row('accepted / dropped (counted)', `${d.accepted} / ${d.dropped}`);
  row('held at the end', `${d.heldRecords} records, ${fmt(d.heldBytes / 2 ** 20)} MiB`);
  row('heap growth over the run', `${fmt(d.heapGrowthMiB)} MiB`);
  row('delivered once Firehose recovered', `${d.recoveredDelivered} (every accepted record)`);
  console.log('\n$ per million predictions, us-east-1 list prices, 1 GB function; in-region flush assumed 10 ms (AWS publishes no figure):\n');
  console.log('| path | direct PutRecordBatch | logs subscription → Firehose |\n| --- | --- | --- |');
  for (const [label, n] of [
    ['HTTP, 1 ride/request', 1],
    ['stream, 100 rides/batch', 100],
    ['batch, 1,000 rows/flush', 1000],
  ] as const) {
    const c = routeCosts(r.lineBytes, n, 10, 1);
    console.log(`| ${label} | $${fmt(c.direct)} (Firehose $${fmt(c.directFirehose)} + Lambda wait $${fmt(c.directLambda)}) | $${fmt(c.logs)} |`);
  }
}

if (require.main === module) void main();
