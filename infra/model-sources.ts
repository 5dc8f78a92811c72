import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import type { ModelPair } from '../lambda/contract';
import { ContextError } from './errors';

/** The project root: project paths in `-c models=` are relative to it. */
export const PROJECT_ROOT = resolve(__dirname, '..');

/** Where uploaded project models go in the model bucket: `models/<name>/<content hash>/…`. */
export const UPLOAD_PREFIX = 'models/';

/**
 * A model location as the stack treats it: project files are uploaded by the stack (under a key
 * made from their content), s3:// locations are read where they are.
 */
export type ModelSource =
  /** a project .onnx file (+ its sidecar `<stem>.json` and `reference-profile.json` when present) */
  | { readonly kind: 'project-file'; readonly name: string; readonly path: string; readonly files: readonly string[]; readonly hash: string }
  /** a project MLflow model directory (has an MLmodel file); every file is uploaded */
  | { readonly kind: 'project-directory'; readonly name: string; readonly path: string; readonly files: readonly string[]; readonly hash: string }
  /** an object; `bucket` undefined = the stack's model bucket (legacy `modelKey`) */
  | { readonly kind: 's3-object'; readonly name: string; readonly bucket?: string; readonly key: string }
  /** an MLflow model directory on S3 */
  | { readonly kind: 's3-prefix'; readonly name: string; readonly bucket: string; readonly prefix: string };

export type ProjectModelSource = Extract<ModelSource, { kind: 'project-file' | 'project-directory' }>;

/**
 * Classifies one `name=location` pair, reading project files to hash them. Throws naming the
 * model when a project path does not exist or a directory is not an MLflow model.
 */
export function modelSourceOf(pair: ModelPair, root = PROJECT_ROOT): ModelSource {
  const { name, location } = pair;
  if (location.startsWith('s3://')) {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    if (!match) throw new ContextError('models', `model '${name}': '${location}' must be s3://bucket/key.onnx or s3://bucket/prefix`);
    const [, bucket, rest] = match as unknown as [string, string, string];
    return rest.endsWith('.onnx') ? { kind: 's3-object', name, bucket, key: rest } : { kind: 's3-prefix', name, bucket, prefix: rest.replace(/\/+$/, '') };
  }
  const path = resolve(root, location);
  if (!existsSync(path)) throw new ContextError('models', `model '${name}': ${location} does not exist (paths are relative to ${root})`);
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, 'MLmodel'))) throw new ContextError('models', `model '${name}': ${location} is a directory without an MLmodel file`);
    const files = listFiles(path);
    return { kind: 'project-directory', name, path, files, hash: contentHash(path, files) };
  }
  // The sidecar the runtime reads, and the training profile the monitor compares capture with
  // (`npm run train` writes it as reference-profile.json in the model's directory: lambda/monitoring).
  const stem = basename(path, extname(path));
  const companions = [`${stem}.json`, 'reference-profile.json'].filter((file) => existsSync(join(dirname(path), file)));
  const files = [basename(path), ...companions];
  return { kind: 'project-file', name, path, files, hash: contentHash(dirname(path), files) };
}

/**
 * The key prefix an uploaded project model gets: its name and a hash of every byte the runtime
 * reads (model and sidecar, or the whole MLflow directory). New bytes, new key; the same bytes,
 * the same key — so the function configuration changes exactly when the model does.
 */
export function uploadPrefixOf(source: ProjectModelSource): string {
  return `${UPLOAD_PREFIX}${source.name}/${source.hash}/`;
}

/** The key (object) or prefix (MLflow directory) the runtime is pointed at for an uploaded model. */
export function uploadedLocationKey(source: ProjectModelSource): string {
  const prefix = uploadPrefixOf(source);
  return source.kind === 'project-file' ? `${prefix}${basename(source.path)}` : prefix.replace(/\/$/, '');
}

/** sha256 over the files' relative names and bytes, in order; 16 hex characters (64 bits). */
function contentHash(dir: string, files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(dir, file)))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

function listFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(relative(dir, full));
    }
  };
  walk(dir);
  return found.sort();
}
