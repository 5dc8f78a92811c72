import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { InputColumn } from '../models/input-batch';
import type { ServedModel } from '../models/served-model';
import { isModelObjectKey, type ModelLocation } from './location';
import type { ModelSpec } from './load-model';
import type { ModelSetCache } from './model-set-cache';

/**
 * What identifies the bytes at a model location without fetching them: S3's ETag and version id
 * (a HEAD request, allowed by s3:GetObject on the key), or a file's mtime and size plus the
 * sha256 of its content (read only when mtime or size moved, so touching a file is no change).
 * An MLflow directory is identified by its MLmodel file (a new run writes a new run_id).
 */
export interface Fingerprint {
  readonly stamp: string;
  readonly hash?: string;
}

export async function fingerprintOf(location: ModelLocation, s3: S3Client | undefined, previous?: Fingerprint): Promise<Fingerprint> {
  if (location.kind === 's3') {
    if (!s3) throw new Error('no S3 client configured');
    const key = isModelObjectKey(location.key) ? location.key : `${location.key}/MLmodel`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: key }));
    return { stamp: `${head.ETag ?? ''}#${head.VersionId ?? ''}` };
  }
  const info = await stat(location.path);
  const path = info.isDirectory() ? join(location.path, 'MLmodel') : location.path;
  const file = info.isDirectory() ? await stat(path) : info;
  const stamp = `${file.mtimeMs}:${file.size}`;
  if (previous?.stamp === stamp) return previous;
  return { stamp, hash: createHash('sha256').update(await readFile(path)).digest('hex') };
}

function sameModel(a: Fingerprint | undefined, b: Fingerprint): boolean {
  if (!a) return false;
  return a.hash !== undefined && b.hash !== undefined ? a.hash === b.hash : a.stamp === b.stamp;
}

/** What the refresher tells the log and the counters. */
export interface RefreshEvents {
  swapped(event: { model: string; from: string; to: string; loadMs: number }): void;
  /** a changed model that failed to load or to give a finite prediction: the old one keeps serving */
  refused(event: { model: string; reason: string }): void;
  /** the location could not be checked (S3 or the file unreachable): tried again at the next interval */
  checkFailed(event: { model: string; reason: string }): void;
}

export interface RefresherOptions {
  intervalMs: number;
  load(spec: ModelSpec): Promise<ServedModel>;
  events: RefreshEvents;
  s3?: S3Client;
  /** how long a replaced model stays alive for requests that still hold it, before its session is released */
  releaseAfterMs?: number;
  now?(): number;
}

/**
 * Hot swap in a warm process (MODEL_REFRESH_SECONDS). `poke()` is called as requests arrive and
 * never waits: when the interval has passed and no check is running, it starts one in the
 * background (in Lambda no timer runs while the environment is frozen, so the check starts with
 * the first invocation after the interval and may finish during a later one). A check compares
 * each model location's fingerprint with the one served; a changed model is loaded into a new
 * session, must give one finite prediction on a row within its bounds, and is then swapped in
 * atomically. One that fails is refused — the old model keeps serving — and is not tried again
 * until its location changes again.
 *
 * @example
 * const refresher = new ModelRefresher(cache, specs, { intervalMs: 60_000, load, events, s3 });
 * const getModels = () => (refresher.poke(), cache.get());
 */
export class ModelRefresher {
  private readonly served = new Map<string, Fingerprint>();
  private readonly refusedAt = new Map<string, Fingerprint>();
  private lastCheck: number;
  private running: Promise<void> | undefined;
  readonly counts = { checks: 0, swaps: 0, refusals: 0, checkFailures: 0 };

  constructor(
    private readonly cache: ModelSetCache,
    private readonly specs: readonly ModelSpec[],
    private readonly options: RefresherOptions,
  ) {
    this.lastCheck = this.now();
    // What is being loaded now is what is served: fingerprint it, in the background.
    this.running = this.baseline().finally(() => (this.running = undefined));
  }

  /** Starts a check if one is due; returns at once. */
  poke(): void {
    if (this.running || this.now() - this.lastCheck < this.options.intervalMs) return;
    this.lastCheck = this.now();
    this.running = this.check().finally(() => (this.running = undefined));
  }

  /** The check in progress, if any (tests and shutdown wait on it). */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private async baseline(): Promise<void> {
    await Promise.all(
      this.specs.map(async (spec) => {
        try {
          this.served.set(spec.name, await fingerprintOf(spec.location, this.options.s3));
        } catch {
          // Unreachable now: the first check fingerprints it (and reloads what it finds).
        }
      }),
    );
  }

  private async check(): Promise<void> {
    this.counts.checks++;
    for (const spec of this.specs) {
      let current: Fingerprint;
      try {
        current = await fingerprintOf(spec.location, this.options.s3, this.served.get(spec.name));
      } catch (error) {
        this.counts.checkFailures++;
        this.options.events.checkFailed({ model: spec.name, reason: (error as Error).message });
        continue;
      }
      if (sameModel(this.served.get(spec.name), current) || sameModel(this.refusedAt.get(spec.name), current)) continue;
      await this.swap(spec, current);
    }
  }

  private async swap(spec: ModelSpec, fingerprint: Fingerprint): Promise<void> {
    const started = this.now();
    let model: ServedModel;
    try {
      model = await this.options.load(spec);
      await smokeTest(model);
    } catch (error) {
      this.counts.refusals++;
      this.refusedAt.set(spec.name, fingerprint);
      this.options.events.refused({ model: spec.name, reason: (error as Error).message });
      return;
    }
    const previous = this.cache.replace(model);
    this.served.set(spec.name, fingerprint);
    this.refusedAt.delete(spec.name);
    if (!previous) {
      // Not loaded yet (the first load is still running or failed): nothing to swap; the cache loads it itself.
      void model.release();
      return;
    }
    this.counts.swaps++;
    this.options.events.swapped({ model: spec.name, from: previous.version, to: model.version, loadMs: Math.round(this.now() - started) });
    // Requests that took the old set before the swap finish on it; its session is freed later.
    setTimeout(() => void previous.release().catch(() => undefined), this.options.releaseAfterMs ?? 60_000).unref();
  }
}

/**
 * One prediction on a row every field accepts (each number at its lower bound, or 1 when that is
 * allowed, within its upper bound): a model that cannot run or answers NaN/Infinity is refused.
 */
async function smokeTest(model: ServedModel): Promise<void> {
  const columns: Record<string, InputColumn> = {};
  for (const field of model.fields) {
    if (field.kind === 'string') {
      columns[field.name] = ['1'];
      continue;
    }
    const low = Math.max(field.min ?? 1, Math.min(1, field.max ?? 1));
    columns[field.name] = Float64Array.of(field.max !== undefined ? Math.min(low, field.max) : low);
  }
  const [value] = await model.predict({ length: 1, columns });
  if (value === undefined || !Number.isFinite(value)) throw new Error(`the smoke-test prediction is ${String(value)}, not a finite number`);
}
