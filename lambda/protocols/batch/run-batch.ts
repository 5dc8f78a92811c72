import type { S3Client } from '@aws-sdk/client-s3';
import type { ModelSet } from '../../model/model-set';
import type { SkipReason } from '../../rides/trips';
import { createCsvSink } from './trip-files/csv';
import { pad2, type BatchJob } from './job';
import { describeLocation } from '../../storage/location';
import { openTripReader } from './trip-files/open-trips';
import { createParquetSink } from './output/parquet-sink';
import type { OutputLayout, ScoredSink } from './output/scored-chunk';
import { planScoring, scoreTrips, type ScoreTripsOptions } from './score-trips';
import { clearStaleStaging, stageOutput } from './output/staged-output';
import { checkOutputLocation } from './output/output-guard';
import { isPredictError } from '../../serving/errors';
import { outputFailure } from './errors';

export interface BatchRunOptions {
  /** needed when the input or output is on S3 */
  s3?: S3Client;
  /** most rows per chunk, i.e. per model run */
  chunkRows: number;
  onProgress?(rowsRead: number, totalRows: number | undefined): void;
  /** BATCH_MAX_LINE_CHARS and BATCH_MAX_PAGE_VALUES (defaults in open-trips.ts) */
  maxLineChars?: number;
  maxPageValues?: number;
  /** told which staging files of stopped runs were removed before this run (none: not called) */
  onStaleStagingRemoved?(paths: string[]): void;
  /** the one inference path (see scoreTrips) */
  dataplane: ScoreTripsOptions['dataplane'];
}

/** What a run reports (the Lambda's return value, the CLI's last line). */
export interface BatchSummary {
  input: string;
  output: string;
  run_id: string;
  taxi_type: string;
  year: number;
  month: number;
  model_version: string;
  model_versions: Record<string, string>;
  rows_read: number;
  rows_kept: number;
  rows_scored: number;
  rows_skipped: Record<SkipReason, number>;
  seconds: number;
  rows_per_second: number;
}

/**
 * Scores one trip file into one output file. The output appears only when the whole file
 * was scored; on any error the temporary file is removed and the error passed on.
 *
 * @example
 * const summary = await runBatchJob(job, await models.get(), { chunkRows: 131_072 });
 */
export async function runBatchJob(job: BatchJob, set: ModelSet, options: BatchRunOptions): Promise<BatchSummary> {
  const started = performance.now();
  // Before anything is opened for writing: the output must not be the input under another name.
  await checkOutputLocation(job.input, job.output);
  await removeStaleStagingOf(job, options);
  const reader = await openTripReader(job.input, job.inputFormat, {
    s3: options.s3,
    taxiType: job.taxiType,
    chunkRows: options.chunkRows,
    maxLineChars: options.maxLineChars,
    maxPageValues: options.maxPageValues,
  });
  try {
    // Before any output exists: a model input the file lacks fails the run here, naming it.
    const plan = planScoring(set, reader.columns, reader.pickupColumn, describeLocation(job.input));
    const staged = await stageOutput(job.output, options.s3);
    let sink: ScoredSink | undefined;
    try {
      sink = await createSink(job, staged.tempPath, plan.layout);
      const counts = await scoreTrips({
        reader,
        sink,
        set,
        plan,
        rideIdPrefix: `${job.year}/${pad2(job.month)}_`,
        onProgress: options.onProgress,
        dataplane: options.dataplane,
      });
      await sink.finish();
      await staged.commit();
      const seconds = (performance.now() - started) / 1000;
      return {
        input: describeLocation(job.input),
        output: describeLocation(job.output),
        run_id: job.runId,
        taxi_type: reader.taxiType,
        year: job.year,
        month: job.month,
        model_version: plan.layout.modelVersion,
        model_versions: JSON.parse(plan.layout.modelVersions) as Record<string, string>,
        rows_read: counts.rowsRead,
        rows_kept: counts.rowsKept,
        rows_scored: counts.rowsScored,
        rows_skipped: counts.skipped,
        seconds: Number(seconds.toFixed(3)),
        rows_per_second: Math.round(counts.rowsRead / Math.max(seconds, 1e-9)),
      };
    } catch (error) {
      sink?.abort();
      await staged.discard();
      // Input problems are already typed (TripFileError); a file-system call's error here is the output's.
      throw !isPredictError(error) && typeof (error as NodeJS.ErrnoException).syscall === 'string' ? outputFailure(error, describeLocation(job.output)) : error;
    }
  } finally {
    await reader.close();
  }
}

/** A run stopped by SIGKILL, a power loss or a Lambda timeout could not remove its staging file; this one does. */
async function removeStaleStagingOf(job: BatchJob, options: BatchRunOptions): Promise<void> {
  const removed = await clearStaleStaging(job.output).catch((error: unknown) => {
    throw outputFailure(error, describeLocation(job.output));
  });
  if (removed.length > 0) options.onStaleStagingRemoved?.(removed);
}

function createSink(job: BatchJob, path: string, layout: OutputLayout): Promise<ScoredSink> | ScoredSink {
  return job.outputFormat === 'csv' ? createCsvSink(path, layout) : createParquetSink(path, layout);
}
