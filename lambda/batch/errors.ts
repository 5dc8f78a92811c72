import { PredictError } from '../core/errors';

/**
 * A trip file that cannot be scored as a whole: empty, not parquet/CSV, a required column
 * missing or of the wrong type. Row-level problems (a null zone, a bad duration) are not
 * errors: those rows are skipped and counted by reason.
 */
export class TripFileError extends PredictError {
  readonly code = 'INVALID_TRIP_FILE';
  constructor(
    message: string,
    readonly location: string,
    options?: ErrorOptions,
  ) {
    super(`${location}: ${message}`, options);
  }
}

/** The input file or object does not exist. */
export class TripFileNotFoundError extends PredictError {
  readonly code = 'TRIP_FILE_NOT_FOUND';
  constructor(
    readonly location: string,
    options?: ErrorOptions,
  ) {
    super(`${location}: no such file or object`, options);
  }
}

/** A batch request (Lambda event or CLI arguments) that does not describe a runnable job. */
export class BatchJobError extends PredictError {
  readonly code = 'INVALID_BATCH_JOB';
}
