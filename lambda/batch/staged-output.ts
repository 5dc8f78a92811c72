import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { outputFailure } from './errors';
import { describeDataLocation, type DataLocation } from './locations';
import { assertReplaceable } from './output-guard';
import type { StagingRegistry } from './staging-registry';

/**
 * An output written to a temporary file first and moved into place only when complete, so a
 * failed run leaves nothing at the destination and a rerun replaces the old file whole.
 */
export interface StagedOutput {
  /** the local file to write */
  readonly tempPath: string;
  /** moves the finished file to its destination */
  commit(): Promise<void>;
  /** deletes the temporary file */
  discard(): Promise<void>;
}

/** Where S3 outputs are staged: one directory of ours, so a new Lambda invocation can clear it. */
export const S3_STAGING_DIRECTORY = join(tmpdir(), 'ride-batch-staging');

// A staging name must fit the file system's 255-byte limit whatever the destination's name:
// at most 32 characters of it (≤ 128 bytes of UTF-8) plus a UUID and the suffix.
const NAME_PART = 32;
const STAGING_NAME = /^\..{0,32}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.partial$/su;

function stagingName(destination: string): string {
  return `.${Array.from(basename(destination)).slice(0, NAME_PART).join('')}.${randomUUID()}.partial`;
}

/**
 * Local path: a hidden temp file in the destination directory, then rename (atomic on one
 * file system). S3: a local temp file, then one PutObject; S3 shows an object only once its
 * upload has completed, so no partial object is ever visible and no copy-and-delete of a
 * temporary key is needed (nor the s3:DeleteObject permission it would take). File-system and
 * S3 failures come out as BatchOutputError with the system's code. A registry, when given,
 * knows the temp file while it exists (the CLI removes it on SIGINT/SIGTERM).
 */
export async function stageOutput(location: DataLocation, s3?: S3Client, registry?: StagingRegistry): Promise<StagedOutput> {
  const where = describeDataLocation(location);
  const directory = location.kind === 'file' ? dirname(location.path) : S3_STAGING_DIRECTORY;
  await mkdir(directory, { recursive: true }).catch((error: unknown) => {
    throw outputFailure(error, where);
  });
  const tempPath = join(directory, location.kind === 'file' ? stagingName(location.path) : `${randomUUID()}.partial`);
  registry?.add(tempPath);
  const discard = async () => {
    await rm(tempPath, { force: true });
    registry?.delete(tempPath);
  };
  const publish =
    location.kind === 'file'
      ? async () => {
          await assertReplaceable(location.path);
          await rename(tempPath, location.path);
        }
      : async () => {
          if (!s3) throw new Error('no S3 client configured');
          const { size } = await stat(tempPath);
          await s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: location.key, Body: createReadStream(tempPath), ContentLength: size }));
          await rm(tempPath, { force: true });
        };
  return {
    tempPath,
    async commit() {
      try {
        await publish();
        registry?.delete(tempPath);
      } catch (error) {
        throw outputFailure(error, where);
      }
    },
    discard,
  };
}

/**
 * Removes staging files a previous run left behind for this output: a Lambda timeout kills the
 * process mid-run, and /tmp outlives the invocation. Only our own names are removed (the S3
 * staging directory, or `.<name>.<uuid>.partial` next to a local destination). Lambda runs one
 * invocation at a time per container, so nothing of a live run is touched there.
 */
export async function clearStaleStaging(location: DataLocation): Promise<number> {
  const directory = location.kind === 'file' ? dirname(location.path) : S3_STAGING_DIRECTORY;
  const prefix = location.kind === 'file' ? `.${Array.from(basename(location.path)).slice(0, NAME_PART).join('')}.` : '';
  const names = await readdir(directory).catch(() => [] as string[]);
  const stale = names.filter((name) => (location.kind === 'file' ? name.startsWith(prefix) && STAGING_NAME.test(name) : name.endsWith('.partial')));
  await Promise.all(stale.map((name) => rm(join(directory, name), { force: true })));
  return stale.length;
}
