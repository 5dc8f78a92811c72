import { baseName, type Location } from '../../storage/location';

export type TripFileFormat = 'parquet' | 'csv';

/** `.csv` (any case) means CSV; everything else is read and written as parquet. */
export function formatOf(location: Location): TripFileFormat {
  return /\.csv$/i.test(baseName(location)) ? 'csv' : 'parquet';
}
