import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import { emptyReadStats, periodBefore, streamCaptureDirectory, streamCaptureFromS3, type CaptureReadStats, type Period } from '../../observability/capture/read-capture';
import type { CaptureRecord } from '../../observability/capture/capture-record';
import { runMonitorOnCapture, type MonitorSummary } from '../../monitoring';
import { SERVICE_NAME } from '../../contract';
import type { Runtime } from '../../services';
import { MonitorEventSchema } from './monitor-event';
import type { MonitorSettings, StorageLocation } from './monitor-settings';

/** The model whose RMSE is the `Rmse` metric when several have actuals (the set's default primary). */
const PRIMARY_MODEL = 'duration';

export interface MonitorDeps {
  s3: S3Client;
  settings: MonitorSettings;
  logger: Pick<Logger, 'info' | 'warn'>;
  metrics: Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>;
}

/**
 * The monitor's dependencies from the process's runtime; throws when MONITOR_* is not configured
 * (the stack sets it on the monitor function only).
 */
export function createMonitorDeps(runtime: Pick<Runtime, 'config' | 's3' | 'logger'>): MonitorDeps {
  const settings = runtime.config.monitor;
  if (!settings) throw new Error('monitor event received but MONITOR_CAPTURE_LOCATION is not set');
  return { s3: runtime.s3, settings, logger: runtime.logger, metrics: new Metrics({ namespace: runtime.config.metricsNamespace, serviceName: SERVICE_NAME }) };
}

/** What a monitor run returns (the invocation's result, the log line). */
export interface MonitorResult {
  period: { from: string; to: string };
  records: number;
  unreadable: number;
  /** records left out of the objects read once MONITOR_MAX_RECORDS was reached */
  truncated: number;
  /** capture objects of the period not read once MONITOR_MAX_RECORDS was reached (objects are read in an order spread over the period) */
  unread_objects: number;
  dataset_drift: boolean;
  drifted_inputs: string[];
  rmse?: number;
  summary: string;
  report: string;
}

/**
 * The scheduled monitor (lambda/monitoring does the maths): reads the last period's capture and the reference profile, runs the
 * report, writes `<output>/<period end date>/summary.json` and `report.html`, and publishes
 * `DriftedInputs`, `DatasetDrift` and (where captured rows carry actuals) `Rmse` as EMF metrics.
 *
 * @example await handleMonitorEvent({ monitor: 'scheduled', time: '2026-11-30T04:00:00Z' }, deps)
 */
export async function handleMonitorEvent(event: unknown, deps: MonitorDeps): Promise<MonitorResult> {
  const request = MonitorEventSchema.parse(event);
  const end = request.time ? new Date(request.time) : new Date();
  const period = periodBefore(end, deps.settings.periodDays);
  const reference = JSON.parse((await readBytes(deps.s3, deps.settings.referenceLocation)).toString('utf8')) as unknown;
  const capture = emptyReadStats();
  const outcome = await runMonitorOnCapture({ reference, current: captureRecords(deps, period, capture), title: `Weekly monitor ${period.from.toISOString().slice(0, 10)} … ${period.to.toISOString().slice(0, 10)}` });
  const folder = end.toISOString().slice(0, 10);
  const summary = await writeOutput(deps, `${folder}/summary.json`, `${JSON.stringify(outcome.summary, null, 2)}\n`, 'application/json');
  const report = await writeOutput(deps, `${folder}/report.html`, outcome.html, 'text/html; charset=utf-8');
  const drifted = Object.entries(outcome.summary.features).filter(([, feature]) => feature.drift).map(([name]) => name);
  const rmse = rmseOf(outcome.summary);
  const result: MonitorResult = {
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    records: outcome.current.rows,
    unreadable: capture.unreadable,
    truncated: capture.truncated,
    unread_objects: capture.unreadFiles,
    dataset_drift: outcome.summary.dataset_drift,
    drifted_inputs: drifted,
    ...(rmse === undefined ? {} : { rmse }),
    summary,
    report,
  };
  publish(result, deps);
  return result;
}

/**
 * The period's capture records, streamed, at most MONITOR_MAX_RECORDS: past that bound the
 * objects are sampled across the whole period (read in a seeded order), never its first days.
 */
function captureRecords(deps: MonitorDeps, period: Period, stats: CaptureReadStats): AsyncGenerator<CaptureRecord> {
  const where = deps.settings.captureLocation;
  const options = { maxRecords: deps.settings.maxRecords, stats };
  return where.kind === 's3' ? streamCaptureFromS3(deps.s3, { bucket: where.bucket, prefix: where.key }, period, options) : streamCaptureDirectory(where.path, { ...options, period });
}

async function readBytes(s3: S3Client, where: StorageLocation): Promise<Buffer> {
  if (where.kind === 'file') return readFile(where.path);
  const object = await s3.send(new GetObjectCommand({ Bucket: where.bucket, Key: where.key }));
  return Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

async function writeOutput(deps: MonitorDeps, name: string, body: string, contentType: string): Promise<string> {
  const where = deps.settings.outputLocation;
  if (where.kind === 's3') {
    const key = `${where.key}${name}`;
    await deps.s3.send(new PutObjectCommand({ Bucket: where.bucket, Key: key, Body: body, ContentType: contentType }));
    return `s3://${where.bucket}/${key}`;
  }
  const path = join(where.path, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, body);
  return path;
}

/** The primary model's RMSE where captured rows had actuals (`quality.duration.rmse`, else the first model's). */
function rmseOf(summary: MonitorSummary): number | undefined {
  const names = Object.keys(summary.quality).sort((a, b) => Number(b === PRIMARY_MODEL) - Number(a === PRIMARY_MODEL));
  for (const name of names) {
    const rmse = summary.quality[name]?.rmse;
    if (typeof rmse === 'number' && Number.isFinite(rmse)) return rmse;
  }
  return undefined;
}

function publish(result: MonitorResult, deps: MonitorDeps): void {
  deps.logger.info('monitor report written', { ...result });
  if (result.truncated > 0 || result.unread_objects > 0) deps.logger.warn('capture beyond MONITOR_MAX_RECORDS was left out; the records read are spread over the period', { truncated: result.truncated, unreadObjects: result.unread_objects });
  deps.metrics.addMetric('DriftedInputs', MetricUnit.Count, result.drifted_inputs.length);
  deps.metrics.addMetric('DatasetDrift', MetricUnit.Count, result.dataset_drift ? 1 : 0);
  deps.metrics.addMetric('MonitoredRecords', MetricUnit.Count, result.records);
  if (result.rmse !== undefined) deps.metrics.addMetric('Rmse', MetricUnit.NoUnit, result.rmse);
  deps.metrics.publishStoredMetrics();
}
