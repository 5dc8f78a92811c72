import { createCapture, type Capture, type CaptureSettings, type PredictionEvent } from '../../../../lambda/observability/capture';
import { CaptureBuffer } from '../../../../lambda/observability/capture/capture-buffer';
import { recordingLogger, recordingMetrics } from '../../../support/recorders';
import { startFirehoseServer, type LocalFirehose } from '../../../support/firehose-server';

const STREAM = 'ride-capture';

const SETTINGS: CaptureSettings = {
  location: { kind: 'firehose', streamName: STREAM },
  sampleRate: 1,
  maxHeldRecords: 500,
  maxHeldBytes: 1 << 20,
  flushIntervalMs: 0,
  flushTimeoutMs: 200,
  maxBatchRecordsPerChunk: 1000,
  maxFileBytes: 1 << 20,
  maxFileSeconds: 60,
};

/** A stream event of `n` rides with ids `<prefix>-0` … */
function streamEvent(prefix: string, n: number): PredictionEvent {
  return {
    source: 'stream',
    requestIds: Array.from({ length: n }, (_, i) => `${prefix}-${i}`),
    batch: {
      length: n,
      columns: { PULocationID: new Float64Array(n).fill(130), DOLocationID: new Float64Array(n).fill(205), trip_distance: new Float64Array(n).fill(3.66) },
    },
    prediction: { outputs: { duration: new Float64Array(n).fill(18.2) }, versions: { duration: 'v1' } },
    refused: new Set(),
    failures: 0,
  };
}

describe('capture to Firehose when the destination fails', () => {
  let firehose: LocalFirehose;
  let capture: Capture;
  let logger: ReturnType<typeof recordingLogger>;
  let metrics: ReturnType<typeof recordingMetrics>;

  beforeEach(async () => {
    firehose = await startFirehoseServer([STREAM]);
    logger = recordingLogger();
    metrics = recordingMetrics();
    capture = createCapture(SETTINGS, { logger, metrics, firehose: firehose.client({ maxAttempts: 1, requestTimeoutMs: 1000 }) }) as Capture;
  });
  afterEach(async () => {
    await capture.close(0);
    await firehose.close();
  });

  const deliveredIds = () => firehose.lines(STREAM).map((l) => (JSON.parse(l) as { id: string }).id);
  const dropMetrics = () => metrics.published.flat().filter((m) => m.name === 'CaptureRecordsDropped');

  it('delivers every record exactly once when the destination is healthy', async () => {
    capture.observe(streamEvent('a', 300));
    await capture.flush();

    expect(deliveredIds()).toEqual(Array.from({ length: 300 }, (_, i) => `a-${i}`));
    expect(capture.stats()).toMatchObject({ accepted: 300, delivered: 300, dropped: 0, heldRecords: 0, heldBytes: 0 });
  });

  it('keeps records while the destination is down, drops beyond the bound with a metric and a log line, and delivers the kept ones once it recovers', async () => {
    firehose.mode = 'down';
    for (let round = 0; round < 4; round++) {
      capture.observe(streamEvent(`r${round}`, 200));
      await capture.flush();
    }

    const stats = capture.stats();
    expect(stats.heldRecords).toBeLessThanOrEqual(SETTINGS.maxHeldRecords);
    expect(stats.heldBytes).toBeLessThanOrEqual(SETTINGS.maxHeldBytes);
    expect(stats.accepted).toBe(500);
    expect(stats.dropped).toBe(300);
    expect(dropMetrics().reduce((sum, m) => sum + m.value, 0)).toBe(300);
    expect(logger.entries.some((e) => e.message === 'capture records dropped')).toBe(true);

    firehose.mode = 'ok';
    await capture.flush();

    const ids = deliveredIds();
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect(ids.slice(0, 200)).toEqual(Array.from({ length: 200 }, (_, i) => `r0-${i}`));
    expect(dropMetrics().reduce((sum, m) => sum + m.value, 0)).toBe(300);
    expect(capture.stats()).toMatchObject({ delivered: 500, heldRecords: 0 });
  });

  it('keeps throttled entries and delivers each of them once throttling stops', async () => {
    firehose.mode = 'throttle';
    capture.observe(streamEvent('t', 100));
    await capture.flush();
    expect(capture.stats().heldRecords).toBe(100);

    firehose.mode = 'ok';
    await capture.flush();

    expect(deliveredIds().sort()).toEqual(Array.from({ length: 100 }, (_, i) => `t-${i}`).sort());
  });

  it('returns from a flush at its timeout when the destination stalls, keeps the records, and sends them once it answers again', async () => {
    firehose.mode = 'stall';
    capture.observe(streamEvent('s', 50));

    await capture.flush(50);

    expect(firehose.calls).toEqual([1]);
    expect(capture.stats()).toMatchObject({ heldRecords: 50, delivered: 0 });
    firehose.mode = 'ok';
    // the stalled call times out (SDK requestTimeout) and its lines go back to the queue
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await capture.flush();
    expect(deliveredIds()).toHaveLength(50);
  });

  it('never lets what it holds grow past its bounds however much is observed while the destination is down', async () => {
    firehose.mode = 'down';
    let maxHeld = 0;
    for (let round = 0; round < 50; round++) {
      capture.observe(streamEvent(`m${round}`, 100));
      maxHeld = Math.max(maxHeld, capture.stats().heldRecords);
      if (round % 10 === 0) await capture.flush();
    }

    expect(maxHeld).toBeLessThanOrEqual(SETTINGS.maxHeldRecords);
    expect(capture.stats().accepted + capture.stats().dropped).toBe(5000);
  });
});

