import { PredictError } from '../../serving/errors';

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

/**
 * The output could not be written: the destination is not a regular file, or the file system
 * refused (no space, read-only, a path component that is a file, no permission). `reason` is
 * the system's code (ENOSPC, EROFS, ENOTDIR, EISDIR, EACCES, NoSuchBucket …) when there is one.
 */
export class BatchOutputError extends PredictError {
  readonly code = 'BATCH_OUTPUT_FAILED';
  constructor(
    message: string,
    readonly location: string,
    readonly reason?: string,
    options?: ErrorOptions,
  ) {
    super(`${location}: ${message}`, options);
  }
}

/** A file-system or S3 error met while writing `location`, as a BatchOutputError naming its code. */
export function outputFailure(error: unknown, location: string): BatchOutputError {
  if (error instanceof BatchOutputError) return error;
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
  return new BatchOutputError(`cannot write the output (${reason}): ${(error as Error).message}`, location, reason, { cause: error });
}
