import type { S3Client } from '@aws-sdk/client-s3';
import { openByteSource } from './byte-source';
import { openCsvTrips } from './csv';
import { type TripFileFormat } from '../locations';
import { type Location, describeLocation } from '../../../storage/location';
import { openParquetTrips } from './parquet-reader';
import { openTextLines } from './text-lines';
import type { TaxiType, TripReader } from './trip-chunk';

export interface OpenTripsOptions {
  s3?: S3Client;
  taxiType?: TaxiType;
  chunkRows: number;
  /** longest CSV line accepted (BATCH_MAX_LINE_CHARS) */
  maxLineChars?: number;
  /** most values a parquet page may decode to (BATCH_MAX_PAGE_VALUES) */
  maxPageValues?: number;
}

/** The defaults of BATCH_MAX_LINE_CHARS and BATCH_MAX_PAGE_VALUES, for callers without a config (training). */
export const DEFAULT_READ_LIMITS = { maxLineChars: 65_536, maxPageValues: 1_048_576 } as const;

/**
 * Opens a TLC trip file (parquet or CSV, local or S3) for chunked reading; the batch job and
 * the training script both read through here, so both see the same rows.
 */
export async function openTripReader(location: Location, format: TripFileFormat, options: OpenTripsOptions): Promise<TripReader> {
  const where = describeLocation(location);
  const readOptions = { taxiType: options.taxiType, chunkRows: options.chunkRows, maxPageValues: options.maxPageValues ?? DEFAULT_READ_LIMITS.maxPageValues };
  if (format === 'csv') {
    const text = await openTextLines(location, options.s3, { maxLineChars: options.maxLineChars ?? DEFAULT_READ_LIMITS.maxLineChars });
    return openCsvTrips(text, where, readOptions).catch((error: unknown) => {
      text.close();
      throw error;
    });
  }
  const source = await openByteSource(location, options.s3);
  return openParquetTrips(source, where, readOptions).catch(async (error: unknown) => {
    await source.close();
    throw error;
  });
}
