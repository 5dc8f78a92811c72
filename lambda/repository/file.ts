import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';

/** Reads a file's bytes (a model, a sidecar, an MLmodel). */
export async function readModelFile(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}

/** The file's bytes, or undefined when it does not exist (an optional sidecar). */
export async function readOptionalFile(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readModelFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Is the path a directory (an MLflow model directory) rather than a model file? */
export async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path)).isDirectory();
}

/**
 * What a hot-swap check remembers of a file: its mtime and size, and the sha256 of its bytes
 * (`token`; `absent` when there is no such file). S3 objects have an ETag-based token instead.
 */
export interface FileStamp {
  readonly token: string;
  readonly mtimeMs?: number;
  readonly size?: number;
}

/**
 * The file's stamp. An unchanged mtime and size reuse `previous` without reading the file; a
 * changed one is hashed, so a file touched or rewritten with the same bytes is no change.
 */
export async function fileStamp(path: string, previous?: FileStamp): Promise<FileStamp> {
  let stats;
  try {
    stats = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { token: 'absent' };
    throw error;
  }
  if (previous && previous.mtimeMs === stats.mtimeMs && previous.size === stats.size) return previous;
  const token = `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`;
  return { token, mtimeMs: stats.mtimeMs, size: stats.size };
}
