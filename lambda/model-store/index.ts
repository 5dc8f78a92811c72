import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { ModelLoadError, isPredictError } from '../core/errors';
import { OnnxModel } from '../core/model';
import { createPredictService, type PredictService } from '../core/predict';
import { describeModelLocation, type ModelLocation } from './location';
import { readModelFile } from './file';
import { fetchS3Model } from './s3';

export { parseModelLocation, describeModelLocation, type ModelLocation } from './location';

/** Model bytes plus the version the store knows them by (S3 version id or ETag), if any. */
export interface ModelBytes {
  bytes: Uint8Array;
  storeVersion?: string;
}

export interface LoadModelOptions {
  location: ModelLocation;
  /** needed for s3 locations */
  s3?: S3Client;
  /** MODEL_VERSION / RUN_ID: wins over what the store says */
  versionOverride?: string;
}

/**
 * Fetches the model and builds the predict service. Version: the override if given, else the
 * store's version id or ETag, else a short sha256 of the bytes.
 */
export async function loadPredictService(options: LoadModelOptions): Promise<PredictService> {
  const { location } = options;
  let fetched: ModelBytes;
  try {
    if (location.kind === 'file') fetched = await readModelFile(location.path);
    else if (options.s3) fetched = await fetchS3Model(options.s3, location.bucket, location.key);
    else throw new Error('no S3 client configured');
  } catch (cause) {
    throw new ModelLoadError(`cannot fetch model from ${describeModelLocation(location)}: ${(cause as Error).message}`, { cause });
  }
  try {
    const model = await OnnxModel.fromBytes(fetched.bytes);
    const version = options.versionOverride ?? fetched.storeVersion ?? createHash('sha256').update(fetched.bytes).digest('hex').slice(0, 12);
    return createPredictService(model, version);
  } catch (cause) {
    if (isPredictError(cause) && cause.code === 'UNSUPPORTED_MODEL') throw cause;
    throw new ModelLoadError(`model at ${describeModelLocation(location)} is unusable: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The one model a process serves. Loads once: concurrent callers share the same load; a
 * failed load is forgotten so the next caller retries, and no caller ever sees a
 * half-loaded model.
 */
export class ModelCache {
  private pending: Promise<PredictService> | undefined;
  private loaded: PredictService | undefined;

  constructor(private readonly load: () => Promise<PredictService>) {}

  /** The loaded service, loading it first if needed. Rejects with the load's error. */
  get(): Promise<PredictService> {
    if (this.loaded) return Promise.resolve(this.loaded);
    this.pending ??= this.load().then(
      (service) => {
        this.loaded = service;
        return service;
      },
      (error: unknown) => {
        // Forget a failed load so the next invocation retries instead of failing forever.
        this.pending = undefined;
        throw error;
      },
    );
    return this.pending;
  }

  /**
   * Starts loading without waiting (Lambda module init, server start). A failure is passed to
   * `onError` (for the log) and retried by the next get().
   */
  warm(onError: (error: unknown) => void): void {
    this.get().catch(onError);
  }

  /** The service if already loaded, without waiting. */
  current(): PredictService | undefined {
    return this.loaded;
  }
}
