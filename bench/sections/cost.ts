import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SETTINGS } from '../../infra/settings';
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
} as const;

const HOURS_PER_MONTH = 730;
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
  const webSource = deploy?.warmMs ? 'warm invocation\'s Invoke phase under aws-lambda-ric (deploy section)' : 'in-process handler (api-handler section)';
  if (webMs !== undefined) {
    for (const [label, memory] of [
      [`deployed memory (${memoryMb} MB)`, memoryMb],
      ['128 MB, the smallest size, IF the duration held (not measurable here: Lambda gives 128 MB about 1/14 of a vCPU, so the ms may grow)', 128],
    ] as const) {
      for (const arch of ['x86_64', 'arm64'] as const) {
        const lambda = lambdaCost(webMs, memory, arch, 1e6);
        rows.push([`web: API Gateway HTTP API + Lambda, ${label}`, arch, `${fmt(webMs)} ms → billed ${billedMs(webMs)} ms (${webSource})`, dollars(lambda + PRICES.httpApiPerMillionRequests)]);
      }
    }
  } else notes.push('Web rows need the deploy or api-handler section\'s results (run them first).');

  // Stream: Lambda per 100-record event, plus one PUT payload unit per record in and out, plus shard-hours.
  const perEvent = kinesis?.output ? /^\s*100 records, written to kinesalite:\s*([\d.]+) ms\/event/m.exec(kinesis.output) : null;
  if (perEvent) {
    const ms = Number(perEvent[1]);
    for (const arch of ['x86_64', 'arm64'] as const) {
      const lambda = lambdaCost(ms, memoryMb, arch, 1e6 / 100);
      const putUnits = 2 * PRICES.kinesisPerMillionPutUnits; // each ride in, each prediction out: one 25 KB unit apiece
      rows.push([
        'stream: Lambda per 100-record event + Kinesis PUT units (in and out)',
        arch,
        `${fmt(ms)} ms per 100-record event (kinesis section, output to kinesalite)`,
        `${dollars(lambda + putUnits)} + shard-hours: 2 shards × $${PRICES.kinesisShardHour}/h = $${fmt(2 * PRICES.kinesisShardHour * HOURS_PER_MONTH)}/month`,
      ]);
    }
  } else notes.push('Stream rows need the kinesis section\'s results.');

  // Batch: one invocation per file; per million input rows at the measured 3M-row rate.
  const big = batch?.['3000000']?.ours ?? Object.values(batch ?? {}).find((b) => b.ours)?.ours;
  const bigSeconds = big ? (big.wallSeconds ?? big.seconds) : 0;
  if (big) {
    const msPerMillion = (bigSeconds / big.rowsIn) * 1e6 * 1000;
    for (const arch of ['x86_64', 'arm64'] as const) {
      rows.push([`batch: Lambda (${batchMemoryMb} MB), per million input rows`, arch, `${fmt(bigSeconds)} s for ${fmt(big.rowsIn)} rows, process start → exit (batch-peer section)`, dollars(lambdaCost(msPerMillion, batchMemoryMb, arch, 1))]);
    }
  } else notes.push('Batch rows need the batch-peer section\'s results.');

  // The course's Flask container on the smallest always-on instance: a fixed monthly price.
  const peerBest = http?.points.filter((p) => p.side === 'peer').reduce((best, p) => Math.max(best, p.requestsPerSecond), 0);
  const monthly = PRICES.flaskInstance.perHour * HOURS_PER_MONTH;
  rows.push([
    `course: Flask container on ${PRICES.flaskInstance.name}, always on`,
    'arm64',
    peerBest ? `at most ${fmt(peerBest)} req/s (its best on 2 cores here, http section); an instance half that size serves less` : 'throughput not measured',
    `$${fmt(monthly)}/month whatever the traffic: ${dollars((monthly / (2.628e6)) * 1e6)} per million at 1 req/s average` +
      (peerBest ? `; ${dollars((PRICES.flaskInstance.perHour / (peerBest * 3600)) * 1e6)} per million if saturated at ${fmt(peerBest)} req/s` : ''),
  ]);

  const table: Table = { columns: ['path', 'architecture', 'measured here', '$ per million predictions (AWS list prices)'], rows };
  return {
    id: 'cost',
    title: 'Cost per million predictions (on paper)',
    method:
      `AWS list prices for ${PRICES.region} as of ${PRICES.asOf} (on-demand, no free tier): Lambda $${PRICES.lambdaGbSecond.x86_64}/GB-s x86_64, $${PRICES.lambdaGbSecond.arm64}/GB-s arm64, ` +
      `$${PRICES.lambdaPerMillionRequests} per million requests; API Gateway HTTP API $${PRICES.httpApiPerMillionRequests} per million (first 300 M); Kinesis $${PRICES.kinesisShardHour} per shard-hour and ` +
      `$${PRICES.kinesisPerMillionPutUnits} per million 25 KB PUT payload units; ${PRICES.flaskInstance.name} $${PRICES.flaskInstance.perHour}/h. ` +
      'Durations are measured by this suite (the column says where); Lambda bills each invocation rounded up to the millisecond, so anything under 1 ms costs 1 ms. ' +
      'Stream: one invocation per 100 records (the batch size), one PUT payload unit per ride in and per prediction out, 2 shards always on (the stack\'s input stream is on-demand or provisioned: shard-hours are a monthly floor, not per prediction). ' +
      'Not included: prediction capture (Firehose ingestion, see bench/capture.ts), CloudWatch Logs, data transfer, S3 requests.',
    tables: [table],
    notes,
    targets: [],
    commands: ['npm run bench -- --only cost   # after the sections it reads'],
    data: { prices: PRICES, rows },
  };
}
