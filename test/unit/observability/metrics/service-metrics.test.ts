import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleHttpRequest } from '../../../../lambda/protocols/http/http-handler';
import { handleKinesisEvent } from '../../../../lambda/protocols/kinesis/stream-handler';
import { loadConfig } from '../../../../lambda/config/index';
import { DIMENSIONS, METRICS, SERVICE_NAME } from '../../../../lambda/contract';
import { createRuntime, type Runtime } from '../../../../lambda/services';
import { createModelSet } from '../../../../lambda/model/model-set';
import { COURSE_RIDE, servedModel } from '../../../support/fixtures';
import { kinesisEvent, kinesisRecordWithData, rideRecord } from '../../../support/events';
import { startKinesisServer, type LocalKinesisServer } from '../../../support/kinesis-server';
import { overflowingModel } from '../../../support/onnx-models';
import { recordingLogger, recordingMetrics } from '../../../support/recorders';

/**
 * The metrics the canary's rollback alarms watch (lambda/contract.ts), as Powertools writes them
 * (EMF on stdout), through the real runtime and adapters: Predictions per model with the three
 * dimension sets, PredictionErrors and RecordsDeadLettered with the first two, function_version
 * from AWS_LAMBDA_FUNCTION_VERSION.
 */

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

let lines: string[];
let scratch: string;
let kinesis: LocalKinesisServer;
const ROOT = join(__dirname, '..', '..', '..', '..');
const MODELS = `duration=${join(ROOT, 'models', 'model.onnx')},cost=${join(ROOT, 'models', 'cost', 'model.onnx')}`;

beforeAll(async () => {
  // Powertools then prints EMF with the global console, which the test reads (dev mode would otherwise disable metrics).
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  kinesis = await startKinesisServer();
  await kinesis.createStream('metrics_predictions', 1);
});
afterAll(async () => {
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  await kinesis.close();
});
beforeEach(() => {
  lines = [];
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  scratch = mkdtempSync(join(tmpdir(), 'service-metrics-'));
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(scratch, { recursive: true, force: true });
});

function runtimeWith(env: Record<string, string>): Runtime {
  return createRuntime(
    loadConfig({
      MODELS,
      AWS_LAMBDA_FUNCTION_VERSION: '42',
      POWERTOOLS_METRICS_NAMESPACE: 'TestNamespace',
      DEAD_LETTER_LOCATION: join(scratch, 'dead-letters'),
      PREDICTIONS_STREAM_NAME: 'metrics_predictions',
      ...env,
    }),
    {
      logger: recordingLogger() as never,
      kinesis: kinesis.client,
      metrics: recordingMetrics(),
    },
  );
}

const emf = () => lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Emf);
const post = (body: unknown) => ({
  method: 'POST',
  path: '/predict',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
});

function datapoints(name: string): Emf[] {
  return emf().filter((r) => r._aws.CloudWatchMetrics[0]?.Metrics.some((m) => m.Name === name));
}

