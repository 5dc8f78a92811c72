import { readFile, stat } from 'node:fs/promises';

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
