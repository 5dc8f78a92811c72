import { once } from 'node:events';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { periodBefore, readCaptureDirectory, readCaptureFromS3, streamCaptureDirectory } from '../../../../lambda/observability/capture/read-capture';
import { buildProfile, observationsFromCapture } from '../../../../lambda/monitoring';
import { startS3Server, type LocalS3 } from '../../../support/s3-server';

const line = (id: string, time: string) =>
  `${JSON.stringify({ time, source: 'stream', id, inputs: { trip_distance: 1 }, outputs: { duration: { output: 10, version: 'v' } } })}\n`;

describe('reading capture back', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('data');
    // Two gzip members in one object, as Firehose may write; one object outside the period.
    await s3.put(
      'data',
      'capture/dt=2026-11-23/hour=05/a.gz',
      Buffer.concat([gzipSync(line('in-1', '2026-11-23T05:10:00.000Z')), gzipSync(line('in-2', '2026-11-23T05:20:00.000Z'))]),
    );
    await s3.put('data', 'capture/dt=2026-11-29/hour=23/b.gz', gzipSync(line('in-3', '2026-11-29T23:59:59.000Z') + 'not json\n'));
    await s3.put('data', 'capture/dt=2026-11-30/hour=04/c.gz', gzipSync(line('after', '2026-11-30T04:00:01.000Z')));
    await s3.put('data', 'capture/dt=2026-11-16/hour=04/d.gz', gzipSync(line('before', '2026-11-16T04:00:00.000Z')));
  });
  afterAll(() => s3.close());

  it('reads the records of the week before a scheduled time from Firehose GZIP objects, and counts unreadable lines', async () => {
    const read = await readCaptureFromS3(s3.client, { bucket: 'data', prefix: 'capture/' }, periodBefore(new Date('2026-11-30T04:00:00.000Z'), 7), 1000);

    // Under a bound, objects are read in an order spread over the period: compare as a set.
    expect(read.records.map((r) => r.id).sort()).toEqual(['in-1', 'in-2', 'in-3']);
    expect(read.unreadable).toBe(1);
    expect(read.truncated).toBe(0);
  });

  it('stops keeping records at the bound and says how many it left out', async () => {
    const read = await readCaptureFromS3(s3.client, { bucket: 'data', prefix: 'capture/' }, periodBefore(new Date('2026-11-30T04:00:00.000Z'), 7), 2);

    expect(read.records).toHaveLength(2);
    // The one record left out is either counted in an object read, or in an object left unread.
    expect(read.truncated + read.unreadFiles).toBe(1);
  });

  it('samples a truncated week across all its days, not its first ones, and stops reading at the bound', async () => {
    const days = ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07'];
    for (const day of days) {
      for (const hour of ['03', '09', '15', '21']) {
        const lines = Array.from({ length: 10 }, (_, i) => line(`${day}-${hour}-${i}`, `${day}T${hour}:0${i}:00.000Z`)).join('');
        await s3.put('data', `week/dt=${day}/hour=${hour}/part.gz`, gzipSync(lines));
      }
    }

    const read = await readCaptureFromS3(s3.client, { bucket: 'data', prefix: 'week/' }, periodBefore(new Date('2026-12-08T00:00:00.000Z'), 7), 50);

    expect(read.records).toHaveLength(50);
    expect(new Set(read.records.map((r) => r.time.slice(0, 10))).size).toBeGreaterThanOrEqual(4);
    expect(read.unreadFiles).toBeGreaterThan(0);
    expect(read.files + read.unreadFiles).toBe(28);
  });

  it('reads a local capture directory recursively, skipping the partial last line of a file being written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-read-'));
    try {
      mkdirSync(join(dir, 'dt=2026-11-28', 'hour=17'), { recursive: true });
      writeFileSync(
        join(dir, 'dt=2026-11-28', 'hour=17', 'capture-1.jsonl'),
        line('a', '2026-11-28T17:00:00.000Z') + line('b', '2026-11-28T17:00:01.000Z') + '{"time":"2026-11-28T17',
      );

      const read = await readCaptureDirectory(dir, 1000);

      expect(read.records.map((r) => r.id)).toEqual(['a', 'b']);
      expect(read.unreadable).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reading hostile capture files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'capture-hostile-'));
    mkdirSync(join(dir, 'dt=2026-11-28', 'hour=00'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => join(dir, 'dt=2026-11-28', 'hour=00', name);

  it('streams a file over 512 MiB (longer than a string may be), skipping the one line too long to be a record', async () => {
    // A sparse file: a record, 545 MB of NULs with no newline, a record. Nothing is held whole.
    writeFileSync(file('big.jsonl'), line('first', '2026-11-28T00:00:00.000Z'));
    truncateSync(file('big.jsonl'), 545_000_000);
    appendFileSync(file('big.jsonl'), `\n${line('last', '2026-11-28T00:00:01.000Z')}`);

    const read = await readCaptureDirectory(dir, 1000);

    expect(read.records.map((r) => r.id)).toEqual(['first', 'last']);
    expect(read.unreadable).toBe(1);
  });

  it('reads a GZIP file that inflates past 1 GiB only that far (a gzip bomb), keeping the records before it', async () => {
    const zeros = Buffer.alloc(1024 * 1024);
    const gzip = createGzip({ level: 1 });
    const compressed: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => compressed.push(chunk));
    gzip.write(line('before-the-bomb', '2026-11-28T00:00:00.000Z'));
    for (let i = 0; i < 1100; i++) gzip.write(zeros);
    gzip.end();
    await once(gzip, 'end');
    writeFileSync(file('bomb.gz'), Buffer.concat(compressed));
    writeFileSync(file('next.jsonl'), line('next-file', '2026-11-28T00:00:01.000Z'));

    const read = await readCaptureDirectory(dir, 1000);

    expect(read.records.map((r) => r.id).sort()).toEqual(['before-the-bomb', 'next-file']);
    expect(read.cutFiles).toBe(1);
  });

  it('never follows a symbolic link: a link to an hour is not counted twice, a loop is not walked', async () => {
    writeFileSync(file('capture-1.jsonl'), line('a', '2026-11-28T00:00:00.000Z') + line('b', '2026-11-28T00:00:01.000Z'));
    symlinkSync('hour=00', join(dir, 'dt=2026-11-28', 'latest'));
    symlinkSync('..', join(dir, 'dt=2026-11-28', 'hour=00', 'loop'));
    symlinkSync(file('capture-1.jsonl'), join(dir, 'linked.jsonl'));

    const read = await readCaptureDirectory(dir, 1000);

    expect(read.records.map((r) => r.id)).toEqual(['a', 'b']);
    expect(read.skippedLinks).toBe(3);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'treats an input, output or actual named %s as data: nothing reaches Object.prototype, and the profile counts it',
    async (key) => {
      const hostile = (i: number) =>
        `{"time":"2026-11-28T00:00:0${i % 10}.000Z","source":"http","id":"h${i}","inputs":{"${key}":{"polluted":true},"0":"x","trip_distance":${i}},"outputs":{"${key}":{"output":${i},"version":"v"}},"actuals":{"${key}":${i}}}\n`;
      writeFileSync(file('hostile.jsonl'), Array.from({ length: 50 }, (_, i) => hostile(i)).join(''));
      const before = Object.getOwnPropertyNames(Object.prototype).sort();

      const profile = await buildProfile(observationsFromCapture(streamCaptureDirectory(dir)), { source: 'hostile' });

      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>)[0]).toBeUndefined();
      expect(profile.rows).toBe(50);
      expect(Object.hasOwn(profile.predictions, key)).toBe(true);
      expect(profile.predictions[key]).toMatchObject({ type: 'numeric', count: 50 });
    },
  );
});
