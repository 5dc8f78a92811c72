import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../config/index';
import type { ModelSet } from '../../model/model-set';
import { failedModelOf, isPredictError } from '../../serving/errors';
import { parseBatchRequest, resolveBatchJob } from './job';
import { describeLocation } from '../../storage/location';
import { runBatchJob, type BatchRunOptions, type BatchSummary } from './run-batch';

export interface BatchDeps {
  /** every model, one snapshot per job; rejects naming a model that cannot be loaded (the job fails) */
  getModels(): Promise<ModelSet>;
  s3: S3Client;
  settings: Config['batch'];
  log: {
    info(message: string, extra?: Record<string, unknown>): void;
    error(message: string, extra?: Record<string, unknown>): void;
  };
  /** the one inference path (it tells metrics, capture and shadows) */
  dataplane: BatchRunOptions['dataplane'];
}

/**
 * The batch entry point: event → job → one scored file → summary. A failed run throws (the
 * invocation fails, so EventBridge's retries and alarms see it) after logging the error's
 * code; nothing is left at the output location, nor in /tmp by an earlier invocation that
 * timed out (runBatchJob removes its staging files before it starts).
 *
 * @example await handleBatchEvent({ taxi_type: 'green', year: 2021, month: 2 }, runtime.batch)
 */
export async function handleBatchEvent(event: unknown, deps: BatchDeps): Promise<BatchSummary> {
  try {
    const request = parseBatchRequest(event);
    const set = await deps.getModels();
    const job = resolveBatchJob(request, {
      templates: { input: deps.settings.inputTemplate, output: deps.settings.outputTemplate },
      scheduledTaxiType: deps.settings.scheduledTaxiType,
      runId: set.require(set.primary).version,
    });
    deps.log.info('batch job started', { input: describeLocation(job.input), output: describeLocation(job.output), runId: job.runId });
    const summary = await runBatchJob(job, set, {
      s3: deps.s3,
      chunkRows: deps.settings.chunkRows,
      maxLineChars: deps.settings.maxLineChars,
      maxPageValues: deps.settings.maxPageValues,
      dataplane: deps.dataplane,
      // A previous invocation that timed out was killed mid-run; its staging file is still in /tmp.
      onStaleStagingRemoved: (files) => deps.log.info('removed staging files of an interrupted run', { count: files.length, files }),
    });
    deps.log.info('batch job finished', { ...summary });
    return summary;
  } catch (error) {
    const model = failedModelOf(error);
    deps.log.error('batch job failed', {
      code: isPredictError(error) ? error.code : 'UNEXPECTED',
      error: (error as Error).message,
      ...(model === undefined ? {} : { model }),
    });
    throw error;
  }
}
