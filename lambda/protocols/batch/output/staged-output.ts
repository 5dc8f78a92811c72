import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { outputFailure } from '../errors';
import { trackStagingFile } from './interrupt';
import { type Location, describeLocation } from '../../../storage/location';
import { assertReplaceable } from './output-guard';
import { removeStaleStaging, stagingFileName } from './staging-names';

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

/** The staging file's directory and the output's name, which its name starts with. */
function stagingPlace(location: Location): { directory: string; outputName: string } {
  return location.kind === 'file' ? { directory: dirname(location.path), outputName: basename(location.path) } : { directory: S3_STAGING_DIRECTORY, outputName: posix.basename(location.key) };
}

/**
 * Local path: a hidden temp file in the destination directory, then rename (atomic on one
 * file system). S3: a local temp file, then one PutObject; S3 shows an object only once its
 * upload has completed, so no partial object is ever visible and no copy-and-delete of a
 * temporary key is needed (nor the s3:DeleteObject permission it would take). File-system and
 * S3 failures come out as BatchOutputError with the system's code. The temp file is tracked
 * from before it exists until it is published or discarded: a stop signal in between removes
 * it and ends the process (interrupt.ts), in the CLI and in a Lambda runtime alike.
 */
export async function stageOutput(location: Location, s3?: S3Client): Promise<StagedOutput> {
  const where = describeLocation(location);
  const { directory, outputName } = stagingPlace(location);
  await mkdir(directory, { recursive: true }).catch((error: unknown) => {
    throw outputFailure(error, where);
  });
  const tempPath = join(directory, stagingFileName(outputName));
  const forget = trackStagingFile(tempPath);
  const discard = async () => {
    await rm(tempPath, { force: true });
    forget();
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
        forget();
      } catch (error) {
        throw outputFailure(error, where);
      }
    },
    discard,
  };
}

/**
 * Removes the staging files a stopped run left for this output and returns their paths: a
 * SIGKILL, a power loss or a Lambda timeout ends a process before it can clean up, and /tmp
 * outlives a Lambda invocation. Only files whose name proves they are a staging file of this
 * output (of any output in the S3 staging directory, which is ours) made on this machine by a
 * process that is gone are removed; a run still going at the same destination keeps its own.
 */
export function clearStaleStaging(location: Location): Promise<string[]> {
  const { directory, outputName } = stagingPlace(location);
  return removeStaleStaging(directory, location.kind === 'file' ? outputName : undefined);
}
