import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_SETTINGS } from '../../infra/settings';
import { addPredictStack } from '../../infra/predict-app';
import { createTestApp } from '../../test/support/cdk-app';
import type { HttpData } from './http';
import type { BenchContext, Section, Table } from '../section';
import { fmt } from '../stats';

/**
 * Dollars per million predictions, on paper: AWS list prices (constants below, region and date
 * stated) times the durations this suite measured in its other sections (read from their saved
 * results in the work directory, so run this section last). Every row says which of its figures
 * are measured here and which are AWS's.
 */

/** AWS list prices, us-east-1, as of 2026-11-28 (on-demand, no free tier, no savings plans). */
export const PRICES = {
  region: 'us-east-1',
  asOf: '2026-11-28',
  lambdaGbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 },
  lambdaPerMillionRequests: 0.2,
  httpApiPerMillionRequests: 1.0, // first 300 million a month
  kinesisShardHour: 0.015, // provisioned shard
  kinesisPerMillionPutUnits: 0.014, // 25 KB payload units
  /** the smallest always-on home for the course's Flask container: EC2 t4g.micro (2 vCPU burstable, 1 GiB), Linux on-demand */
  flaskInstance: { name: 'EC2 t4g.micro (2 vCPU burstable, 1 GiB), on-demand Linux', perHour: 0.0084 },
  /** what a deployment pays with no traffic (the idle table); published list prices, not re-checked online from this machine */
  idle: {
    kinesisOnDemandStreamHour: 0.04,
    cloudWatchAlarmMetricMonth: { standard: 0.1, highResolution: 0.3 },
    logsStorageGbMonth: 0.03,
    s3StandardGbMonth: 0.023,
    firehosePerGbIngested: 0.029,
  },
} as const;

const HOURS_PER_MONTH = 730;
/**
 * Lambda rows are priced for x86_64 only: arm64 is 20 % cheaper per GB-second, but onnxruntime has
 * an open report of aborting at start on arm64 Lambda (microsoft/onnxruntime#10038) and nothing
 * here has shown it running there, so the table recommends nothing it cannot vouch for.
 */
const LAMBDA_ARCHITECTURES = ['x86_64'] as const;
/** Lambda bills duration rounded up to the millisecond, per invocation. */
const billedMs = (ms: number) => Math.max(1, Math.ceil(ms));
const lambdaCost = (ms: number, memoryMb: number, arch: 'x86_64' | 'arm64', invocations: number) =>
  invocations * ((billedMs(ms) / 1000) * (memoryMb / 1024) * PRICES.lambdaGbSecond[arch] + PRICES.lambdaPerMillionRequests / 1e6);

function saved<T>(context: BenchContext, id: string): T | undefined {
  const file = join(context.workDir, `${id}.json`);
  if (!existsSync(file)) return undefined;
  const section = JSON.parse(readFileSync(file, 'utf8')) as { data?: T; skipped?: string };
  return section.skipped ? undefined : section.data;
}

const dollars = (value: number) => `$${value < 0.01 ? value.toFixed(4) : value < 10 ? value.toFixed(3) : fmt(value)}`;

