import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  emptyReadStats,
  periodBefore,
  streamCaptureDirectory,
  streamCaptureFromS3,
  type CaptureReadStats,
  type Period,
} from '../../observability/capture/read-capture';
import type { CaptureRecord } from '../../observability/capture/capture-record';
import { ActualsTableBuilder, runMonitorOnCapture, type MonitorSummary } from '../../monitoring';
import { DIMENSIONS, METRICS, QUALITY_METRICS, SERVICE_NAME } from '../../contract';
import { readActualsFromS3, readOneOf, type ActualsRead } from './actuals-source';
import type { Runtime } from '../../services';
import { MonitorEventSchema } from './monitor-event';
import type { MonitorSettings } from '../../config/monitor';
import type { Location } from '../../storage/location';

/** The model whose RMSE is the `Rmse` metric when several have actuals (the set's default primary). */
const PRIMARY_MODEL = 'duration';

export interface MonitorDeps {
  s3: S3Client;
  settings: MonitorSettings;
  logger: Pick<Logger, 'info' | 'warn'>;
  metrics: Pick<Metrics, 'addMetric' | 'addDimensions' | 'publishStoredMetrics'>;
}

/**
 * The monitor's dependencies from the process's runtime; throws when MONITOR_* is not configured
 * (the stack sets it on the monitor function only).
 */
export function createMonitorDeps(runtime: Pick<Runtime, 'config' | 's3' | 'logger'>): MonitorDeps {
  const settings = runtime.config.monitor;
  if (!settings) throw new Error('monitor event received but MONITOR_CAPTURE_LOCATION is not set');
  return { s3: runtime.s3, settings, logger: runtime.logger, metrics: new Metrics({ namespace: runtime.config.metrics.namespace, serviceName: SERVICE_NAME }) };
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
  /** objects and rows of ground truth read for the period (MONITOR_ACTUALS_LOCATION) */
  actuals?: { files: number; rows: number; unreadable_files: number };
  /** per model and version: the figures published as metrics */
  quality: { model: string; version: string; rows: number; rmse: number; mae: number; bias: number; rmse_over_train?: number }[];
  summary: string;
  report: string;
}

/**
 * The scheduled monitor (lambda/monitoring does the maths): reads the last period's capture, the
 * reference profiles (one per model) and the period's ground truth (`actuals/`, joined by ride id),
 * runs the report, writes `<output>/<period end date>/summary.json` and `report.html`, and
 * publishes `DriftedInputs`, `DatasetDrift`, `Rmse` and, per model and model version, RMSE, MAE,
 * bias and RMSE over training RMSE as EMF metrics (lambda/contract.ts QUALITY_METRICS).
 *
 * @example await handleMonitorEvent({ monitor: 'scheduled', time: '2026-11-30T04:00:00Z' }, deps)
 */
export async function handleMonitorEvent(event: unknown, deps: MonitorDeps): Promise<MonitorResult> {
  const request = MonitorEventSchema.parse(event);
  const end = request.time ? new Date(request.time) : new Date();
  const period = periodBefore(end, deps.settings.periodDays);
  const references: unknown[] = [];
  for (const where of deps.settings.referenceLocations) references.push(JSON.parse((await readBytes(deps.s3, where)).toString('utf8')) as unknown);
  const actuals = deps.settings.actualsLocation ? await readActuals(deps, period) : undefined;
  for (const reason of actuals?.unreadable ?? []) deps.logger.warn('an actuals object could not be read; the run goes on without it', { reason });
  // The capture streams through the profile (and the join) record by record: never held whole.
  const capture = emptyReadStats();
  const outcome = await runMonitorOnCapture({
    references,
    current: captureRecords(deps, period, capture),
    ...(actuals ? { actuals: actuals.table } : {}),
    title: `Weekly monitor ${period.from.toISOString().slice(0, 10)} … ${period.to.toISOString().slice(0, 10)}`,
  });
  const folder = end.toISOString().slice(0, 10);
  const summary = await writeOutput(deps, `${folder}/summary.json`, `${JSON.stringify(outcome.summary, null, 2)}\n`, 'application/json');
  const report = await writeOutput(deps, `${folder}/report.html`, outcome.html, 'text/html; charset=utf-8');
  const drifted = Object.entries(outcome.summary.features)
    .filter(([, feature]) => feature.drift)
    .map(([name]) => name);
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
    ...(actuals ? { actuals: { files: actuals.files, rows: actuals.table.rows, unreadable_files: actuals.unreadable.length } } : {}),
    quality: Object.entries(outcome.summary.quality).flatMap(([model, q]) =>
      q.by_version.map((v) => ({
        model,
        version: v.version,
        rows: v.rows,
        rmse: v.rmse,
        mae: v.mae,
        bias: v.bias,
        ...(v.rmse_over_train === undefined ? {} : { rmse_over_train: v.rmse_over_train }),
      })),
    ),
    summary,
    report,
  };
  publish(result, outcome.summary, deps);
  return result;
}

