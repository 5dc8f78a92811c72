/** Model bytes, sidecars and MLmodel files from S3 or disk, loaded into the served set. */
export { parseModelLocation } from './location';
export { loadServedModel, contentVersion, type LoadOptions, type ModelSpec } from './load-model';
export {
  ModelSetCache,
  RETRY_PERMANENT_MS,
  RETRY_TRANSIENT_MS,
  type ModelLoadFailure,
  type ModelSetCacheOptions,
  type ModelState,
  type ModelStatus,
} from './model-set-cache';
// parseMLmodel is not re-exported: load-model imports it on demand, so the YAML parser stays out of a cold start (infra/bundling.ts).
export type { MLmodel } from './mlflow';
export { fingerprintModel, sameFingerprint, type ModelFingerprint } from './model-fingerprint';
export { ModelRefresher, type ModelRefresherOptions, type RefreshCounts, type RefreshLog } from './model-refresher';
export { representativeBatch, smokeTest } from './smoke-test';
