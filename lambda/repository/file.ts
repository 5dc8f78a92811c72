import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { InvalidModelError } from '../serving/errors';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';

/** Reads a file's bytes (a model, a sidecar, an MLmodel). */
export async function readModelFile(path: string): Promise<Uint8Array> {
  // A view, not a copy: copying a 55 MB model held the event loop for tens of milliseconds.
  const buffer = await readFile(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Most bytes a sidecar (`model.json`) or an `MLmodel` may hold. Both are a few KB (a signature
 * of thousands of columns stays well under this); a larger one is refused before it is read,
 * so a hostile file costs neither memory nor parse time.
 */
export const MAX_DESCRIPTOR_BYTES = 1024 * 1024;

/** The file's bytes, or undefined when it does not exist (an optional sidecar); refused above `maxBytes`. */
export async function readOptionalFile(path: string, maxBytes = MAX_DESCRIPTOR_BYTES): Promise<Uint8Array | undefined> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { size } = await file.stat();
    if (size > maxBytes) throw tooLarge(path, size, maxBytes);
    return new Uint8Array(await file.readFile());
  } finally {
    await file.close();
  }
}

/** A sidecar or MLmodel over {@link MAX_DESCRIPTOR_BYTES}: the file must change, so permanent. */
export function tooLarge(where: string, size: number, maxBytes: number): InvalidModelError {
  return new InvalidModelError(`${where} is ${size} bytes; a sidecar or MLmodel may hold at most ${maxBytes} bytes`);
}

/** Is the path a directory (an MLflow model directory) rather than a model file? */
export async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path)).isDirectory();
}

/**
 * What a hot-swap check remembers of a file: where it is on disk (device and inode), its ctime,
 * mtime and size, and the sha256 of its bytes (`token`; `absent` when there is no such file). S3
 * objects have an ETag-based token instead.
 */
export interface FileStamp {
  readonly token: string;
  readonly dev?: number;
  readonly ino?: number;
  readonly ctimeMs?: number;
  readonly mtimeMs?: number;
  readonly size?: number;
}

/**
 * The file's stamp. A file with the same device, inode, ctime, mtime and size as `previous` reuses
 * it without reading the file; any other is hashed, so a file touched or rewritten with the same
 * bytes is no change. Size and mtime alone are not enough: `rsync -a`, `tar x` and `cp -p` keep
 * both, and a replacement of the same size then went unseen. A file moved into place is a new
 * inode, and no tool can set the ctime (the kernel sets it on every write, rename or chmod).
 * The bytes are hashed as they stream in, so a large model never holds the event loop.
 */
export async function fileStamp(path: string, previous?: FileStamp): Promise<FileStamp> {
  let stats;
  try {
    stats = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { token: 'absent' };
    throw error;
  }
  const where = { dev: stats.dev, ino: stats.ino, ctimeMs: stats.ctimeMs, mtimeMs: stats.mtimeMs, size: stats.size };
  if (previous && (Object.keys(where) as (keyof typeof where)[]).every((key) => previous[key] === where[key])) return previous;
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return { token: `sha256:${hash.digest('hex')}`, ...where };
}
