import { resolve } from 'node:path';

/** An S3 object or prefix (`key` may end in `/`), or a local path. */
export type StorageLocation = { kind: 's3'; bucket: string; key: string } | { kind: 'file'; path: string };

/** The scheduled monitor's settings (Config.monitor), from MONITOR_* variables. */
export interface MonitorSettings {
  /** MONITOR_CAPTURE_LOCATION: s3://bucket/capture/ or a capture directory */
  readonly captureLocation: StorageLocation;
  /** MONITOR_REFERENCE_LOCATION: the training data's reference profiles, one per model (comma-separated), merged */
  readonly referenceLocations: readonly StorageLocation[];
  /** MONITOR_ACTUALS_LOCATION: s3://bucket/actuals/ (dt=YYYY-MM-DD/ partitions) or a directory of actuals files; unset = no ground truth */
  readonly actualsLocation?: StorageLocation;
  /** MONITOR_OUTPUT_LOCATION: s3://bucket/monitoring/ or a directory */
  readonly outputLocation: StorageLocation;
  /** MONITOR_PERIOD_DAYS: how far back a run reads */
  readonly periodDays: number;
  /** MONITOR_MAX_RECORDS: most capture records one run reads */
  readonly maxRecords: number;
}

/**
 * Parses `s3://bucket/key-or-prefix` or a local path; `variable` names the setting in errors.
 *
 * @example parseStorageLocation('s3://data/capture/', 'MONITOR_CAPTURE_LOCATION') // { kind: 's3', bucket: 'data', key: 'capture/' }
 */
export function parseStorageLocation(text: string, variable: string): StorageLocation {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(text);
  if (match) return { kind: 's3', bucket: match[1] as string, key: match[2] as string };
  if (text.startsWith('s3://')) throw new Error(`${variable} '${text}' must be s3://bucket/key`);
  return { kind: 'file', path: resolve(text) };
}