export async function run(context: BenchContext): Promise<Section> {
  const memoryMb = DEFAULT_SETTINGS.predictMemoryMb;
  const batchMemoryMb = DEFAULT_SETTINGS.batchMemoryMb;
  const deploy = saved<{ warmMs?: { median: number } }>(context, 'deploy');
  const apiHandler = saved<{ perRequest?: { median: number } }>(context, 'api-handler');
  const kinesis = saved<{ output?: string }>(context, 'kinesis');
  const batch = saved<Record<string, { ours?: { rowsIn: number; seconds: number; wallSeconds?: number } }>>(context, 'batch-peer');
  const http = saved<HttpData>(context, 'http');
  const notes: string[] = [];
  const rows: (string | number)[][] = [];

  // Web: one invocation per prediction. The warm invocation's Invoke phase under the runtime client
  // (deploy section: the reply and the work after it) is what Lambda bills; the in-process handler time is the floor.
  const webMs = deploy?.warmMs?.median ?? (apiHandler?.perRequest ? apiHandler.perRequest.median / 1000 : undefined);
  const webSource = deploy?.warmMs ? "warm invocation's Invoke phase under aws-lambda-ric (deploy section)" : 'in-process handler (api-handler section)';
  if (webMs !== undefined) {
    for (const [label, memory] of [
      [`deployed memory (${memoryMb} MB)`, memoryMb],
      ['128 MB, the smallest size, IF the duration held (not measurable here: Lambda gives 128 MB about 1/14 of a vCPU, so the ms may grow)', 128],
    ] as const) {
      for (const arch of LAMBDA_ARCHITECTURES) {
        const lambda = lambdaCost(webMs, memory, arch, 1e6);
        rows.push([
          `web: API Gateway HTTP API + Lambda, ${label}`,
          arch,
          `${fmt(webMs)} ms → billed ${billedMs(webMs)} ms (${webSource})`,
          dollars(lambda + PRICES.httpApiPerMillionRequests),
        ]);
      }
    }
  } else notes.push("Web rows need the deploy or api-handler section's results (run them first).");

  // Stream: Lambda per 100-record event, plus one PUT payload unit per record in and out, plus shard-hours.
  const perEvent = kinesis?.output ? /^\s*100 records, written to kinesalite:\s*([\d.]+) ms\/event/m.exec(kinesis.output) : null;
  if (perEvent) {
    const ms = Number(perEvent[1]);
    for (const arch of LAMBDA_ARCHITECTURES) {
      const lambda = lambdaCost(ms, memoryMb, arch, 1e6 / 100);
      const putUnits = 2 * PRICES.kinesisPerMillionPutUnits; // each ride in, each prediction out: one 25 KB unit apiece
      rows.push([
        'stream: Lambda per 100-record event + Kinesis PUT units (in and out)',
        arch,
        `${fmt(ms)} ms per 100-record event (kinesis section, output to kinesalite)`,
        `${dollars(lambda + putUnits)} + the streams' hourly floor (idle table)`,
      ]);
    }
  } else notes.push("Stream rows need the kinesis section's results.");

  // Batch: one invocation per file; per million input rows at the measured 3M-row rate.
  const big = batch?.['3000000']?.ours ?? Object.values(batch ?? {}).find((b) => b.ours)?.ours;
  const bigSeconds = big ? (big.wallSeconds ?? big.seconds) : 0;
  if (big) {
    const msPerMillion = (bigSeconds / big.rowsIn) * 1e6 * 1000;
    for (const arch of LAMBDA_ARCHITECTURES) {
      rows.push([
        `batch: Lambda (${batchMemoryMb} MB), per million input rows`,
        arch,
        `${fmt(bigSeconds)} s for ${fmt(big.rowsIn)} rows, process start → exit (batch-peer section)`,
        dollars(lambdaCost(msPerMillion, batchMemoryMb, arch, 1)),
      ]);
    }
  } else notes.push("Batch rows need the batch-peer section's results.");

  // The course's Flask container on the smallest always-on instance: a fixed monthly price.
  const peerBest = http?.points.filter((p) => p.side === 'peer').reduce((best, p) => Math.max(best, p.requestsPerSecond), 0);
  const monthly = PRICES.flaskInstance.perHour * HOURS_PER_MONTH;
  rows.push([
    `course: Flask container on ${PRICES.flaskInstance.name}, always on`,
    'arm64',
    peerBest ? `at most ${fmt(peerBest)} req/s (its best on 2 cores here, http section); an instance half that size serves less` : 'throughput not measured',
    `$${fmt(monthly)}/month whatever the traffic: ${dollars((monthly / 2.628e6) * 1e6)} per million at 1 req/s average` +
      (peerBest ? `; ${dollars((PRICES.flaskInstance.perHour / (peerBest * 3600)) * 1e6)} per million if saturated at ${fmt(peerBest)} req/s` : ''),
  ]);

  const table: Table = { columns: ['path', 'architecture', 'measured here', '$ per million predictions (AWS list prices)'], rows };
  const idle = idleCost(big ? lambdaCost((bigSeconds / big.rowsIn) * 3e6 * 1000, batchMemoryMb, 'x86_64', 1) : undefined);
  notes.push(
    'arm64 is not priced: its Lambda GB-second is 20 % cheaper, but onnxruntime has an open report of aborting at start on arm64 Lambda (microsoft/onnxruntime#10038: cpuinfo cannot read /sys/devices/system/cpu/possible), nothing here has shown it running there, and `-c architecture=arm64` warns at synth.',
    ...idle.notes,
  );
  return {
    id: 'cost',
    title: 'Cost per million predictions (on paper)',
    method:
      `AWS list prices for ${PRICES.region} as of ${PRICES.asOf} (on-demand, no free tier): Lambda $${PRICES.lambdaGbSecond.x86_64}/GB-s x86_64, ` +
      `$${PRICES.lambdaPerMillionRequests} per million requests (x86_64 only, see below); API Gateway HTTP API $${PRICES.httpApiPerMillionRequests} per million (first 300 M); Kinesis $${PRICES.kinesisShardHour} per shard-hour and ` +
      `$${PRICES.kinesisPerMillionPutUnits} per million 25 KB PUT payload units; ${PRICES.flaskInstance.name} $${PRICES.flaskInstance.perHour}/h. ` +
      'Durations are measured by this suite (the column says where); Lambda bills each invocation rounded up to the millisecond, so anything under 1 ms costs 1 ms. ' +
      "Stream: one invocation per 100 records (the batch size), one PUT payload unit per ride in and per prediction out (provisioned pricing); the streams' hourly charge is a monthly floor, not per prediction: it is in the idle table. " +
      'Not included: prediction capture (Firehose ingestion, see bench/capture.ts), CloudWatch Logs, data transfer, S3 requests.',
    tables: [table, idle.table],
    notes,
    targets: [],
    commands: ['npm run bench -- --only cost   # after the sections it reads'],
    data: { prices: PRICES, rows, idle: { rows: idle.table.rows, monthly: idle.monthly } },
  };
}