/** The period's ground truth: objects under `actuals/dt=<day>/` (S3) or files in `<dir>/dt=<day>/`, for each day of the period. */
async function readActuals(deps: MonitorDeps, period: { from: Date; to: Date }): Promise<ActualsRead> {
  const where = deps.settings.actualsLocation;
  const days = daysOf(period);
  if (!where) return { table: new ActualsTableBuilder().finish(), files: 0, unreadable: [] };
  if (where.kind === 's3') return readActualsFromS3(deps.s3, { bucket: where.bucket, prefix: where.key }, days);
  const builder = new ActualsTableBuilder();
  const unreadable: string[] = [];
  let files = 0;
  for (const day of days) {
    const dir = join(where.path, `dt=${day}`);
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    // Files only, as the capture reader: a symbolic link is not followed (it would count a file twice).
    for (const name of entries
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort()) {
      await readOneOf(builder, { kind: 'file', path: join(dir, name) }, undefined, unreadable);
      files++;
    }
  }
  return { table: builder.finish(), files, unreadable };
}

/** The `YYYY-MM-DD` days a period touches (UTC). */
function daysOf(period: { from: Date; to: Date }): string[] {
  const DAY = 86_400_000;
  const days: string[] = [];
  for (let t = Math.floor(period.from.getTime() / DAY) * DAY; t < period.to.getTime(); t += DAY) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/**
 * The period's capture records, streamed, at most MONITOR_MAX_RECORDS: past that bound the
 * objects are sampled across the whole period (read in a seeded order), never its first days.
 */
function captureRecords(deps: MonitorDeps, period: Period, stats: CaptureReadStats): AsyncGenerator<CaptureRecord> {
  const where = deps.settings.captureLocation;
  const options = { maxRecords: deps.settings.maxRecords, stats };
  return where.kind === 's3'
    ? streamCaptureFromS3(deps.s3, { bucket: where.bucket, prefix: where.key }, period, options)
    : streamCaptureDirectory(where.path, { ...options, period });
}

async function readBytes(s3: S3Client, where: Location): Promise<Buffer> {
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

/**
 * The run's metrics as EMF: the drift verdicts and the primary model's RMSE under `[service]`
 * (as before), then one record per model and version with RMSE, MAE, bias, rows joined and RMSE
 * over training RMSE under `[service, model, model_version]` and `[service, model]` — the alarm
 * per model watches the second set's Maximum, i.e. its worst version — and the join's unmatched
 * counts per model.
 */
function publish(result: MonitorResult, summary: MonitorSummary, deps: MonitorDeps): void {
  deps.logger.info('monitor report written', { ...result });
  if (result.truncated > 0 || result.unread_objects > 0)
    deps.logger.warn('capture beyond MONITOR_MAX_RECORDS was left out; the records read are spread over the period', {
      truncated: result.truncated,
      unreadObjects: result.unread_objects,
    });
  const { metrics } = deps;
  metrics.addMetric(METRICS.driftedInputs, MetricUnit.Count, result.drifted_inputs.length);
  metrics.addMetric('DatasetDrift', MetricUnit.Count, result.dataset_drift ? 1 : 0);
  metrics.addMetric('MonitoredRecords', MetricUnit.Count, result.records);
  if (result.rmse !== undefined) metrics.addMetric(METRICS.rmse, MetricUnit.NoUnit, result.rmse);
  metrics.publishStoredMetrics();
  for (const q of result.quality) {
    if (q.rows === 0) continue;
    metrics.addDimensions({ [DIMENSIONS.model]: q.model, [DIMENSIONS.modelVersion]: q.version });
    metrics.addDimensions({ [DIMENSIONS.model]: q.model });
    metrics.addMetric(QUALITY_METRICS.rmse, MetricUnit.NoUnit, q.rmse);
    metrics.addMetric(QUALITY_METRICS.mae, MetricUnit.NoUnit, q.mae);
    metrics.addMetric(QUALITY_METRICS.bias, MetricUnit.NoUnit, q.bias);
    metrics.addMetric(QUALITY_METRICS.rowsJoined, MetricUnit.Count, q.rows);
    if (q.rmse_over_train !== undefined) metrics.addMetric(QUALITY_METRICS.rmseOverTraining, MetricUnit.NoUnit, q.rmse_over_train);
    metrics.publishStoredMetrics();
  }
  for (const [model, quality] of Object.entries(summary.quality)) {
    if (!quality.unmatched) continue;
    metrics.addDimensions({ [DIMENSIONS.model]: model });
    metrics.addMetric(QUALITY_METRICS.capturedWithoutActual, MetricUnit.Count, quality.unmatched.captured_without_actual);
    metrics.addMetric(QUALITY_METRICS.actualsWithoutCapture, MetricUnit.Count, quality.unmatched.actuals_without_capture);
    metrics.publishStoredMetrics();
  }
}
