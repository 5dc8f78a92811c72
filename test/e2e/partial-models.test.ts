import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { handleHttpRequest, type HttpResponse } from '../../lambda/protocols/http/http-handler';
import { handleKinesisEvent } from '../../lambda/protocols/kinesis/stream-handler';
import { handleBatchEvent } from '../../lambda/protocols/batch/batch-handler';
import { loadConfig } from '../../lambda/config/index';
import { ModelUnavailableError } from '../../lambda/serving/errors';
import { RETRY_PERMANENT_MS, RETRY_TRANSIENT_MS } from '../../lambda/repository';
import { createRuntime, type Runtime } from '../../lambda/services';
import { COURSE_RIDE, DEFAULT_MODEL_PATH, defaultModels, predictDurations } from '../support/fixtures';
import { kinesisEvent, rideNumber, rideRecord } from '../support/events';
import { readAll, startKinesisServer, type LocalKinesisServer } from '../support/kinesis-server';
import { freePort } from '../support/loopback';
import { failsEveryRunModel } from '../support/onnx-models';
import { recordingLogger, recordingMetrics } from '../support/recorders';

const silent = () => new Logger({ logLevel: 'SILENT' });
const get = (path: string) => ({ method: 'GET', path, headers: {}, body: Buffer.alloc(0) });
const post = (path: string, body: unknown) => ({
  method: 'POST',
  path,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
});
const bodyOf = (response: HttpResponse) => JSON.parse(response.body) as Record<string, unknown>;

let dir: string;
let kinesis: LocalKinesisServer;
let clock = 0;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'partial-models-'));
  kinesis = await startKinesisServer();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await kinesis.close();
});

/** The shipped duration model, and `cost` at a location that does not exist (yet). */
function runtimeWithBrokenCost(costLocation = join(dir, 'cost', 'model.onnx'), env: Record<string, string> = {}): Runtime {
  return createRuntime(loadConfig({ MODELS: `duration=${DEFAULT_MODEL_PATH},cost=${costLocation}`, ...env }), {
    logger: silent(),
    kinesis: kinesis.client,
    now: () => clock,
  });
}

describe('one model that cannot load (a missing file), beside one that loaded, over HTTP', () => {
  let runtime: Runtime;
  beforeAll(() => {
    runtime = runtimeWithBrokenCost();
  });

  it('keeps answering /predict/<name> for the model that loaded', async () => {
    const response = await handleHttpRequest(post('/predict/duration', COURSE_RIDE), runtime.http);

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).duration).toBe((await predictDurations(await defaultModels(), [COURSE_RIDE]))[0]);
  });

  it('answers /predict (every model) and /predict/cost with 503 MODEL_UNAVAILABLE naming the broken model, never "retry shortly"', async () => {
    for (const path of ['/predict', '/predict/cost']) {
      const response = await handleHttpRequest(post(path, COURSE_RIDE), runtime.http);

      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBeUndefined();
      expect(bodyOf(response)).toEqual({
        code: 'MODEL_UNAVAILABLE',
        model: 'cost',
        error: expect.stringMatching(/^model 'cost' cannot be loaded \(MODEL_NOT_FOUND\): cannot fetch model 'cost' from .*ENOENT/),
      });
      expect(response.body).not.toContain('retry shortly');
    }
  });

  it('still answers 404 for a model that is not configured', async () => {
    const response = await handleHttpRequest(post('/predict/tip', COURSE_RIDE), runtime.http);

    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({ code: 'UNKNOWN_MODEL' });
  });

  it("answers /health with 503 naming each model's state, and the broken one's code and one-line reason", async () => {
    const response = await handleHttpRequest(get('/health'), runtime.http);

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(bodyOf(response)).toEqual({
      status: 'unavailable',
      code: 'MODEL_UNAVAILABLE',
      models: [
        { name: 'duration', state: 'loaded', version: '54c7ff65d8e2' },
        { name: 'cost', state: 'failed', code: 'MODEL_NOT_FOUND', reason: expect.stringMatching(/^cannot fetch model 'cost' from [^\n]*ENOENT[^\n]*$/) },
      ],
    });
  });

  it('loads the model once its file appears and the back-off has passed; /health then answers 200', async () => {
    mkdirSync(join(dir, 'cost'), { recursive: true });
    copyFileSync(DEFAULT_MODEL_PATH, join(dir, 'cost', 'model.onnx'));

    const tooSoon = await handleHttpRequest(get('/health'), runtime.http);
    clock += RETRY_PERMANENT_MS;
    const after = await handleHttpRequest(get('/health'), runtime.http);
    const both = await handleHttpRequest(post('/predict', COURSE_RIDE), runtime.http);

    expect(tooSoon.statusCode).toBe(503);
    expect(after.statusCode).toBe(200);
    expect(bodyOf(after).models).toEqual([
      expect.objectContaining({ name: 'duration', state: 'loaded' }),
      expect.objectContaining({ name: 'cost', state: 'loaded' }),
    ]);
    expect(Object.keys(bodyOf(both))).toEqual(['duration', 'cost', 'model_version', 'model_versions']);
    rmSync(join(dir, 'cost'), { recursive: true });
  });
});

