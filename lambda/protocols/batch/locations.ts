/** Where a trip file or a scored output lives: an S3 object or a local path. */
export type DataLocation = { kind: 's3'; bucket: string; key: string } | { kind: 'file'; path: string };

/**
 * Parses `s3://bucket/key` or a local path.
 *
 * @example parseDataLocation('s3://data/trip-data/green_tripdata_2021-02.parquet')
 * // { kind: 's3', bucket: 'data', key: 'trip-data/green_tripdata_2021-02.parquet' }
 */
export function parseDataLocation(text: string): DataLocation {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(text);
  if (match) return { kind: 's3', bucket: match[1] as string, key: match[2] as string };
  if (text.startsWith('s3://')) throw new Error(`'${text}' must be s3://bucket/key`);
  if (text.trim() === '') throw new Error('a location must not be empty');
  return { kind: 'file', path: text };
}

export function describeDataLocation(location: DataLocation): string {
  return location.kind === 's3' ? `s3://${location.bucket}/${location.key}` : location.path;
}

/** The file name part (after the last `/`), for format and month detection. */
export function baseName(location: DataLocation): string {
  const full = location.kind === 's3' ? location.key : location.path;
  return full.slice(full.lastIndexOf('/') + 1);
}

export type TripFileFormat = 'parquet' | 'csv';

/** `.csv` (any case) means CSV; everything else is read and written as parquet. */
export function formatOf(location: DataLocation): TripFileFormat {
  return /\.csv$/i.test(baseName(location)) ? 'csv' : 'parquet';
}
