import { resolve } from 'node:path';

/**
 * Where something lives: an S3 object or prefix, or a local path. The one location type of the
 * service: model files and MLflow directories, trip files and batch outputs, dead letters, capture
 * directories, the monitor's reports and reference profiles.
 */
export type Location = S3Location | FileLocation;

export interface S3Location {
  readonly kind: 's3';
  readonly bucket: string;
  /** an object's key, or a prefix (ending in `/` where the reader wants one) */
  readonly key: string;
}

export interface FileLocation {
  readonly kind: 'file';
  readonly path: string;
}

export interface ParseLocationOptions {
  /** names the setting or argument in errors, e.g. `MONITOR_CAPTURE_LOCATION` */
  readonly what: string;
  /** a path is made absolute against the working directory (settings read once at start) */
  readonly absolutePath?: boolean;
  /** `s3://bucket/` (the whole bucket) is allowed, as for a prefix */
  readonly emptyKey?: boolean;
  /** the key is a prefix: it is made to end in `/` (unless empty) */
  readonly prefix?: boolean;
}

/**
 * Parses `s3://bucket/key` or a local path; throws naming `what` when an `s3://` location has no
 * bucket or no key, or the text is empty.
 *
 * @example parseLocation('s3://data/capture', { what: 'MONITOR_CAPTURE_LOCATION', prefix: true }) // { kind: 's3', bucket: 'data', key: 'capture/' }
 */
export function parseLocation(text: string, options: ParseLocationOptions): Location {
  if (text.trim() === '') throw new Error(`${options.what} is empty`);
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text);
  if (text.startsWith('s3://')) {
    const key = match?.[2] ?? '';
    if (!match || (key === '' && !options.emptyKey)) throw new Error(`${options.what} '${text}' must be s3://bucket/${options.prefix ? 'prefix/' : 'key'}`);
    return { kind: 's3', bucket: match[1] as string, key: options.prefix && key !== '' && !key.endsWith('/') ? `${key}/` : key };
  }
  return { kind: 'file', path: options.absolutePath ? resolve(text) : text };
}

/** The location as a user writes it: `s3://bucket/key` or the path. */
export function describeLocation(location: Location): string {
  return location.kind === 's3' ? `s3://${location.bucket}/${location.key}` : location.path;
}

/** The name after the last `/` (a file's name, for its format and month). */
export function baseName(location: Location): string {
  const full = location.kind === 's3' ? location.key : location.path;
  return full.slice(full.lastIndexOf('/') + 1);
}
