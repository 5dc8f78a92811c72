import type { ModelSet, ModelSetOptions } from '../model/model-set';
import { createModelSet } from '../model/model-set';
import type { ServedModel } from '../model/served-model';
import { ModelLoadError, ModelUnavailableError, PermanentModelError, UnknownModelError, isPredictError, oneLine } from '../serving/errors';
import type { ModelSpec } from './load-model';
import { redactSecrets } from '../observability/log-redaction';

/** A model's load state, as /health reports it. */
export type ModelState = 'loading' | 'loaded' | 'failed';

export interface ModelStatus {
  readonly name: string;
  readonly state: ModelState;
  readonly version?: string;
  /** a failed model's error code: MODEL_LOAD_FAILED (transient) or MODEL_NOT_FOUND, INVALID_MODEL, UNSUPPORTED_MODEL (permanent) */
  readonly code?: string;
  /** a failed model's reason, one line */
  readonly reason?: string;
}

/**
 * How long a failed model waits before a request may load it again. A transient failure (S3
 * unreachable, throttled, a 5xx) is retried soon; a permanent one (a missing file, bytes that
 * are not a usable model) only changes when someone fixes the files, so it is looked at again
 * rarely. Either way a failing model costs at most one load attempt per interval, never one per
 * request.
 */
export const RETRY_TRANSIENT_MS = 5_000;
export const RETRY_PERMANENT_MS = 60_000;

/** One failed load, as the runtime logs it. */
export interface ModelLoadFailure {
  readonly model: string;
  readonly code: string;
  readonly reason: string;
  readonly permanent: boolean;
  /** seconds until a request may try again */
  readonly retryInSeconds: number;
}

export interface ModelSetCacheOptions extends ModelSetOptions {
  /** told about each failed load (the runtime logs it, naming the model) */
  onLoadFailed?(failure: ModelLoadFailure): void;
  /** milliseconds, for the retry back-off; tests move it by hand */
  now?(): number;
}

interface Failure {
  readonly error: unknown;
  /** when a request may load the model again */
  readonly retryAt: number;
}

interface Entry {
  readonly spec: ModelSpec;
  pending?: Promise<void>;
  loaded?: ServedModel;
  failure?: Failure;
}

/**
 * The models a process serves, each loaded once, concurrently, and cached on its own. A model
 * that fails to load does not take the others down: `get([name])` answers with the models asked
 * for as soon as they are loaded, whatever the others do; `get()` (every model: `/predict`, a
 * stream batch, a batch job) rejects naming the first model that is not available. A failed model
 * is loaded again by a later `get()` that needs it, at most once per {@link RETRY_TRANSIENT_MS}
 * (or {@link RETRY_PERMANENT_MS}); concurrent callers share one load.
 *
 * What a caller gets for a failed model: a ModelLoadError (transient; `retryAfterSeconds` says
 * when the next attempt is due) or a ModelUnavailableError (permanent; the files must change).
 *
 * @example
 * const cache = new ModelSetCache(config.models, (spec) => loadServedModel(spec, s3));
 * const all = await cache.get();            // every model, or the error of one that is not available
 * const one = await cache.get(['duration']); // duration alone, even while cost is broken
 */
export class ModelSetCache {
  private readonly entries: Entry[];
  private readonly byName: ReadonlyMap<string, Entry>;
  /** the set of every model, once all are loaded */
  private set: ModelSet | undefined;
  /** sets of some of the models (`/predict/<name>`), by their names */
  private readonly subsets = new Map<string, ModelSet>();
  private readonly now: () => number;