describe('a model that would fail every request (onnxruntime refuses its tensors), beside one that loaded', () => {
  it('is refused at load, never marked loaded: its route answers 503 MODEL_UNAVAILABLE (INVALID_MODEL) and the other model answers', async () => {
    writeFileSync(join(dir, 'fails.onnx'), failsEveryRunModel());
    const runtime = runtimeWithBrokenCost(join(dir, 'fails.onnx'));

    const broken = await handleHttpRequest(post('/predict/cost', COURSE_RIDE), runtime.http);
    const good = await handleHttpRequest(post('/predict/duration', COURSE_RIDE), runtime.http);

    expect(broken.statusCode).toBe(503);
    expect(bodyOf(broken)).toMatchObject({
      code: 'MODEL_UNAVAILABLE',
      model: 'cost',
      error: expect.stringMatching(/^model 'cost' cannot be loaded \(INVALID_MODEL\): model 'cost' version \w+ fails its first run, on the well-formed ride/),
    });
    expect(runtime.models.status()[1]).toMatchObject({ name: 'cost', state: 'failed', code: 'INVALID_MODEL' });
    expect(good.statusCode).toBe(200);
  });
});

describe('one model whose S3 is unreachable (transient), over HTTP', () => {
  it('answers 503 MODEL_LOAD_FAILED naming it, with a Retry-After saying when it is tried again; the other model answers', async () => {
    const runtime = runtimeWithBrokenCost('s3://models/cost/model.onnx', {
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${await freePort()}`,
      S3_MAX_ATTEMPTS: '1',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
    });

    const all = await handleHttpRequest(post('/predict', COURSE_RIDE), runtime.http);
    const health = await handleHttpRequest(get('/health'), runtime.http);
    const one = await handleHttpRequest(post('/predict/duration', COURSE_RIDE), runtime.http);

    expect(all.statusCode).toBe(503);
    expect(all.headers['retry-after']).toBe(String(RETRY_TRANSIENT_MS / 1000));
    expect(bodyOf(all)).toEqual({ error: "model 'cost' not available, retry shortly", code: 'MODEL_LOAD_FAILED', model: 'cost' });
    expect(health.statusCode).toBe(503);
    expect(health.headers['retry-after']).toBe(String(RETRY_TRANSIENT_MS / 1000));
    expect(bodyOf(health).models).toContainEqual({
      name: 'cost',
      state: 'failed',
      code: 'MODEL_LOAD_FAILED',
      reason: expect.stringMatching(/^cannot fetch model 'cost' from s3:\/\/models\/cost\/model\.onnx: /),
    });
    expect(one.statusCode).toBe(200);
  });
});

describe('a stream batch that needs the broken model', () => {
  it('reports every record for retry (none lost, none written) and logs the model it waits for', async () => {
    const runtime = runtimeWithBrokenCost(join(dir, 'never', 'model.onnx'));
    await kinesis.createStream('partial_predictions', 1);
    const logger = recordingLogger();
    const deps = { ...(await runtime.stream()), predictionsStreamName: 'partial_predictions', logger, metrics: recordingMetrics() };
    const records = [0, 1, 2].map((i) => rideRecord(i, rideNumber(i)));

    const response = (await handleKinesisEvent(kinesisEvent(records), deps)) as KinesisStreamBatchResponse;

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.kinesis.sequenceNumber));
    expect(await readAll(kinesis.client, 'partial_predictions')).toEqual([]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'batch failed; reporting every record for retry',
        extra: expect.objectContaining({ model: 'cost', code: 'MODEL_UNAVAILABLE' }),
      }),
    );
  });
});

describe('a batch job that needs the broken model', () => {
  it('fails with one error naming the model, logged with its code', async () => {
    const runtime = runtimeWithBrokenCost(join(dir, 'never', 'model.onnx'));
    const logged: Record<string, unknown>[] = [];
    const deps = {
      ...runtime.batch,
      log: { info: () => undefined, error: (message: string, extra?: Record<string, unknown>) => logged.push({ message, ...extra }) },
    };

    const error = await handleBatchEvent({ input: join(dir, 'green_tripdata_2021-02.parquet'), output: join(dir, 'out.parquet') }, deps).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toMatch(/^model 'cost' cannot be loaded \(MODEL_NOT_FOUND\): [^\n]+$/);
    expect(logged).toEqual([expect.objectContaining({ message: 'batch job failed', code: 'MODEL_UNAVAILABLE', model: 'cost' })]);
  });
});
