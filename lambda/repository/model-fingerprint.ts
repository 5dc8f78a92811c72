import type { S3Client } from '@aws-sdk/client-s3';
import type { FileStamp } from './file';
import { SERVING_INPUT_FILE, locateStore, withMLmodel, type ModelSpec, type Store } from './load-model';
import { sidecarNameFor } from './location';

/** The stamps of every file a model is loaded from (by where it is), and which file is the model. */
export interface ModelFingerprint {
  readonly stamps: ReadonlyMap<string, FileStamp>;
  readonly modelFile: string;
}

/**
 * The stamps of the files {@link loadServedModel} reads for `spec`: the model file and its
 * sidecar, plus `MLmodel` for an MLflow directory (read again only when its own stamp moved, to
 * learn which file it names now). On S3 a stamp is a HeadObject (ETag, VersionId); on disk a
 * stat, hashed only when mtime or size moved since `previous`. While nothing changed, no bytes
 * are fetched.
 *
 * @example
 * const before = await fingerprintModel(spec, s3);
 * const changed = !sameFingerprint(before, await fingerprintModel(spec, s3, before));
 */
export async function fingerprintModel(spec: ModelSpec, s3: S3Client | undefined, previous?: ModelFingerprint): Promise<ModelFingerprint> {
  const located = await locateStore(spec.location, s3);
  const { store } = located;
  const stamps = new Map<string, FileStamp>();
  let modelFile = located.modelFile;
  const extra: string[] = [];
  if (modelFile === undefined) {
    // An MLflow directory's examples are its serving input example with the sidecar's outputs.
    extra.push(SERVING_INPUT_FILE);
    const where = store.describe('MLmodel');
    const mlmodel = await store.stamp('MLmodel', previous?.stamps.get(where));
    stamps.set(where, mlmodel);
    modelFile = previous && previous.stamps.get(where)?.token === mlmodel.token ? previous.modelFile : (await withMLmodel(store)).modelFile;
  }
  for (const name of [modelFile, sidecarNameFor(modelFile), ...extra]) stamps.set(store.describe(name), await stampOf(store, name, previous));
  return { stamps, modelFile };
}

/** Same files with the same tokens (a touched file whose bytes did not change is the same). */
export function sameFingerprint(a: ModelFingerprint, b: ModelFingerprint): boolean {
  if (a.stamps.size !== b.stamps.size) return false;
  for (const [where, stamp] of a.stamps) if (b.stamps.get(where)?.token !== stamp.token) return false;
  return true;
}

/**
 * Has the model file changed while its sidecar, present, has not? Then a version the sidecar
 * names belongs to the bytes it was written for, not to these (a model uploaded before its
 * sidecar).
 */
export function modelChangedWithoutSidecar(previous: ModelFingerprint, current: ModelFingerprint): boolean {
  const token = (fingerprint: ModelFingerprint, name: string) =>
    [...fingerprint.stamps].find(([where]) => where === name || where.endsWith(`/${name}`))?.[1].token;
  const sidecar = sidecarNameFor(current.modelFile);
  const modelChanged = previous.modelFile !== current.modelFile || token(previous, current.modelFile) !== token(current, current.modelFile);
  const sidecarNow = token(current, sidecar);
  return modelChanged && sidecarNow !== undefined && sidecarNow !== 'absent' && sidecarNow === token(previous, sidecar);
}

function stampOf(store: Store, name: string, previous: ModelFingerprint | undefined): Promise<FileStamp> {
  return store.stamp(name, previous?.stamps.get(store.describe(name)));
}