describe('when the capture buffer says a send is due (the work after a Lambda reply asks)', () => {
  /** A sink whose sends end when the test says so. */
  function heldSink() {
    const sends: Array<() => void> = [];
    const sink = {
      description: 'held',
      send: () => new Promise<readonly number[]>((resolve) => sends.push(() => resolve([]))),
      close: async () => undefined,
    };
    return { sink, sends };
  }
  const buffer = (sink: ReturnType<typeof heldSink>['sink'], maxRecords = 10) =>
    new CaptureBuffer({ sink, maxRecords, maxBytes: 1 << 20, flushIntervalMs: 0, onDrop: () => undefined, onSendError: () => undefined });

  it('is not due while nothing is held', () => {
    expect(buffer(heldSink().sink).isDue(0)).toBe(false);
  });

  it('is due once the oldest held line has waited the given age, and not before', () => {
    const b = buffer(heldSink().sink);
    b.add('a\n');

    expect(b.isDue(0)).toBe(true);
    expect(b.isDue(60_000)).toBe(false);
  });

  it('is due while a send is in flight, so that a Lambda process is not frozen in the middle of it', async () => {
    const { sink, sends } = heldSink();
    const b = buffer(sink);
    b.add('a\n');
    const flushing = b.flush();

    const dueInFlight = b.isDue(60_000);
    sends.forEach((end) => end());
    await flushing;

    expect(dueInFlight).toBe(true);
    expect(b.isDue(60_000)).toBe(false);
  });

  it('is due once half its record bound is held, whatever their age', () => {
    const b = buffer(heldSink().sink, 10);
    for (let i = 0; i < 4; i++) b.add(`${i}\n`);
    const dueAtFour = b.isDue(60_000);
    b.add('4\n');

    expect(dueAtFour).toBe(false);
    expect(b.isDue(60_000)).toBe(true);
  });
});

describe('a line longer than its sink takes in one record', () => {
  it('is dropped and counted, never handed to the sink, and the lines around it are kept', async () => {
    const sent: string[] = [];
    const drops: number[] = [];
    const sink = {
      description: 'records of at most 16 bytes',
      maxLineBytes: 16,
      send: async (lines: readonly string[]) => {
        sent.push(...lines);
        return [];
      },
      close: async () => undefined,
    };
    const buffer = new CaptureBuffer({
      sink,
      maxRecords: 10,
      maxBytes: 1 << 20,
      flushIntervalMs: 0,
      onDrop: (report) => drops.push(report.dropped),
      onSendError: () => undefined,
    });

    const kept = [buffer.add('short\n'), buffer.add(`${'x'.repeat(16)}\n`), buffer.add('also short\n')];
    await buffer.flush();

    expect(kept).toEqual([true, false, true]);
    expect(sent).toEqual(['short\n', 'also short\n']);
    expect(drops.reduce((sum, n) => sum + n, 0)).toBe(1);
  });
});
