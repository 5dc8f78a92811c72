/**
 * Where a model lives: an S3 object or prefix, or a path on disk. An `s3://` key ending in
 * `.onnx` is a model object; any other key is an MLflow model directory (a prefix holding
 * `MLmodel`). A path is a model file, or an MLflow directory when it is a directory.
 */
export type ModelLocation = { kind: 's3'; bucket: string; key: string } | { kind: 'file'; path: string };

/**
 * Parses `s3://bucket/key` or a file path (the course's MODEL_LOCATION).
 *
 * @example parseModelLocation('s3://models/ride/model.onnx') // { kind: 's3', bucket: 'models', key: 'ride/model.onnx' }
 */
export function parseModelLocation(text: string): ModelLocation {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(text);
  if (match) return { kind: 's3', bucket: match[1] as string, key: (match[2] as string).replace(/\/+$/, '') };
  if (text.startsWith('s3://')) throw new Error(`model location '${text}' must be s3://bucket/key`);
  if (text.trim() === '') throw new Error('model location is empty');
  return { kind: 'file', path: text };
}

export function describeModelLocation(location: ModelLocation): string {
  return location.kind === 's3' ? `s3://${location.bucket}/${location.key}` : location.path;
}

/** An S3 key naming a model object (else a prefix: an MLflow model directory). */
export function isModelObjectKey(key: string): boolean {
  return key.endsWith('.onnx');
}

/** The sidecar's name beside a model file: `name.onnx` → `name.json`. */
export function sidecarNameFor(modelName: string): string {
  return `${modelName.replace(/\.onnx$/, '')}.json`;
}
