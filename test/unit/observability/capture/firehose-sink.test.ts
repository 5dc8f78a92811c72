import fc from 'fast-check';
import { createFirehoseSink, pack, FIREHOSE_LIMITS } from '../../../../lambda/observability/capture/firehose-sink';
import { startFirehoseServer, type LocalFirehose } from '../../../support/firehose-server';

const STREAM = 'ride-capture';
const line = (i: number, pad = 0) => `${JSON.stringify({ id: String(i), pad: 'x'.repeat(pad) })}\n`;

describe('the Firehose capture sink against a Firehose protocol peer', () => {
  let firehose: LocalFirehose;

  beforeEach(async () => {
    firehose = await startFirehoseServer([STREAM]);
  });
  afterEach(() => firehose.close());

  const sink = (maxResends = 2) => createFirehoseSink({ client: firehose.client(), streamName: STREAM, maxResends, resendDelayMs: 5 });

  it('delivers every line, in order, packed into far fewer Firehose records than lines', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => line(i));

    const undelivered = await sink().send(lines);

    expect(undelivered).toEqual([]);
    expect(firehose.lines(STREAM)).toEqual(lines.map((l) => l.trimEnd()));
    expect(firehose.delivered.get(STREAM)?.length).toBe(1);
  });

  it('splits large sends into calls within 500 records and 4 MiB, each record within 1,000 KiB', async () => {
    // 600 KiB lines: one per record, at most six per 4 MiB call.
    const lines = Array.from({ length: 13 }, (_, i) => line(i, 600 * 1024));

    const undelivered = await sink().send(lines);

    expect(undelivered).toEqual([]);
    expect(firehose.calls.length).toBeGreaterThanOrEqual(3);
    expect(firehose.lines(STREAM).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(lines.map((_, i) => String(i)));
  });

  it('packs any mix of line sizes into records within the limit, keeping every line once and in order', () => {
    fc.assert(
      // Lines of up to 300 bytes with their newline: the buffer never hands the sink a line over its maxLineBytes (the record limit).
      fc.property(fc.array(fc.integer({ min: 1, max: 299 }), { maxLength: 200 }), fc.integer({ min: 300, max: 2000 }), (sizes, limit) => {
        const lines = sizes.map((size, i) => `${String(i).padEnd(size, '.')}\n`);
        const records = pack(lines, limit);
        expect(records.every((r) => r.data.length <= limit)).toBe(true);
        expect(records.flatMap((r) => r.positions)).toEqual(lines.map((_, i) => i));
        expect(Buffer.concat(records.map((r) => r.data)).toString()).toBe(lines.join(''));
      }),
    );
    expect(FIREHOSE_LIMITS.bytesPerRecord).toBe(1_024_000);
  });

  it('sends entries reported in FailedPutCount again until they are accepted', async () => {
    firehose.mode = 'throttle';
    let failures = 0;
    firehose.failEntry = () => failures++ < 1;
    const lines = Array.from({ length: 10 }, (_, i) => line(i));

    const undelivered = await sink().send(lines);

    expect(undelivered).toEqual([]);
    expect(firehose.calls).toEqual([1, 1]);
    expect(firehose.lines(STREAM)).toHaveLength(10);
  });

  it('hands back the lines of entries still failing after its bounded re-sends', async () => {
    firehose.mode = 'throttle';
    const lines = Array.from({ length: 4 }, (_, i) => line(i));

    const undelivered = await sink(2).send(lines);

    expect(undelivered).toEqual([0, 1, 2, 3]);
    expect(firehose.calls).toHaveLength(3);
    expect(firehose.lines(STREAM)).toEqual([]);
  });

  it('hands back every line when the service is down, after the SDK retried the call', async () => {
    firehose.mode = 'down';

    const undelivered = await sink().send([line(1), line(2)]);

    expect(undelivered).toEqual([0, 1]);
    expect(firehose.calls).toHaveLength(2);
  });
});
