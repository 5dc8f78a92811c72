import { lstat, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { BatchJobError, outputFailure } from '../errors';
import type { Location } from '../../../storage/location';

/**
 * Refuses a local output that would destroy data: one that is the input under another name
 * (`./x`, `a/../a`, absolute vs relative, a symlink, a hard link: compared by device and inode,
 * which every alias shares), or that exists and is not a regular file (a directory, a device,
 * a FIFO, a socket: renaming over it would replace the node itself). S3 outputs are checked
 * by name when the job is built.
 *
 * @example await checkOutputLocation(job.input, job.output); // throws BatchJobError for x.parquet → ./x.parquet
 */
export async function checkOutputLocation(input: Location, output: Location): Promise<void> {
  if (output.kind !== 'file') return;
  const target = await statIfPresent(output.path);
  if (target === undefined) return;
  assertRegularFile(target, output.path);
  if (input.kind !== 'file') return;
  const source = await stat(input.path).catch(() => undefined);
  if (source !== undefined && source.dev === target.dev && source.ino === target.ino) {
    throw new BatchJobError(`output ${output.path} is the input ${input.path} (the same file under another name); refusing to overwrite the input`);
  }
}

/**
 * Just before the staged file is renamed into place: the destination (the link itself, not
 * what it points to) must still be absent, a regular file or a symlink, which rename replaces
 * without touching any other file.
 */
export async function assertReplaceable(path: string): Promise<void> {
  const entry = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw outputFailure(error, path);
  });
  if (entry !== undefined && !entry.isSymbolicLink()) assertRegularFile(entry, path);
}

async function statIfPresent(path: string): Promise<Stats | undefined> {
  return stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw outputFailure(error, path);
  });
}

function assertRegularFile(entry: Stats, path: string): void {
  if (entry.isFile()) return;
  if (entry.isDirectory()) throw outputFailure(Object.assign(new Error('the output is a directory'), { code: 'EISDIR' }), path);
  throw new BatchJobError(`output ${path} is ${describeNode(entry)}, not a regular file; refusing to replace it`);
}

function describeNode(entry: Stats): string {
  if (entry.isFIFO()) return 'a FIFO';
  if (entry.isSocket()) return 'a socket';
  if (entry.isCharacterDevice()) return 'a character device';
  if (entry.isBlockDevice()) return 'a block device';
  return 'a special file';
}