describe('ServiceMetrics through the real runtime', () => {
  it('HTTP: Predictions per model with [service], [service, function_version], [service, model, model_version]; nothing per request', async () => {
    const runtime = runtimeWith({});
    const set = await runtime.models.get();
    for (let i = 0; i < 3; i++) expect((await handleHttpRequest(post([COURSE_RIDE, COURSE_RIDE]), runtime.http)).statusCode).toBe(200);
    expect(emf()).toEqual([]); // counted, not yet published

    runtime.metrics.flush();

    const records = datapoints(METRICS.predictions);
    expect(records.map((r) => r[DIMENSIONS.model]).sort()).toEqual(['cost', 'duration']);
    for (const record of records) {
      const [definition] = record._aws.CloudWatchMetrics;
      expect(definition?.Namespace).toBe('TestNamespace');
      expect(definition?.Dimensions).toEqual([
        [DIMENSIONS.service],
        [DIMENSIONS.service, DIMENSIONS.functionVersion],
        [DIMENSIONS.service, DIMENSIONS.model, DIMENSIONS.modelVersion],
      ]);
      expect(definition?.Metrics).toEqual([{ Name: 'Predictions', Unit: 'Count' }]);
      expect(record.Predictions).toBe(6);
      expect(record[DIMENSIONS.service]).toBe(SERVICE_NAME);
      expect(record[DIMENSIONS.functionVersion]).toBe('42');
      expect(record[DIMENSIONS.modelVersion]).toBe(set.require(record[DIMENSIONS.model] as string).version);
    }
    runtime.metrics.flush();
    expect(emf()).toHaveLength(2); // a second flush with nothing new publishes nothing
  });

  it('HTTP: a model that cannot load is a PredictionError (503); client mistakes (400) are not', async () => {
    const runtime = runtimeWith({ MODELS: `duration=${join(scratch, 'missing.onnx')}` });
    expect((await handleHttpRequest(post(COURSE_RIDE), runtime.http)).statusCode).toBe(503);
    expect((await handleHttpRequest(post(COURSE_RIDE), runtime.http)).statusCode).toBe(503);
    expect((await handleHttpRequest(post({ PULocationID: 'x' }), runtime.http)).statusCode).toBe(503); // no schema without a model: still the service's

    runtime.metrics.flush();

    const [errors, ...more] = datapoints(METRICS.predictionErrors);
    expect(more).toEqual([]);
    expect(errors?.PredictionErrors).toBe(3);
    expect(errors?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[DIMENSIONS.service], [DIMENSIONS.service, DIMENSIONS.functionVersion]]);
    expect(datapoints(METRICS.predictions)).toEqual([]);

    const healthy = runtimeWith({});
    await healthy.models.get();
    expect((await handleHttpRequest(post({ PULocationID: 10 }), healthy.http)).statusCode).toBe(400);
    healthy.metrics.flush();
    expect(datapoints(METRICS.predictionErrors)).toHaveLength(1); // still only the first runtime's
  });

  it('HTTP: a non-finite output (422) is a PredictionError', async () => {
    const runtime = runtimeWith({});
    const set = createModelSet([await servedModel('duration', overflowingModel(), 'ovf')]);
    const deps = { ...runtime.http, getModels: async () => set };
    expect((await handleHttpRequest(post({ trip_distance: 50 }), deps)).statusCode).toBe(422);
    expect((await handleHttpRequest(post({ trip_distance: 1 }), deps)).statusCode).toBe(200);

    runtime.metrics.flush();

    expect(datapoints(METRICS.predictionErrors).map((r) => r.PredictionErrors)).toEqual([1]);
    expect(datapoints(METRICS.predictions).map((r) => [r[DIMENSIONS.model], r[DIMENSIONS.modelVersion], r.Predictions])).toEqual([['duration', 'ovf', 1]]);
  });

  it('stream: Predictions per model and RecordsDeadLettered for a poison record', async () => {
    const runtime = runtimeWith({});
    const event = kinesisEvent([rideRecord(1, COURSE_RIDE), kinesisRecordWithData('not base64 !'), rideRecord(2, COURSE_RIDE)]);

    const response = await handleKinesisEvent(event, await runtime.stream());
    runtime.metrics.flush();

    expect(response).toEqual({ batchItemFailures: [] });
    expect(
      datapoints(METRICS.predictions)
        .map((r) => [r[DIMENSIONS.model], r.Predictions])
        .sort(),
    ).toEqual([
      ['cost', 2],
      ['duration', 2],
    ]);
    const [dead] = datapoints(METRICS.recordsDeadLettered);
    expect(dead?.RecordsDeadLettered).toBe(1);
    expect(dead?.PredictionErrors).toBeUndefined();
    expect(dead?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[DIMENSIONS.service], [DIMENSIONS.service, DIMENSIONS.functionVersion]]);
    expect(dead?.[DIMENSIONS.functionVersion]).toBe('42');
  });

  it('shadows: ShadowPredictions, ShadowAbsDiffMean and ShadowAbsDiffP95 by model and both versions; ShadowErrors', async () => {
    const cost = join(ROOT, 'models', 'cost', 'model.onnx');
    const runtime = runtimeWith({ MODELS: `duration=${join(ROOT, 'models', 'model.onnx')}`, SHADOW_MODELS: `duration=${cost}` });
    await runtime.shadows?.settle(5_000);
    const reply = JSON.parse((await handleHttpRequest(post(COURSE_RIDE), runtime.http)).body) as { duration: number };
    await runtime.shadows?.settle(5_000);
    const alone = createRuntime(loadConfig({ MODELS: `duration=${cost}` }), { logger: recordingLogger() as never });
    const shadowSays = (await handleHttpRequest(post(COURSE_RIDE), alone.http)).body;

    runtime.metrics.flush();

    const [shadow] = datapoints('ShadowPredictions');
    expect(shadow?.ShadowPredictions).toBe(1);
    expect(shadow?.ShadowAbsDiffMean).toBeCloseTo(Math.abs((JSON.parse(shadowSays) as { duration: number }).duration - reply.duration), 9);
    expect(shadow?.ShadowAbsDiffP95).toBe(shadow?.ShadowAbsDiffMean);
    expect(shadow?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[DIMENSIONS.service, DIMENSIONS.model, DIMENSIONS.modelVersion, 'shadow_version']]);
    expect(shadow?.shadow_version).not.toBe(shadow?.[DIMENSIONS.modelVersion]);
    expect(datapoints('ShadowErrors')).toEqual([]);

    const broken = runtimeWith({ MODELS: `duration=${join(ROOT, 'models', 'model.onnx')}`, SHADOW_MODELS: `duration=${join(scratch, 'missing.onnx')}` });
    await broken.shadows?.settle(5_000);
    broken.metrics.flush();
    expect(datapoints('ShadowErrors').map((r) => r.ShadowErrors)).toEqual([1]);
  });

  it('outside Lambda, function_version is "local"', async () => {
    const config = loadConfig({ MODELS });
    expect(config.metrics.functionVersion).toBe('local');
  });
});
