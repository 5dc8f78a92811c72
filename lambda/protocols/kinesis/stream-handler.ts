import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ModelSet } from '../../model/model-set';
import type { SetPrediction } from '../../model/observers';
import type { Dataplane } from '../../serving/dataplane';
import { toBatch } from '../../model/request-schema';
import { describeNonFinite, type NonFiniteOutput } from '../../serving/non-finite';
import { failedModelOf, type PredictError } from '../../serving/errors';
import type { DeadLetter, DeadLetterWriter } from './dead-letters';
import { checkRide, decodeRideEnvelope, type DecodedEnvelope, type DecodedRecord, type PoisonReason, type RideEvent, type RideId } from './ride-event';
import { readRecordEnvelope, type RecordEnvelope } from './kinesis-envelope';
import type { ServiceMetrics } from '../../observability/metrics/service-metrics';
import { putRecordsInOrder, type OutgoingRecord, type PutRetryPolicy } from './ordered-put-records';
import { newTrace, type TraceContext } from '../../observability/trace';

/*
 * Why not Powertools' BatchProcessor: it calls a handler per record (in parallel by default),
 * and reports exactly the records that threw. Here all valid records must go through ONE model
 * run and ONE ordered PutRecords sequence, and a failure must also report every later record of
 * the shard (Lambda restarts the shard at the lowest reported sequence number; a later record
 * reported as done would be written twice and out of order). Fitting that into a per-record
 * handler would mean precomputing every outcome and replaying it, so the same contract
 * (`batchItemFailures` by sequence number, ReportBatchItemFailures on the mapping) is built here
 * directly, in the shape Powertools returns.
 */

export const MODEL_NAME = 'ride_duration_prediction_model';

/**
 * The output record, as the course's consumers read it: `version` is the primary model's
 * (duration's), `prediction` holds `ride_<name>` for every model, and `versions` names the
 * version of each model that answered.
 */
export interface PredictionRecord {
  model: typeof MODEL_NAME;
  version: string;
  prediction: { ride_id: RideId } & Record<`ride_${string}`, number | RideId>;
  versions: Record<string, string>;
}

/** TEST_RUN=True: nothing is written; the predictions (and any poison records) are returned. */
export interface TestRunResponse {
  predictions: PredictionRecord[];
  dead_letters?: DeadLetter[];
}

export interface KinesisDeps {
  /** resolves to every model (one snapshot per batch); rejects, naming the model, while one cannot be loaded (→ the batch is retried) */
  getModels(): Promise<ModelSet>;
  /** the one inference path (it tells metrics, capture and shadows) */
  dataplane: Dataplane;
  kinesis: KinesisClient;
  predictionsStreamName: string;
  testRun: boolean;
  /** unset when DEAD_LETTER_LOCATION is: poison records are then reported failed, never dropped */
  deadLetters?: DeadLetterWriter;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics: Pick<Metrics, 'addMetric' | 'publishStoredMetrics'>;
  /** the metrics the rollback alarms watch: dead-lettered records, and records failed on the service's account */
  serviceMetrics?: Pick<ServiceMetrics, 'recordsDeadLettered' | 'failed'>;
  putRetry?: PutRetryPolicy;
}

/** One input record with its decoding and the shard it came from. */
interface Inbound {
  /** position in the event */
  index: number;
  record: KinesisStreamRecord;
  shard: string;
  decoded: DecodedRecord;
}

interface Valid extends Inbound {
  decoded: { ok: true; event: RideEvent };
}

interface BatchStats {
  predicted: number;
  written: number;
  deadLettered: number;
  retried: number;
  failed: number;
  modelMs?: number;
}

/**
 * Kinesis ride events → predictions stream. Decodes every record, predicts all valid ones in one
 * model run, dead-letters poison records, writes predictions in shard order and reports what must
 * be retried as `batchItemFailures`: for each shard, its first unfinished record and all after it.
 *
 * @example
 * const response = await handleKinesisEvent(event, deps); // { batchItemFailures: [] }
 */
