import type { S3Client } from '@aws-sdk/client-s3';
import type { FileStamp } from './file';
import { resolveLocation } from './load-model';
import type { ModelSpec } from './load-model';
import { sidecarNameFor } from './location';

/** Every file a model is loaded from (model, sidecar, MLmodel), by where it is, with its stamp. */
export type ModelFingerprint = ReadonlyMap<string, FileStamp>;

/**
 * The stamps of the files {@link loadServedModel} reads for `spec`: the model file and its
 * sidecar, plus `MLmodel` for an MLflow directory. On S3 each is a HeadObject (ETag, VersionId);
 * on disk a stat, hashed only when mtime or size moved since `previous`. No model bytes are
 * fetched unless a file on disk changed.
 *
 * @example
 * const before = await fingerprintModel(spec, s3);
 * const changed = !sameFingerprint(before, await fingerprintModel(spec, s3, before));
 */
export async function fingerprintModel(spec: ModelSpec, s3: S3Client | undefined, previous?: ModelFingerprint): Promise<ModelFingerprint> {
  const { store, modelFile, mlmodel } = await resolveLocation(spec.location, s3);
  const names = [...(mlmodel ? ['MLmodel'] : []), modelFile, sidecarNameFor(modelFile)];
  const stamps = await Promise.all(names.map(async (name) => [store.describe(name), await store.stamp(name, previous?.get(store.describe(name)))] as const));
  return new Map(stamps);
}

/** Same files with the same tokens (a touched file whose bytes did not change is the same). */
export function sameFingerprint(a: ModelFingerprint, b: ModelFingerprint): boolean {
  if (a.size !== b.size) return false;
  for (const [where, stamp] of a) if (b.get(where)?.token !== stamp.token) return false;
  return true;
}
