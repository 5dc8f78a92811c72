import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { periodBefore, readCaptureDirectory, readCaptureFromS3 } from '../../../../lambda/observability/capture/read-capture';
import { startS3Server, type LocalS3 } from '../../../support/s3-server';

const line = (id: string, time: string) => `${JSON.stringify({ time, source: 'stream', id, inputs: { trip_distance: 1 }, outputs: { duration: { output: 10, version: 'v' } } })}\n`;

describe('reading capture back', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('data');
    // Two gzip members in one object, as Firehose may write; one object outside the period.
    await s3.put('data', 'capture/dt=2026-11-23/hour=05/a.gz', Buffer.concat([gzipSync(line('in-1', '2026-11-23T05:10:00.000Z')), gzipSync(line('in-2', '2026-11-23T05:20:00.000Z'))]));
    await s3.put('data', 'capture/dt=2026-11-29/hour=23/b.gz', gzipSync(line('in-3', '2026-11-29T23:59:59.000Z') + 'not json\n'));
    await s3.put('data', 'capture/dt=2026-11-30/hour=04/c.gz', gzipSync(line('after', '2026-11-30T04:00:01.000Z')));
    await s3.put('data', 'capture/dt=2026-11-16/hour=04/d.gz', gzipSync(line('before', '2026-11-16T04:00:00.000Z')));
  });
  afterAll(() => s3.close());

  it('reads the records of the week before a scheduled time from Firehose GZIP objects, and counts unreadable lines', async () => {
    const read = await readCaptureFromS3(s3.client, { bucket: 'data', prefix: 'capture/' }, periodBefore(new Date('2026-11-30T04:00:00.000Z'), 7), 1000);

    expect(read.records.map((r) => r.id)).toEqual(['in-1', 'in-2', 'in-3']);
    expect(read.unreadable).toBe(1);
    expect(read.truncated).toBe(0);
  });

  it('stops keeping records at the bound and says how many it left out', async () => {
    const read = await readCaptureFromS3(s3.client, { bucket: 'data', prefix: 'capture/' }, periodBefore(new Date('2026-11-30T04:00:00.000Z'), 7), 2);

    expect(read.records).toHaveLength(2);
    expect(read.truncated).toBe(1);
  });

  it('reads a local capture directory recursively, skipping the partial last line of a file being written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-read-'));
    try {
      mkdirSync(join(dir, 'dt=2026-11-28', 'hour=17'), { recursive: true });
      writeFileSync(join(dir, 'dt=2026-11-28', 'hour=17', 'capture-1.jsonl'), line('a', '2026-11-28T17:00:00.000Z') + line('b', '2026-11-28T17:00:01.000Z') + '{"time":"2026-11-28T17');

      const read = await readCaptureDirectory(dir, 1000);

      expect(read.records.map((r) => r.id)).toEqual(['a', 'b']);
      expect(read.unreadable).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
