import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { loadConfig } from '../../../lambda/config';
import { DIMENSIONS, METRICS } from '../../../lambda/contract';
import { createDataplane, type PredictionEvent } from '../../../lambda/serving/dataplane';
import { handleKinesisEvent } from '../../../lambda/protocols/kinesis/stream-handler';
import { createRuntime } from '../../../lambda/services';
import { createModelSet } from '../../../lambda/model/model-set';
import type { CaptureRecord } from '../../../lambda/observability/capture';
import { batchOf, servedModel } from '../../support/fixtures';
import { kinesisEvent, rideRecord } from '../../support/events';
import { startKinesisServer, type LocalKinesisServer } from '../../support/kinesis-server';
import { overflowingModel } from '../../support/onnx-models';
import { recordingLogger, recordingMetrics } from '../../support/recorders';

/** trip_distance · 1e38 / trip_distance in float32: 1e38 below 3.4 miles, Infinity from 3.4 on, NaN at 0. */
const ride = (trip_distance: number) => ({ trip_distance });

describe('the dataplane', () => {
  it('runs the asked models, refuses non-finite rows, and tells the observer once, after the refusal', async () => {
    const set = createModelSet([await servedModel('overflow', overflowingModel(), 'v1')]);
    const events: PredictionEvent[] = [];
    const dataplane = createDataplane({ observe: (event) => events.push(event), onObserverError: (error) => fail(error) });

    const response = await dataplane.infer(set, {
      source: 'stream',
      inputs: batchOf([ride(1), ride(50), ride(2)]),
      requestIds: ['a', 'b', 'c'],
      refuse: 'row',
    });

    expect([...response.refused]).toEqual([1]);
    expect(response.nonFinite).toEqual([{ row: 1, model: 'overflow', value: Infinity }]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'stream', failures: 1, requestIds: ['a', 'b', 'c'] });
    expect([...(events[0]?.refused ?? [])]).toEqual([1]);
  });

  it('refuses every row of a request refused as a whole, counting it as one failure', async () => {
    const set = createModelSet([await servedModel('overflow', overflowingModel(), 'v1')]);
    const events: PredictionEvent[] = [];
    const dataplane = createDataplane({ observe: (event) => events.push(event), onObserverError: (error) => fail(error) });

    const response = await dataplane.infer(set, { source: 'http', inputs: batchOf([ride(1), ride(50)]), requestIds: ['r#0', 'r#1'], refuse: 'request' });

    expect([...response.refused]).toEqual([0, 1]);
    expect(events[0]?.failures).toBe(1);
  });

  it('never fails an inference because an observer threw; the error goes to onObserverError', async () => {
    const set = createModelSet([await servedModel('overflow', overflowingModel(), 'v1')]);
    const errors: unknown[] = [];
    const dataplane = createDataplane({
      observe: () => {
        throw new Error('observer broke');
      },
      onObserverError: (error) => errors.push(error),
    });

    const response = await dataplane.infer(set, { source: 'batch', inputs: batchOf([ride(1)]), requestIds: ['x'], refuse: 'row' });

    expect(response.prediction.outputs.overflow?.[0]).toBeCloseTo(1e38, -32);
    expect(errors).toEqual([new Error('observer broke')]);
  });

  it('builds row ids only when an observer reads them', async () => {
    const set = createModelSet([await servedModel('overflow', overflowingModel(), 'v1')]);
    let built = 0;
    const request = {
      source: 'http' as const,
      inputs: batchOf([ride(1)]),
      get requestIds() {
        built++;
        return ['r'];
      },
      refuse: 'request' as const,
    };

    await createDataplane({ observe: () => undefined, onObserverError: () => undefined }).infer(set, request);
    await createDataplane({ observe: (event) => void event.requestIds, onObserverError: () => undefined }).infer(set, request);

    expect(built).toBe(1);
  });
});

describe('a Kinesis batch with one non-finite record, through the runtime Lambda builds', () => {
  let kinesis: LocalKinesisServer;
  let scratch: string;
  let lines: string[];
  beforeAll(async () => {
    process.env.POWERTOOLS_DEV = 'true';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    kinesis = await startKinesisServer();
    await kinesis.createStream('dataplane_predictions', 1);
  });
  afterAll(async () => {
    delete process.env.POWERTOOLS_DEV;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    await kinesis.close();
  });
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'dataplane-'));
    lines = [];
    jest.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('captures and counts each of the other records once, and the refused one once as an error', async () => {
    const model = join(scratch, 'overflow.onnx');
    writeFileSync(model, overflowingModel());
    const runtime = createRuntime(
      loadConfig({
        MODELS: `overflow=${model}`,
        CAPTURE_LOCATION: join(scratch, 'capture'),
        DEAD_LETTER_LOCATION: join(scratch, 'dead-letters'),
        PREDICTIONS_STREAM_NAME: 'dataplane_predictions',
      }),
      { logger: recordingLogger() as never, kinesis: kinesis.client, metrics: recordingMetrics() },
    );
    const distances = [1, 2, 50, 3, 0.5];

    const response = (await handleKinesisEvent(
      kinesisEvent(distances.map((d, i) => rideRecord(700 + i, ride(d)))),
      await runtime.stream(),
    )) as KinesisStreamBatchResponse;
    await runtime.capture?.close(5_000);
    runtime.metrics.flush();

    expect(response.batchItemFailures).toEqual([]);
    const captured = readdirSync(join(scratch, 'capture'), { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .flatMap((f) =>
        readFileSync(join(f.parentPath, f.name), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as CaptureRecord),
      );
    expect(captured.map((r) => r.id).sort()).toEqual(['700', '701', '703', '704']);
    const emf = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const predictions = emf.filter((r) => METRICS.predictions in r && r[DIMENSIONS.model] === 'overflow').map((r) => r[METRICS.predictions]);
    const errors = emf.filter((r) => METRICS.predictionErrors in r).map((r) => r[METRICS.predictionErrors]);
    expect(predictions).toEqual([4]);
    expect(errors).toEqual([1]);
  });
});