export async function handleKinesisEvent(
  event: KinesisStreamEvent,
  processDeps: KinesisDeps,
  trace: TraceContext = newTrace(),
): Promise<KinesisStreamBatchResponse | TestRunResponse> {
  const started = performance.now();
  // The invocation's trace id is in each of its log lines, capture records and dead letters.
  const { traceId } = trace;
  const deps: KinesisDeps = { ...processDeps, logger: withTraceId(processDeps.logger, traceId) };
  // Records are read defensively: a malformed one is dead-lettered, never a TypeError for the batch.
  const envelopes = (Array.isArray(event.Records) ? (event.Records as unknown[]) : []).map(readRecordEnvelope);
  const rides = envelopes.map(decodeEnvelope);
  const stats: BatchStats = { predicted: 0, written: 0, deadLettered: 0, retried: 0, failed: 0 };
  try {
    // One snapshot of the models for the whole batch; a batch of only bad envelopes needs none.
    const set = rides.some((e) => e.ok) ? await deps.getModels() : undefined;
    const inbound = envelopes.map((envelope, index) => decodeInbound(envelope, index, rides[index] as DecodedEnvelope, set));
    const valid = inbound.filter((item): item is Valid => item.decoded.ok);
    const predicted = await predictAll(valid, set, deps, stats, traceId);
    if (deps.testRun) return testRunResponse(inbound, valid, predicted);
    const firstFailed = await deadLetterPoison(inbound, predicted, deps, stats);
    await writePredictions(valid, predicted, firstFailed, deps, stats);
    const batchItemFailures = failuresFrom(inbound, firstFailed);
    stats.failed = batchItemFailures.length;
    return { batchItemFailures };
  } catch (error) {
    if (deps.testRun) throw error;
    // Typically the model cannot be loaded or run, before anything is written. Reporting every
    // record is safe in any case: at worst some are written twice, none is lost.
    // A model the batch needs that cannot load is named (the others may be fine; the shard waits for it).
    const model = failedModelOf(error);
    deps.logger.error('batch failed; reporting every record for retry', {
      error: error as Error,
      ...(model === undefined ? {} : { model, code: (error as PredictError).code }),
    });
    stats.failed = envelopes.length;
    // A record without a sequence number is reported as '', which makes Lambda retry the whole batch.
    return { batchItemFailures: envelopes.map(({ record }) => ({ itemIdentifier: record.kinesis.sequenceNumber })) };
  } finally {
    summarize(envelopes.length, stats, performance.now() - started, deps);
  }
}

/** The record's envelope and JSON (no model needed yet). */
function decodeEnvelope({ record, malformed }: RecordEnvelope): DecodedEnvelope {
  return malformed ? { ok: false, poison: malformed } : decodeRideEnvelope(record.kinesis.data);
}

/** The record with its ride checked against the models' request schema. */
function decodeInbound({ record }: RecordEnvelope, index: number, ride: DecodedEnvelope, set: ModelSet | undefined): Inbound {
  const decoded: DecodedRecord = ride.ok && set ? checkRide(ride, set.requestParser()) : (ride as DecodedRecord);
  return { index, record, shard: shardOf(record), decoded };
}

/** Lambda sends one shard per batch; grouping by shard keeps the rule right for any event. */
function shardOf(record: KinesisStreamRecord): string {
  return `${record.eventSourceARN}#${shardIdOf(record)}`;
}

function shardIdOf(record: KinesisStreamRecord): string {
  const separator = record.eventID.lastIndexOf(':');
  return separator > 0 ? record.eventID.slice(0, separator) : record.eventID;
}

/** Every model's predictions for the valid records of a batch, and the version `version` names. */
interface Predicted {
  prediction: SetPrediction;
  primary: string;
  /** positions among the valid records whose prediction was not finite: dead-lettered instead */
  rejected: ReadonlySet<number>;
  /** why each of those is refused, by its index in the event */
  refusals: ReadonlyMap<number, PoisonReason>;
  /** the invocation's trace id, which its dead letters carry */
  traceId: string;
}

/** One run per model, through the dataplane, for every valid record; a batch of only poison records needs no model. */
async function predictAll(valid: readonly Valid[], set: ModelSet | undefined, deps: KinesisDeps, stats: BatchStats, traceId: string): Promise<Predicted> {
  if (valid.length === 0 || !set) return { prediction: { outputs: {}, versions: {} }, primary: '', rejected: new Set(), refusals: new Map(), traceId };
  const started = performance.now();
  const inputs = toBatch(
    valid.map((item) => item.decoded.event.ride),
    set.fields,
  );
  const requestIds = valid.map((item) => String(item.decoded.event.rideId));
  const { prediction, refused, nonFinite } = await deps.dataplane.infer(set, { source: 'stream', inputs, requestIds, refuse: 'row', traceId });
  stats.modelMs = performance.now() - started;
  stats.predicted = valid.length - refused.size;
  return { prediction, primary: set.primary, rejected: refused, refusals: refusalsOf(valid, nonFinite, set), traceId };
}