/** The resources of one synthesized stack that bill by the hour or month, priced. */
interface IdleCount {
  streams: number;
  onDemand: number;
  shards: number;
  alarms: number;
  alarmMetrics: number;
  highResolution: boolean;
  logGroups: number;
  retention: string;
  firehoses: number;
  streamDollars: number;
  alarmDollars: number;
  total: number;
}

/** Synthesizes the stack (no bundling) with `context` and counts what bills while idle. */
function idleCount(context: Record<string, unknown>): IdleCount {
  const app = createTestApp({ context });
  try {
    const resources = Object.values(
      Template.fromStack(addPredictStack(app.app, undefined)).toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>,
    );
    const ofType = (type: string) => resources.filter((r) => r.Type === type).map((r) => r.Properties ?? {});
    const streams = ofType('AWS::Kinesis::Stream');
    const onDemand = streams.filter((p) => (p.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode === 'ON_DEMAND').length;
    const shards = streams.reduce((sum, p) => sum + Number(p.ShardCount ?? 0), 0);
    const alarms = ofType('AWS::CloudWatch::Alarm').map((p) => ({
      metrics: p.MetricName ? 1 : ((p.Metrics as Array<{ MetricStat?: unknown }> | undefined) ?? []).filter((m) => m.MetricStat).length,
      highResolution: Number(p.Period ?? 60) < 60,
    }));
    const alarmDollars = alarms.reduce(
      (sum, a) =>
        sum + a.metrics * (a.highResolution ? PRICES.idle.cloudWatchAlarmMetricMonth.highResolution : PRICES.idle.cloudWatchAlarmMetricMonth.standard),
      0,
    );
    const logGroups = ofType('AWS::Logs::LogGroup');
    const streamDollars = (onDemand * PRICES.idle.kinesisOnDemandStreamHour + shards * PRICES.kinesisShardHour) * HOURS_PER_MONTH;
    return {
      streams: streams.length,
      onDemand,
      shards,
      alarms: alarms.length,
      alarmMetrics: alarms.reduce((sum, a) => sum + a.metrics, 0),
      highResolution: alarms.some((a) => a.highResolution),
      logGroups: logGroups.length,
      retention: [...new Set(logGroups.map((p) => p.RetentionInDays))].join(', '),
      firehoses: ofType('AWS::KinesisFirehose::DeliveryStream').length,
      streamDollars,
      alarmDollars,
      total: streamDollars + alarmDollars,
    };
  } finally {
    app.cleanup();
  }
}

/**
 * What the deployed stack costs per month with no traffic at all: the resources of the
 * synthesized templates (default settings, and `-c preset=demo`; no bundling) that bill by the
 * hour or month, each counted from the template, times list prices. Per-request and per-GB
 * charges are zero idle. docs/deploy.md points here for this figure.
 */
function idleCost(batchRunDollars: number | undefined): { table: Table; monthly: { default: number; demo: number }; notes: string[] } {
  const standard = idleCount({});
  const demo = idleCount({ preset: 'demo' });
  const streamsOf = (c: IdleCount) =>
    `${c.streams}: ${c.onDemand > 0 ? `${c.onDemand} on-demand` : ''}${c.onDemand > 0 && c.shards > 0 ? ', ' : ''}${c.shards > 0 ? `${c.shards} provisioned shards` : ''}`;
  const rows: (string | number)[][] = [
    [
      'Kinesis streams (ride events in, predictions out)',
      `${streamsOf(standard)} (the default)`,
      `$${PRICES.idle.kinesisOnDemandStreamHour} per on-demand stream-hour`,
      `$${fmt(standard.streamDollars)}`,
    ],
    ['  with `-c preset=demo`', streamsOf(demo), `$${PRICES.kinesisShardHour} per shard-hour`, `$${fmt(demo.streamDollars)}`],
    [
      'CloudWatch alarms',
      `${standard.alarms}, ${standard.alarmMetrics} metrics, ${standard.highResolution ? 'some' : 'none'} high-resolution`,
      `$${PRICES.idle.cloudWatchAlarmMetricMonth.standard} per alarm metric-month`,
      `$${fmt(standard.alarmDollars)}`,
    ],
    ['  with `-c preset=demo`', `${demo.alarms} (the deployment's rollback alarms), ${demo.alarmMetrics} metrics`, '', `$${fmt(demo.alarmDollars)}`],
    ['Firehose delivery stream (capture)', String(standard.firehoses), `$${PRICES.idle.firehosePerGbIngested}/GB ingested, nothing per hour`, '$0'],
    [
      'CloudWatch log groups',
      `${standard.logGroups}, ${standard.retention}-day retention (demo: ${demo.retention})`,
      `$${PRICES.idle.logsStorageGbMonth}/GB-month stored`,
      '$0 new; what the last retention period logged stays billed until it expires',
    ],
    ['Lambda, API Gateway, SQS (on-failure queue), EventBridge, CodeDeploy', '', 'per request / invocation', '$0'],
    [
      'Scheduled runs: batch (monthly), drift monitor (weekly)',
      '',
      'Lambda duration per run',
      batchRunDollars === undefined
        ? 'a few cents at most'
        : `${dollars(batchRunDollars)} per 3M-row batch run (batch-peer section); the monitor's weekly run is of the same order`,
    ],
    ['**Total, idle**', '', '', `**$${fmt(standard.total)}/month** (default); $${fmt(demo.total)}/month with \`-c preset=demo\``],
  ];
  return {
    table: {
      caption: 'Idle cost of a deployment: what it pays per month with no traffic (counted from the synthesized templates, default and `-c preset=demo`)',
      columns: ['component', 'in the stack', 'price', '$ per month, idle'],
      rows,
    },
    monthly: { default: standard.total, demo: demo.total },
    notes: [
      `The idle floor is the streams: on-demand Kinesis bills every stream-hour whatever the traffic; \`-c preset=demo\` (one provisioned shard each, only the rollback alarms) is ${fmt(standard.total / demo.total)}× cheaper idle but caps each stream at 1 MB/s or 1,000 records/s in. Idle prices (on-demand stream-hour, alarms, log storage, Firehose, S3) are published list prices, not re-checked online from this machine.`,
      'EMF custom metrics bill $0.30 per metric-month only in hours they receive data: zero idle. The model objects in S3 are kilobytes ($0.023/GB-month).',
    ],
  };
}
