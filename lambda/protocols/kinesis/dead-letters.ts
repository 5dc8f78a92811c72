import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describeLocation, type Location } from '../../storage/location';

/** One poison record: everything needed to find, inspect and replay it. */
export interface DeadLetter {
  /** stable, for grouping: INVALID_RECORD, NOT_BASE64, NOT_JSON, INVALID_RIDE_ID, INVALID_RIDE */
  code: string;
  /** what was wrong, for people */
  reason: string;
  /** the offending field, when one is known (e.g. `ride.trip_distance`) */
  field?: string;
  eventSourceARN: string;
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  approximateArrivalTimestamp: number;
  /** the record's data exactly as received (base64) */
  data: string;
  /** the W3C trace id of the invocation that dead-lettered it (in its log lines too) */
  trace_id?: string;
}

/** Writes one invocation's poison records as one JSON-lines object; resolves to where it went. */
export interface DeadLetterWriter {
  readonly description: string;
  write(letters: readonly DeadLetter[]): Promise<string>;
}

/**
 * A writer for an S3 prefix or a local directory. Each call writes a new object/file (never
 * overwrites), named by date, shard and first sequence number so a person can find a record.
 *
 * @example
 * const writer = createDeadLetterWriter({ kind: 'file', path: 'dead-letters' });
 * await writer.write(letters); // 'dead-letters/2024/06/02/20240602T101514Z-shardId-000000000000-4963...-a1b2c3d4.jsonl'
 */
export function createDeadLetterWriter(location: Location, s3?: S3Client): DeadLetterWriter {
  const description = describeLocation(location);
  return {
    description,
    async write(letters) {
      const now = new Date();
      const body = toJsonLines(letters, now);
      const name = objectName(letters, now);
      if (location.kind === 'file') return writeFileAtomically(join(location.path, name), body);
      if (!s3) throw new Error('no S3 client configured for dead letters');
      const key = `${location.key}${name}`;
      await s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }));
      return `s3://${location.bucket}/${key}`;
    },
  };
}

function toJsonLines(letters: readonly DeadLetter[], now: Date): string {
  const deadLetteredAt = now.toISOString();
  return letters.map((letter) => JSON.stringify({ ...letter, deadLetteredAt })).join('\n') + '\n';
}

/**
 * `YYYY/MM/DD/<stamp>-<shard>-<sequence>-<random>.jsonl`. The shard id and sequence number come
 * from the event, so they are reduced to a safe alphabet and a bounded length: a crafted one
 * must not leave the dead-letter location (`/`, `..`) nor make a name the file system refuses
 * (a refused write would send the record back for retry forever). The full values are in the lines.
 */
function objectName(letters: readonly DeadLetter[], now: Date): string {
  const first = letters[0];
  const day = now.toISOString().slice(0, 10).replace(/-/g, '/');
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  // Random suffix: a re-delivered batch writes a second file rather than replacing the first.
  return `${day}/${stamp}-${namePart(first?.shardId, 'none', 40)}-${namePart(first?.sequenceNumber, '0', 64)}-${randomBytes(4).toString('hex')}.jsonl`;
}

/** Letters, digits, `_` and `-` only (anything else becomes `_`), at most `max` characters. */
function namePart(value: string | undefined, fallback: string, max: number): string {
  const safe = (value ?? '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, max);
  return safe === '' ? fallback : safe;
}

/** Temp file then rename, so a reader never sees half a file. */
async function writeFileAtomically(path: string, body: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  await writeFile(temporary, body, { flag: 'wx' });
  await rename(temporary, path);
  return path;
}