/**
 * A ride whose prediction is NaN or Infinity is a poison record: dead-lettered with the reason
 * (the first model and value found for it), never written, not counted as predicted.
 */
function refusalsOf(valid: readonly Valid[], nonFinite: readonly NonFiniteOutput[], set: ModelSet): Map<number, PoisonReason> {
  const refusals = new Map<number, PoisonReason>();
  for (const { row, model, value } of nonFinite) {
    const index = (valid[row] as Valid).index;
    if (refusals.has(index)) continue;
    const inputs = set
      .require(model)
      .fields.map((f) => f.name)
      .join(', ');
    refusals.set(index, {
      code: 'NON_FINITE_PREDICTION',
      reason: `model '${model}' returned ${describeNonFinite(value)} for this ride: its inputs (${inputs}) are valid but outside what the model can score`,
    });
  }
  return refusals;
}

/**
 * Shapes record `i` of the valid ones as the course's output record, with every model's
 * prediction. The field names and the versions object are made once per batch, not per record:
 * with two models per record this per-record work is what the second model adds besides its run.
 */
function predictionShaper({ prediction, primary }: Predicted): (item: Valid, i: number) => PredictionRecord {
  const outputs = Object.entries(prediction.outputs).map(([name, values]) => [`ride_${name}`, values] as const);
  const version = prediction.versions[primary] as string;
  const versions = { ...prediction.versions };
  return (item, i) => {
    const fields: Record<string, number | RideId> = {};
    for (const [field, values] of outputs) fields[field] = values[i] as number;
    fields.ride_id = item.decoded.event.rideId;
    return { model: MODEL_NAME, version, prediction: fields as PredictionRecord['prediction'], versions };
  };
}

function testRunResponse(inbound: readonly Inbound[], valid: readonly Valid[], predicted: Predicted): TestRunResponse {
  const shape = predictionShaper(predicted);
  const predictions = valid.flatMap((item, i) => (predicted.rejected.has(i) ? [] : [shape(item, i)]));
  const deadLetters = inbound.flatMap((item) => toDeadLetter(item, predicted));
  return deadLetters.length === 0 ? { predictions } : { predictions, dead_letters: deadLetters };
}

/** Why a record is not written: it could not be decoded or checked, or its prediction was refused. */
function poisonOf({ index, decoded }: Inbound, predicted: Predicted): PoisonReason | undefined {
  return decoded.ok ? predicted.refusals.get(index) : decoded.poison;
}

function toDeadLetter(item: Inbound, predicted: Predicted): DeadLetter[] {
  const poison = poisonOf(item, predicted);
  if (!poison) return [];
  const { record } = item;
  return [
    {
      ...poison,
      eventSourceARN: record.eventSourceARN,
      shardId: shardIdOf(record),
      sequenceNumber: record.kinesis.sequenceNumber,
      partitionKey: record.kinesis.partitionKey,
      approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
      data: record.kinesis.data,
      trace_id: predicted.traceId,
    },
  ];
}

/**
 * Writes the poison records before any prediction, so that if the dead letters cannot be
 * written, each shard stops at its first poison record and nothing after it is written ahead.
 * Resolves to, per shard, the index (in the event) of the first record that must be retried.
 */
async function deadLetterPoison(inbound: readonly Inbound[], predicted: Predicted, deps: KinesisDeps, stats: BatchStats): Promise<Map<string, number>> {
  const firstFailed = new Map<string, number>();
  const poison = inbound.filter((item) => poisonOf(item, predicted) !== undefined);
  if (poison.length === 0) return firstFailed;
  const letters = poison.flatMap((item) => toDeadLetter(item, predicted));
  try {
    if (!deps.deadLetters) throw new Error('DEAD_LETTER_LOCATION is not set');
    const where = await deps.deadLetters.write(letters);
    stats.deadLettered = letters.length;
    deps.logger.warn('poison records dead-lettered', { count: letters.length, location: where, codes: countBy(letters, (l) => l.code) });
  } catch (error) {
    deps.logger.error('dead-letter write failed; poison records are reported for retry', { error: error as Error, count: letters.length });
    for (const item of poison) if (!firstFailed.has(item.shard)) firstFailed.set(item.shard, item.index);
  }
  return firstFailed;
}

