import type { ModelSet, ModelSetOptions } from '../models/model-set';
import { createModelSet } from '../models/model-set';
import type { ServedModel } from '../models/served-model';
import { UnknownModelError, isPredictError } from '../core/errors';
import type { ModelSpec } from './load-model';

/** A model's load state, as /health reports it. */
export type ModelState = 'loading' | 'loaded' | 'failed';

export interface ModelStatus {
  readonly name: string;
  readonly state: ModelState;
  readonly version?: string;
  /** the error code of the last failed load */
  readonly error?: string;
}

interface Entry {
  readonly spec: ModelSpec;
  pending?: Promise<ServedModel>;
  loaded?: ServedModel;
  failure?: string;
}

/**
 * The models a process serves, loaded once and concurrently. `get()` resolves to the whole set
 * or rejects: never a half-loaded set. Each model is cached on its own, so after a failure only
 * the models that failed are fetched again (by the next `get()`), and concurrent callers share
 * one load.
 *
 * @example
 * const cache = new ModelSetCache(config.models, (spec) => loadServedModel(spec, s3));
 * const set = await cache.get(); // every model, or the first load error
 */
export class ModelSetCache {
  private readonly entries: Entry[];
  private set: ModelSet | undefined;
  private pendingSet: Promise<ModelSet> | undefined;

  constructor(
    specs: readonly ModelSpec[],
    private readonly load: (spec: ModelSpec) => Promise<ServedModel>,
    private readonly options: ModelSetOptions = {},
  ) {
    this.entries = specs.map((spec) => ({ spec }));
  }

  /** The loaded set, loading what is missing first. Rejects with a load's error. */
  get(): Promise<ModelSet> {
    if (this.set) return Promise.resolve(this.set);
    this.pendingSet ??= Promise.all(this.entries.map((entry) => this.loadEntry(entry))).then(
      (models) => {
        this.set = createModelSet(models, this.options);
        return this.set;
      },
      (error: unknown) => {
        this.pendingSet = undefined;
        throw error;
      },
    );
    return this.pendingSet;
  }

  /**
   * Starts loading without waiting (Lambda module init, server start). A failure is passed to
   * `onError` (for the log) and retried by the next get().
   */
  warm(onError: (error: unknown) => void): void {
    this.get().catch(onError);
  }

  /** The set if already loaded, without waiting. */
  current(): ModelSet | undefined {
    return this.set;
  }

  /** The configured models, in MODELS order. */
  get specs(): readonly ModelSpec[] {
    return this.entries.map((entry) => entry.spec);
  }

  /**
   * Hot swap: puts `model` in place of the loaded model of its name. A new set is built (with
   * the same options, so observers keep seeing every run) and get() resolves to it from now
   * on; a caller already holding the old set keeps it, so no reply mixes versions. Returns the
   * model replaced (for the caller to release). Throws, changing nothing, when the set is not
   * loaded yet, the name is not configured, or the new set cannot be built (fields disagree).
   */
  replace(model: ServedModel): ServedModel {
    const entry = this.entries.find((e) => e.spec.name === model.name);
    if (!entry?.loaded || !this.set) throw new UnknownModelError(model.name);
    const set = createModelSet(
      this.entries.map((e) => (e === entry ? model : (e.loaded as ServedModel))),
      this.options,
    );
    const replaced = entry.loaded;
    entry.loaded = model;
    this.set = set;
    return replaced;
  }

  /** Each configured model's state, for /health. */
  status(): ModelStatus[] {
    return this.entries.map(({ spec, loaded, pending, failure }) => {
      if (loaded) return { name: spec.name, state: 'loaded', version: loaded.version };
      if (pending) return { name: spec.name, state: 'loading' };
      return failure === undefined ? { name: spec.name, state: 'loading' } : { name: spec.name, state: 'failed', error: failure };
    });
  }

  private loadEntry(entry: Entry): Promise<ServedModel> {
    if (entry.loaded) return Promise.resolve(entry.loaded);
    entry.pending ??= this.load(entry.spec).then(
      (model) => {
        entry.loaded = model;
        entry.pending = undefined;
        entry.failure = undefined;
        return model;
      },
      (error: unknown) => {
        // Forget a failed load so the next get() retries instead of failing forever.
        entry.pending = undefined;
        entry.failure = isPredictError(error) ? error.code : 'UNEXPECTED';
        throw error;
      },
    );
    return entry.pending;
  }
}
