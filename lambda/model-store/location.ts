/** Where the model bytes live: an S3 object or a file on disk. */
export type ModelLocation = { kind: 's3'; bucket: string; key: string } | { kind: 'file'; path: string };

/**
 * Parses `s3://bucket/key` or a file path (the course's MODEL_LOCATION).
 *
 * @example parseModelLocation('s3://models/ride/model.onnx') // { kind: 's3', bucket: 'models', key: 'ride/model.onnx' }
 */
export function parseModelLocation(text: string): ModelLocation {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(text);
  if (match) return { kind: 's3', bucket: match[1] as string, key: match[2] as string };
  if (text.startsWith('s3://')) throw new Error(`MODEL_LOCATION '${text}' must be s3://bucket/key`);
  return { kind: 'file', path: text };
}

export function describeModelLocation(location: ModelLocation): string {
  return location.kind === 's3' ? `s3://${location.bucket}/${location.key}` : location.path;
}
