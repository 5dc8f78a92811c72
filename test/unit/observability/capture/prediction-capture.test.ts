import { CaptureBuffer } from '../../../../lambda/observability/capture/capture-buffer';
import type { CaptureSink } from '../../../../lambda/observability/capture/capture-sink';
import type { CaptureRecord } from '../../../../lambda/observability/capture/capture-record';
import { createPredictionCapture, type PredictionEvent } from '../../../../lambda/observability/capture/prediction-capture';
import { sampleKey } from '../../../../lambda/observability/capture/sampling';
import { predictionEvent } from '../../../support/dataplane';

/** A sink that keeps what it is sent, in memory. */
function keepingSink(): CaptureSink & { records(): CaptureRecord[] } {
  const lines: string[] = [];
  return {
    description: 'memory',
    send: async (sent) => {
      lines.push(...sent);
      return [];
    },
    close: async () => undefined,
    records: () => lines.map((line) => JSON.parse(line) as CaptureRecord),
  };
}

function setup(options: { sampleRate?: number; maxBatchRecordsPerChunk?: number } = {}) {
  const sink = keepingSink();
  const errors: unknown[] = [];
  const buffer = new CaptureBuffer({
    sink,
    maxRecords: 1_000_000,
    maxBytes: 1 << 30,
    flushIntervalMs: 0,
    onDrop: () => undefined,
    onSendError: () => undefined,
  });
  const observe = createPredictionCapture({
    buffer,
    sampleRate: options.sampleRate ?? 1,
    maxBatchRecordsPerChunk: options.maxBatchRecordsPerChunk ?? 1000,
    onError: (error) => errors.push(error),
    now: () => new Date('2026-11-28T17:00:00.000Z'),
  });
  return { sink, buffer, observe, errors };
}

function rides(n: number): PredictionEvent['batch'] {
  return {
    length: n,
    columns: {
      PULocationID: Float64Array.from({ length: n }, (_, i) => i + 1),
      DOLocationID: Float64Array.from({ length: n }, (_, i) => 265 - i),
      trip_distance: Float64Array.from({ length: n }, (_, i) => i / 10),
    },
  };
}

const prediction = (n: number): PredictionEvent['prediction'] => ({
  outputs: { duration: Float64Array.from({ length: n }, (_, i) => 10 + i), cost: Float64Array.from({ length: n }, (_, i) => 20 + i) },
  versions: { duration: 'd1', cost: 'c7' },
});

describe('prediction capture', () => {
  it('writes one record per ride with its inputs, each model output and version, time and source', async () => {
    const { sink, buffer, observe } = setup();

    observe(predictionEvent({ source: 'stream', requestIds: ['256', '257'], batch: rides(2), prediction: prediction(2) }));
    await buffer.flush();

    expect(sink.records()).toEqual([
      {
        time: '2026-11-28T17:00:00.000Z',
        source: 'stream',
        id: '256',
        inputs: { PULocationID: 1, DOLocationID: 265, trip_distance: 0 },
        outputs: { duration: { output: 10, version: 'd1' }, cost: { output: 20, version: 'c7' } },
      },
      {
        time: '2026-11-28T17:00:00.000Z',
        source: 'stream',
        id: '257',
        inputs: { PULocationID: 2, DOLocationID: 264, trip_distance: 0.1 },
        outputs: { duration: { output: 11, version: 'd1' }, cost: { output: 21, version: 'c7' } },
      },
    ]);
  });

  it('numbers the rides of one HTTP request that share its id', async () => {
    const { sink, buffer, observe } = setup();

    observe(predictionEvent({ source: 'http', requestIds: ['req-1'], batch: rides(3), prediction: prediction(3) }));
    await buffer.flush();

    expect(sink.records().map((r) => [r.id, r.index])).toEqual([
      ['req-1', 0],
      ['req-1', 1],
      ['req-1', 2],
    ]);
  });

  it('adds shadow outputs and actuals where the event has them', async () => {
    const { sink, buffer, observe } = setup();

    observe({
      refused: new Set(),
      failures: 0,
      source: 'batch',
      requestIds: ['2021/02_0'],
      batch: rides(1),
      prediction: prediction(1),
      shadows: { outputs: { duration: Float64Array.of(9.5) }, versions: { duration: 'd2' } },
      actuals: { duration: Float64Array.of(12.25) },
    });
    await buffer.flush();

    const [record] = sink.records();
    expect(record?.shadows).toEqual({ duration: { output: 9.5, version: 'd2' } });
    expect(record?.actuals).toEqual({ duration: 12.25 });
  });

  it('keeps at most the per-chunk cap of a batch chunk, choosing the rows with the lowest sample keys', async () => {
    const { sink, buffer, observe } = setup({ maxBatchRecordsPerChunk: 50 });
    const n = 2000;
    const ids = Array.from({ length: n }, (_, row) => `2021/02_${row}`);

    observe(predictionEvent({ source: 'batch', requestIds: ids, batch: rides(n), prediction: prediction(n) }));
    await buffer.flush();

    const expected = [...ids].sort((a, b) => sampleKey(a) - sampleKey(b)).slice(0, 50);
    const got = sink.records().map((r) => r.id);
    expect(got).toHaveLength(50);
    expect(new Set(got)).toEqual(new Set(expected));
  });

  it('does not cap HTTP or stream events: every sampled prediction is captured', async () => {
    const { sink, buffer, observe } = setup({ maxBatchRecordsPerChunk: 5 });

    observe(predictionEvent({ source: 'stream', requestIds: Array.from({ length: 40 }, (_, i) => String(i)), batch: rides(40), prediction: prediction(40) }));
    await buffer.flush();

    expect(sink.records()).toHaveLength(40);
  });

  it('captures the same rides when the same ids come again at a partial sample rate', async () => {
    const { sink, buffer, observe } = setup({ sampleRate: 0.3 });
    const ids = Array.from({ length: 200 }, (_, i) => `ride-${i}`);

    observe(predictionEvent({ source: 'stream', requestIds: ids, batch: rides(200), prediction: prediction(200) }));
    observe(predictionEvent({ source: 'stream', requestIds: ids, batch: rides(200), prediction: prediction(200) }));
    await buffer.flush();

    const got = sink.records().map((r) => r.id);
    const first = got.slice(0, got.length / 2);
    expect(got.slice(got.length / 2)).toEqual(first);
    expect(first.length).toBeGreaterThan(30);
    expect(first.length).toBeLessThan(100);
  });

  it('reports an event it cannot turn into records instead of throwing into the reply', () => {
    const { observe, errors } = setup();
    const broken = { source: 'http', requestIds: ['x'], batch: { length: 1, columns: null }, prediction: prediction(1) } as unknown as PredictionEvent;

    expect(() => observe(broken)).not.toThrow();
    expect(errors).toHaveLength(1);
  });
});
