import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidModelError, ModelLoadError, ModelNotFoundError, isPredictError, type PredictError } from '../serving/errors';
import { loadRunner } from '../model/runtimes';
import { RIDE_FEATURES } from '../rides/features';
import { createServedModel, type ServedModel } from '../model/served-model';
import { parseSidecar, type ModelSidecar } from '../model/sidecar';
import type { ModelExamples } from '../model/examples';
import { isDirectory, readModelFile, readOptionalFile } from './file';
import { isModelObjectKey, sidecarNameFor } from './location';
import { type Location, describeLocation } from '../storage/location';
import type { MLmodel } from './mlflow';
import { fetchOptionalS3Object, fetchS3Object, isMissingObject, s3Stamp } from './s3';
import { fileStamp, type FileStamp } from './file';
import { smokeTest } from './smoke-test';
import { checkExamples, resolveExamples } from './examples-check';

/** Where MLflow writes a model's serving input example unless MLmodel names another file. */
export const SERVING_INPUT_FILE = 'serving_input_example.json';

/** One entry of `MODELS` (or the single MODEL_LOCATION, named `duration`). */
export interface ModelSpec {
  readonly name: string;
  readonly location: Location;
  /** MODEL_VERSION / RUN_ID: wins over the sidecar, the MLmodel and the hash */
  readonly versionOverride?: string;
}

/** Reads the files of one model directory (a folder or an S3 prefix). */
export interface Store {
  read(name: string): Promise<Uint8Array>;
  readOptional(name: string): Promise<Uint8Array | undefined>;
  describe(name: string): string;
  /** a cheap token that changes when the file does (hot swap); `previous` lets it skip work */
  stamp(name: string, previous?: FileStamp): Promise<FileStamp>;
}

/** What a location resolves to: the store, the model file's name in it, and the MLmodel if any. */
export interface Resolved {
  store: Store;
  modelFile: string;
  mlmodel?: MLmodel;
}

/**
 * Loads one model: fetches its bytes (and sidecar, and MLmodel for an MLflow directory), builds
 * the ONNX session and the ServedModel, and runs it once on a well-formed ride (smoke-test.ts):
 * no model is handed out before it has answered. Version: the override, else the sidecar's
 * `model_version`, else the MLflow `run_id`, else the first 12 hex digits of the bytes' sha256
 * (the same wherever the bytes are stored).
 *
 * Failures are classified by what retrying could change: a file that could not be fetched just
 * now is a ModelLoadError (transient); a missing file is a ModelNotFoundError; bytes, sidecar or
 * MLmodel that cannot be used, or a model that fails its first run, an InvalidModelError or
 * UnsupportedModelError (permanent: the files must change).
 */
export interface LoadOptions {
  /**
   * Host the model's session in a worker thread of its own (WorkerOnnxModel): loading and
   * running it never hold the event loop. The runtime sets it when models are hot-swapped.
   */
  readonly sessionInWorker?: boolean;
}

export async function loadServedModel(spec: ModelSpec, s3?: S3Client, options: LoadOptions = {}): Promise<ServedModel> {
  const where = describeLocation(spec.location);
  let resolved: Resolved;
  let bytes: Uint8Array;
  let sidecarBytes: Uint8Array | undefined;
  try {
    resolved = await resolveLocation(spec.location, s3);
    [bytes, sidecarBytes] = await Promise.all([resolved.store.read(resolved.modelFile), resolved.store.readOptional(sidecarNameFor(resolved.modelFile))]);
  } catch (cause) {
    throw fetchFailure(spec, where, cause);
  }
  const model = await buildServedModel(spec, where, resolved, bytes, sidecarBytes, options);
  await smokeTest(model);
  await checkExamples(model);
  return model;
}

