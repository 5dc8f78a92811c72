import { UnsupportedModelError } from '../../serving/errors';
import type { ModelRunner } from '../model';
import { OnnxModel } from './onnx/onnx-model';

/**
 * The model formats the service runs, by name: how a format's bytes become a runner. A new
 * format is one more entry here and its folder beside onnx/; nothing above the runner changes.
 */
const RUNTIMES: Readonly<Record<string, (bytes: Uint8Array, what: string) => Promise<ModelRunner>>> = Object.freeze({
  onnx: (bytes: Uint8Array, what: string) => OnnxModel.fromBytes(bytes, what),
});

/** The format a model file is in, by its name (`.onnx`); undefined when no runtime reads it. */
export function formatOfFile(fileName: string): string | undefined {
  return /\.onnx$/i.test(fileName) ? 'onnx' : undefined;
}

/**
 * Loads `bytes` with the runtime for `format`; `what` names the model in errors.
 *
 * @example const runner = await loadRunner('onnx', bytes, "model 'duration'");
 */
export function loadRunner(format: string, bytes: Uint8Array, what: string): Promise<ModelRunner> {
  const load = RUNTIMES[format];
  if (!load) return Promise.reject(new UnsupportedModelError(`${what}: no runtime for the ${format} format (runtimes: ${Object.keys(RUNTIMES).join(', ')})`));
  return load(bytes, what);
}
