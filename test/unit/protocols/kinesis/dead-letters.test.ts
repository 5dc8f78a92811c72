import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createDeadLetterWriter, type DeadLetter } from '../../../../lambda/protocols/kinesis/dead-letters';
import { parseDeadLetterLocation } from '../../../../lambda/config/stream';
import { startS3Server, type LocalS3 } from '../../../support/s3-server';

const letter = (sequenceNumber: string, code = 'NOT_JSON'): DeadLetter => ({
  code,
  reason: 'record data is not UTF-8 JSON',
  eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/ride_events',
  shardId: 'shardId-000000000001',
  sequenceNumber,
  partitionKey: 'p',
  approximateArrivalTimestamp: 1_700_000_000,
  data: 'bm90IGpzb24=',
});

describe('parseDeadLetterLocation', () => {
  it('reads an S3 prefix and ends it with a slash', () => {
    expect(parseDeadLetterLocation('s3://ops/dead-letters')).toEqual({ kind: 's3', bucket: 'ops', key: 'dead-letters/' });
    expect(parseDeadLetterLocation('s3://ops/')).toEqual({ kind: 's3', bucket: 'ops', key: '' });
  });

  it('reads anything else as a local directory', () => {
    expect(parseDeadLetterLocation('dead-letters')).toEqual({ kind: 'file', path: resolve('dead-letters') });
  });

  it('rejects an s3 URI without a bucket', () => {
    expect(() => parseDeadLetterLocation('s3://')).toThrow('DEAD_LETTER_LOCATION');
  });
});

describe('createDeadLetterWriter', () => {
  let s3: LocalS3;
  let directory: string;
  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('ops');
  });
  afterAll(() => s3.close());
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'dead-letters-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('writes one JSON-lines object per call under the S3 prefix', async () => {
    const writer = createDeadLetterWriter({ kind: 's3', bucket: 'ops', key: 'dead-letters/' }, s3.client);

    const where = await writer.write([letter('7'), letter('9', 'INVALID_RIDE')]);

    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'ops', Prefix: 'dead-letters/' }));
    expect(listed.Contents?.map((o) => `s3://ops/${o.Key}`)).toEqual([where]);
    expect(where).toMatch(/^s3:\/\/ops\/dead-letters\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{6}Z-shardId-000000000001-7-[0-9a-f]{8}\.jsonl$/);
    const object = await s3.client.send(new GetObjectCommand({ Bucket: 'ops', Key: where.slice('s3://ops/'.length) }));
    const lines = (await object.Body?.transformToString())
      ?.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { ...letter('7'), deadLetteredAt: expect.any(String) },
      { ...letter('9', 'INVALID_RIDE'), deadLetteredAt: expect.any(String) },
    ]);
  });

  it('writes a new file per call in a local directory, never replacing an earlier one', async () => {
    const writer = createDeadLetterWriter({ kind: 'file', path: directory });

    const first = await writer.write([letter('7')]);
    const second = await writer.write([letter('7')]);

    expect(first).not.toEqual(second);
    const files = readdirSync(directory, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.map((f) => f.name).sort()).toEqual([first, second].map((p) => p.split('/').pop()).sort());
    expect(JSON.parse(readFileSync(first, 'utf8').trim())).toMatchObject({ sequenceNumber: '7', code: 'NOT_JSON', data: 'bm90IGpzb24=' });
  });

  it('rejects when the bucket does not exist, so the caller can report the records', async () => {
    const writer = createDeadLetterWriter({ kind: 's3', bucket: 'no-such-bucket', key: '' }, s3.client);
    await expect(writer.write([letter('1')])).rejects.toThrow();
  });
});