async function buildServedModel(
  spec: ModelSpec,
  where: string,
  resolved: Resolved,
  bytes: Uint8Array,
  sidecarBytes: Uint8Array | undefined,
  options: LoadOptions,
): Promise<ServedModel> {
  let sidecar: ModelSidecar | undefined;
  try {
    sidecar = sidecarBytes && parseSidecar(Buffer.from(sidecarBytes).toString('utf8'), resolved.store.describe(sidecarNameFor(resolved.modelFile)));
  } catch (cause) {
    throw new InvalidModelError(`model '${spec.name}': ${(cause as Error).message}`, { cause });
  }
  const servingInput = sidecar?.example_outputs ? await readServingInput(spec, resolved) : undefined;
  let examples: ModelExamples | undefined;
  try {
    examples = resolveExamples(sidecar, resolved.store.describe(sidecarNameFor(resolved.modelFile)), servingInput);
  } catch (cause) {
    throw new InvalidModelError(`model '${spec.name}': ${(cause as Error).message}`, { cause });
  }
  // Before the session: a worker-hosted session takes the bytes over.
  const version = spec.versionOverride ?? sidecar?.model_version ?? resolved.mlmodel?.runId ?? (await contentVersionInSlices(bytes));
  // Model files are ONNX (an .onnx object, or an MLflow directory's onnx flavor); the runtime is chosen by format.
  const runner = await loadRunner('onnx', bytes, `model '${spec.name}' (${where})`, { inWorker: options.sessionInWorker === true });
  try {
    return createServedModel({
      name: spec.name,
      version,
      runner,
      // The course's ride features (PU_DO from the zones) for every model the service loads.
      preprocessing: RIDE_FEATURES,
      source: resolved.store.describe(resolved.modelFile),
      ...(sidecar ? { sidecar } : {}),
      ...(resolved.mlmodel?.signature ? { signature: resolved.mlmodel.signature } : {}),
      ...(examples ? { examples } : {}),
    });
  } catch (cause) {
    await runner.release?.();
    if (isPredictError(cause)) throw cause;
    throw new InvalidModelError(`model '${spec.name}' at ${where} is unusable: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The serving input example of an MLflow directory (read only when the sidecar gives expected
 * outputs for it), or undefined when the directory has none.
 */
async function readServingInput(spec: ModelSpec, resolved: Resolved): Promise<{ text: string; where: string } | undefined> {
  const name = resolved.mlmodel?.servingInputPath ?? SERVING_INPUT_FILE;
  let bytes: Uint8Array | undefined;
  try {
    bytes = await resolved.store.readOptional(name);
  } catch (cause) {
    throw fetchFailure(spec, resolved.store.describe(name), cause);
  }
  return bytes && { text: Buffer.from(bytes).toString('utf8'), where: resolved.store.describe(name) };
}

/**
 * A fetch that failed: a file or object that does not exist (or may not be read) will not appear
 * by retrying the same location, so it is permanent; anything else (a timeout, a 5xx, throttling,
 * a refused connection) is transient. Told apart by the error's code or status, never its text.
 */
function fetchFailure(spec: ModelSpec, where: string, cause: unknown): PredictError {
  if (isPredictError(cause)) return cause;
  const message = `cannot fetch model '${spec.name}' from ${where}: ${(cause as Error).message}`;
  return isMissingFile(cause) || isMissingObject(cause) ? new ModelNotFoundError(message, { cause }) : new ModelLoadError(message, { cause, model: spec.name });
}

const MISSING_FILE_CODES: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM']);

function isMissingFile(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && MISSING_FILE_CODES.has(code);
}

/** The version of bytes with no other name: a short sha256, identical on disk and on S3. */
export function contentVersion(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 12);
}

const HASH_SLICE_BYTES = 1024 * 1024;

/** {@link contentVersion}, hashed 1 MiB at a time with the event loop free between slices (a 55 MB model took ~100 ms at once). */
async function contentVersionInSlices(bytes: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let start = 0; start < bytes.byteLength; start += HASH_SLICE_BYTES) {
    hash.update(bytes.subarray(start, start + HASH_SLICE_BYTES));
    if (start + HASH_SLICE_BYTES < bytes.byteLength) await new Promise((resolve) => setImmediate(resolve));
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * The store a location reads from, and its model file when the location names one; without one
 * it is an MLflow directory, whose `MLmodel` names the file.
 */
export async function locateStore(location: Location, s3: S3Client | undefined): Promise<{ store: Store; modelFile?: string }> {
  if (location.kind === 'file') {
    if (!(await isDirectory(location.path))) return { store: fileStore(dirname(location.path)), modelFile: basename(location.path) };
    return { store: fileStore(location.path) };
  }
  if (!s3) throw new InvalidModelError(`${describeLocation(location)}: an s3:// model location needs an S3 client, and none is configured`);
  if (isModelObjectKey(location.key)) {
    const slash = location.key.lastIndexOf('/');
    return { store: s3Store(s3, location.bucket, location.key.slice(0, slash + 1)), modelFile: location.key.slice(slash + 1) };
  }
  return { store: s3Store(s3, location.bucket, `${location.key}/`) };
}

async function resolveLocation(location: Location, s3: S3Client | undefined): Promise<Resolved> {
  const { store, modelFile } = await locateStore(location, s3);
  return modelFile === undefined ? withMLmodel(store) : { store, modelFile };
}

/** Reads and parses a directory's `MLmodel`: which file holds the model, its run id and signature. */
export async function withMLmodel(store: Store): Promise<Resolved> {
  const text = await store.readOptional('MLmodel');
  if (text === undefined) {
    throw new ModelNotFoundError(`${store.describe('MLmodel')} not found: a model location is an .onnx file or an MLflow model directory holding MLmodel`);
  }
  // Imported here: only MLflow directories need the YAML parser (a chunk of its own in the asset).
  const { parseMLmodel } = await import('./mlflow.js');
  let mlmodel: MLmodel;
  try {
    mlmodel = parseMLmodel(Buffer.from(text).toString('utf8'), store.describe('MLmodel'));
  } catch (cause) {
    throw new InvalidModelError((cause as Error).message, { cause });
  }
  return { store, modelFile: mlmodel.modelFile, mlmodel };
}

function fileStore(dir: string): Store {
  return {
    read: (name) => readModelFile(join(dir, name)),
    readOptional: (name) => readOptionalFile(join(dir, name)),
    describe: (name) => join(dir, name),
    stamp: (name, previous) => fileStamp(join(dir, name), previous),
  };
}

function s3Store(s3: S3Client, bucket: string, prefix: string): Store {
  return {
    read: (name) => fetchS3Object(s3, bucket, `${prefix}${name}`),
    readOptional: (name) => fetchOptionalS3Object(s3, bucket, `${prefix}${name}`),
    describe: (name) => `s3://${bucket}/${prefix}${name}`,
    stamp: (name) => s3Stamp(s3, bucket, `${prefix}${name}`),
  };
}
