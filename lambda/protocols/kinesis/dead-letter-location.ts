import { resolve } from 'node:path';

/** Where poison records go: an S3 prefix or a local directory. */
export type DeadLetterLocation = { kind: 's3'; bucket: string; prefix: string } | { kind: 'directory'; path: string };

/**
 * Parses DEAD_LETTER_LOCATION: `s3://bucket/prefix/` (prefix may be empty) or a directory path.
 * A non-empty prefix always ends in `/`, so object keys never run into the prefix's last segment.
 *
 * @example parseDeadLetterLocation('s3://ops/dead-letters') // { kind: 's3', bucket: 'ops', prefix: 'dead-letters/' }
 */
export function parseDeadLetterLocation(text: string): DeadLetterLocation {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(text);
  if (match) {
    const prefix = match[2] ?? '';
    return { kind: 's3', bucket: match[1] as string, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
  }
  if (text.startsWith('s3://')) throw new Error(`DEAD_LETTER_LOCATION '${text}' must be s3://bucket/prefix/`);
  return { kind: 'directory', path: resolve(text) };
}

export function describeDeadLetterLocation(location: DeadLetterLocation): string {
  return location.kind === 's3' ? `s3://${location.bucket}/${location.prefix}` : location.path;
}