  constructor(
    specs: readonly ModelSpec[],
    private readonly load: (spec: ModelSpec) => Promise<ServedModel>,
    private readonly options: ModelSetCacheOptions = {},
  ) {
    this.entries = specs.map((spec) => ({ spec }));
    this.byName = new Map(this.entries.map((entry) => [entry.spec.name, entry]));
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * The set of the named models (every configured model by default), loading what is missing
   * first. Rejects with UnknownModelError for a name not configured, else with the load error of
   * the first named model that is not available (see the class comment).
   */
  get(names?: readonly string[]): Promise<ModelSet> {
    if (names === undefined && this.set) return Promise.resolve(this.set);
    let wanted: Entry[];
    try {
      wanted = names === undefined ? this.entries : this.entriesNamed(names);
      const ready = this.readySet(wanted);
      if (ready) return Promise.resolve(ready);
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.all(wanted.map((entry) => this.settle(entry))).then(() => {
      const broken = wanted.find((entry) => !entry.loaded);
      if (broken) throw this.unavailable(broken);
      return this.readySet(wanted) as ModelSet;
    });
  }

  /**
   * Starts loading every model without waiting (Lambda module init, server start). Failures
   * reach `onLoadFailed`; a later get() retries them after the back-off.
   */
  warm(): void {
    this.get().catch(() => undefined);
  }

  /** The set of every model if all are loaded, without waiting. */
  current(): ModelSet | undefined {
    try {
      return this.readySet(this.entries);
    } catch {
      return undefined;
    }
  }

  /** The loaded model of this name, if any (the hot-swap check looks only at those). */
  loaded(name: string): ServedModel | undefined {
    return this.byName.get(name)?.loaded;
  }

  /** The configured models, in MODELS order. */
  get specs(): readonly ModelSpec[] {
    return this.entries.map((entry) => entry.spec);
  }

  /**
   * Hot swap: puts `model` in place of the loaded model of its name. New sets are built (with
   * the same options, so observers keep seeing every run) and get() resolves to them from now
   * on; a caller already holding an old set keeps it, so no reply mixes versions. Returns the
   * model replaced (for the caller to release). Throws, changing nothing, when no model of that
   * name is loaded or the new set of every model cannot be built (fields disagree).
   */
  replace(model: ServedModel): ServedModel {
    const entry = this.byName.get(model.name);
    if (!entry?.loaded) throw new UnknownModelError(model.name);
    const others = this.entries.filter((e) => e !== entry);
    const all = others.every((e) => e.loaded)
      ? createModelSet(
          this.entries.map((e) => (e === entry ? model : (e.loaded as ServedModel))),
          this.options,
        )
      : undefined;
    const replaced = entry.loaded;
    entry.loaded = model;
    this.set = all;
    this.subsets.clear();
    return replaced;
  }

  /** Each configured model's state, for /health: a failed one with its code and a one-line reason. */
  status(): ModelStatus[] {
    return this.entries.map(({ spec, loaded, pending, failure }) => {
      if (loaded) return { name: spec.name, state: 'loaded', version: loaded.version };
      if (pending || !failure) return { name: spec.name, state: 'loading' };
      return { name: spec.name, state: 'failed', code: codeOf(failure.error), reason: reasonOf(failure.error) };
    });
  }

  private entriesNamed(names: readonly string[]): Entry[] {
    return names.map((name) => {
      const entry = this.byName.get(name);
      if (!entry) throw new UnknownModelError(name);
      return entry;
    });
  }

  /** The set of these entries when every one is loaded (built once per membership), else undefined. */
  private readySet(wanted: readonly Entry[]): ModelSet | undefined {
    if (!wanted.every((entry) => entry.loaded)) return undefined;
    // In MODELS order whatever order the names came in, so one membership is one set.
    const members = wanted === this.entries ? this.entries : this.entries.filter((entry) => wanted.includes(entry));
    if (members.length === this.entries.length)
      return (this.set ??= createModelSet(
        this.entries.map((e) => e.loaded as ServedModel),
        this.options,
      ));
    const key = members.map((entry) => entry.spec.name).join(',');
    let subset = this.subsets.get(key);
    if (!subset) {
      subset = createModelSet(
        members.map((entry) => entry.loaded as ServedModel),
        this.options,
      );
      this.subsets.set(key, subset);
    }
    return subset;
  }

  /** Resolves once the entry is loaded, or has failed and is not due for another attempt. */
  private settle(entry: Entry): Promise<void> {
    if (entry.loaded) return Promise.resolve();
    if (entry.pending) return entry.pending;
    if (entry.failure && this.now() < entry.failure.retryAt) return Promise.resolve();
    entry.pending = this.load(entry.spec).then(
      (model) => {
        entry.loaded = model;
        entry.failure = undefined;
        entry.pending = undefined;
      },
      (error: unknown) => {
        entry.pending = undefined;
        entry.failure = { error, retryAt: this.now() + (isPermanent(error) ? RETRY_PERMANENT_MS : RETRY_TRANSIENT_MS) };
        this.options.onLoadFailed?.({
          model: entry.spec.name,
          code: codeOf(error),
          reason: reasonOf(error),
          permanent: isPermanent(error),
          retryInSeconds: this.secondsUntilRetry(entry.failure),
        });
      },
    );
    return entry.pending;
  }

  /** The error a caller gets for a model that is not loaded: permanent or transient, naming it. */
  private unavailable(entry: Entry): Error {
    const failure = entry.failure;
    const name = entry.spec.name;
    if (!failure) return new ModelLoadError(`model '${name}' is not loaded yet`, { model: name, retryAfterSeconds: 1 });
    if (failure.error instanceof PermanentModelError) return new ModelUnavailableError(name, failure.error);
    return new ModelLoadError(`model '${name}' is not available: ${reasonOf(failure.error)}`, {
      cause: failure.error,
      model: name,
      retryAfterSeconds: this.secondsUntilRetry(failure),
    });
  }

  private secondsUntilRetry(failure: Failure): number {
    return Math.max(1, Math.ceil((failure.retryAt - this.now()) / 1000));
  }
}

/** Permanent failures are told by their class: the files must change before a load can succeed. */
function isPermanent(error: unknown): boolean {
  return error instanceof PermanentModelError;
}

function codeOf(error: unknown): string {
  return isPredictError(error) ? error.code : 'UNEXPECTED';
}

/** A failure's reason for logs and the open /health: one line, scrubbed of anything a peer echoed. */
function reasonOf(error: unknown): string {
  return oneLine(redactSecrets(error instanceof Error ? error.message : String(error)));
}