/** Writes the predictions of records before their shard's first failure; records new failures. */
async function writePredictions(
  valid: readonly Valid[],
  predicted: Predicted,
  firstFailed: Map<string, number>,
  deps: KinesisDeps,
  stats: BatchStats,
): Promise<void> {
  const eventIndex: number[] = [];
  const outgoing: OutgoingRecord[] = [];
  const shape = predictionShaper(predicted);
  valid.forEach((item, i) => {
    if (predicted.rejected.has(i)) return;
    const stop = firstFailed.get(item.shard);
    if (stop !== undefined && item.index > stop) return;
    eventIndex.push(item.index);
    outgoing.push({
      group: item.shard,
      partitionKey: String(item.decoded.event.rideId),
      data: Buffer.from(JSON.stringify(shape(item, i))),
    });
  });
  const outcome = await putRecordsInOrder(deps.kinesis, deps.predictionsStreamName, outgoing, deps.putRetry);
  stats.written = outcome.written;
  stats.retried = outcome.retried;
  if (outcome.firstUnwritten.size > 0) {
    deps.logger.error('predictions not written after retries; reporting them for retry', { stream: deps.predictionsStreamName, lastError: outcome.lastError });
  }
  for (const [shard, position] of outcome.firstUnwritten) {
    const index = eventIndex[position] as number;
    const earlier = firstFailed.get(shard);
    if (earlier === undefined || index < earlier) firstFailed.set(shard, index);
  }
}

/** For each shard with a failure: its first failed record and every later record of the shard. */
function failuresFrom(inbound: readonly Inbound[], firstFailed: ReadonlyMap<string, number>): KinesisStreamBatchResponse['batchItemFailures'] {
  return inbound
    .filter((item) => {
      const stop = firstFailed.get(item.shard);
      return stop !== undefined && item.index >= stop;
    })
    .map(({ record }) => ({ itemIdentifier: record.kinesis.sequenceNumber }));
}

/** The one log line and the EMF metrics of a batch. */
function summarize(records: number, stats: BatchStats, elapsedMs: number, deps: KinesisDeps): void {
  deps.logger.info('kinesis batch', {
    records,
    predicted: stats.predicted,
    written: stats.written,
    deadLettered: stats.deadLettered,
    retried: stats.retried,
    failed: stats.failed,
    ms: Math.round(elapsedMs),
    ...(stats.modelMs === undefined ? {} : { modelMs: Math.round(stats.modelMs * 10) / 10 }),
  });
  // RecordsDeadLettered and PredictionErrors go with the service's metrics (their dimension sets are the alarms').
  deps.serviceMetrics?.recordsDeadLettered(stats.deadLettered);
  // Refused (non-finite) records are counted by the dataplane, once.
  deps.serviceMetrics?.failed(stats.failed);
  const { metrics } = deps;
  metrics.addMetric('Records', MetricUnit.Count, records);
  metrics.addMetric('BatchSize', MetricUnit.Count, records);
  metrics.addMetric('RecordsPredicted', MetricUnit.Count, stats.predicted);
  metrics.addMetric('RecordsFailed', MetricUnit.Count, stats.failed);
  metrics.addMetric('PutRecordsRetries', MetricUnit.Count, stats.retried);
  if (stats.modelMs !== undefined) metrics.addMetric('ModelLatency', MetricUnit.Milliseconds, stats.modelMs);
  metrics.publishStoredMetrics();
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** The deps' logger with the invocation's trace id on every line (several invocations may share a process locally). */
function withTraceId(logger: KinesisDeps['logger'], traceId: string): KinesisDeps['logger'] {
  const keyed =
    (level: 'error' | 'info' | 'warn') =>
    (message: string, extra: Record<string, unknown> = {}): void =>
      logger[level](message, { ...extra, trace_id: traceId });
  return { error: keyed('error'), info: keyed('info'), warn: keyed('warn') } as KinesisDeps['logger'];
}
