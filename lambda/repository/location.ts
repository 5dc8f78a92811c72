import { parseLocation, type Location } from '../storage/location';

/**
 * Parses where a model lives (`MODELS` values, the course's MODEL_LOCATION): `s3://bucket/key`
 * or a path. An `s3://` key ending in `.onnx` is a model object; any other key is an MLflow model
 * directory (a prefix holding `MLmodel`), written without a trailing `/`. A path is a model file,
 * or an MLflow directory when it is a directory.
 *
 * @example parseModelLocation('s3://models/ride/model.onnx') // { kind: 's3', bucket: 'models', key: 'ride/model.onnx' }
 */
export function parseModelLocation(text: string): Location {
  const location = parseLocation(text, { what: 'model location' });
  return location.kind === 's3' ? { ...location, key: location.key.replace(/\/+$/, '') } : location;
}

/** An S3 key naming a model object (else a prefix: an MLflow model directory). */
export function isModelObjectKey(key: string): boolean {
  return key.endsWith('.onnx');
}

/** The sidecar's name beside a model file: `name.onnx` → `name.json`. */
export function sidecarNameFor(modelName: string): string {
  return `${modelName.replace(/\.onnx$/, '')}.json`;
}
