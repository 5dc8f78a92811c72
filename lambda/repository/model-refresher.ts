import { isPredictError } from '../serving/errors';
import type { ServedModel } from '../model/served-model';
import type { ModelSpec } from './load-model';
import { describeLocation } from '../storage/location';
import { modelChangedWithoutSidecar, sameFingerprint, type ModelFingerprint } from './model-fingerprint';
import type { ModelSetCache } from './model-set-cache';
import { smokeTest } from './smoke-test';
import { ContractChangeError, contractChanges } from './contract-change';

/** What the refresher has done, for the runtime to read (metrics, tests). */
export interface RefreshCounts {
  /** checks started (each looks at every configured model) */
  readonly checks: number;
  /** models swapped in */
  readonly swaps: number;
  /** changed models refused (load or smoke test failed): `ModelRefreshRefused` */
  readonly refused: number;
  /** checks of a model that could not be made (S3 unreachable, ...); retried at the next check */
  readonly failedChecks: number;
}

/** Structured log lines (Powertools' Logger fits). */
export interface RefreshLog {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
}

export interface ModelRefresherOptions {
  /** MODEL_REFRESH_SECONDS, in milliseconds: the least time between two checks */
  readonly intervalMs: number;
  /** the stamps of a model's files, given the previous ones (model-fingerprint.ts) */
  fingerprint(spec: ModelSpec, previous?: ModelFingerprint): Promise<ModelFingerprint>;
  /** loads a model (the runtime's loader: fetch, session, version) */
  load(spec: ModelSpec): Promise<ServedModel>;
  readonly log: RefreshLog;
  /**
   * MODEL_REFRESH_ALLOW_CONTRACT_CHANGE: swap in a model that changes what clients must send (a new
   * required field, a removed field, a narrower kind or bound). Off by default: such a model is
   * refused like a broken one, since every client written for the served model would start
   * getting 400s.
   */
  readonly allowContractChange?: boolean;
  /** told of each swap and each refusal (the runtime counts them as ModelSwaps, ModelRefreshRefused) */
  onOutcome?(outcome: 'swapped' | 'refused'): void;
  /**
   * How long a replaced model stays usable before its session is released (then only once its
   * in-flight predicts settle). It covers callers that took the old set but have not called
   * predict yet; a set held longer (a batch job, which the predict function never runs) would
   * get MODEL_LOAD_FAILED. Default 60 s.
   */
  readonly releaseAfterMs?: number;
  readonly now?: () => number;
}

/**
 * Hot swap in a warm process (MODEL_REFRESH_SECONDS). There is no timer: a Lambda environment
 * is frozen between invocations, so {@link poke} is called as each request arrives and starts a
 * check when the interval has passed; the check runs in the background (it may finish during a
 * later request) and no request ever waits for it. The same mechanism serves the local server,
 * and nothing pending keeps its process from exiting.
 *
 * A check compares each model's files' stamps with those it was loaded from; a changed model is
 * loaded into a new session, smoke-tested (one finite prediction), checked to accept every request
 * the served model accepts (contract-change.ts), and swapped into the cache. A model that fails
 * any of these is refused: the old one keeps serving, the refusal is logged and
 * counted, and those stamps are not tried again; only a further change is.
 *
 * @example
 * const refresher = new ModelRefresher({ intervalMs: 60_000, fingerprint, load, log: logger });
 * const cache = new ModelSetCache(specs, (spec) => refresher.loadWatched(spec));
 * refresher.watch(cache);
 * const getModels = () => { refresher.poke(); return cache.get(); };
 */
export class ModelRefresher {
  private readonly loadedFrom = new Map<string, ModelFingerprint>();
  /** stamps of a changed model held back one check for its sidecar (see awaitsSidecar) */
  private readonly heldBack = new Map<string, ModelFingerprint>();
  private readonly counts = { checks: 0, swaps: 0, refused: 0, failedChecks: 0 };
  private readonly now: () => number;
  private cache: ModelSetCache | undefined;
  private lastCheck = 0;
  private running: Promise<void> | undefined;

  constructor(private readonly options: ModelRefresherOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Loads a model for the cache, stamping its files first: a change landing during the load is
   * then seen by the next check (at worst the same bytes are loaded twice), never missed.
   */
  async loadWatched(spec: ModelSpec): Promise<ServedModel> {
    try {
      this.loadedFrom.set(spec.name, await this.options.fingerprint(spec));
    } catch {
      this.loadedFrom.delete(spec.name); // the load reports the problem; the first check stamps it
    }
    return this.options.load(spec);
  }

  /** The cache whose models are checked; the first check is due an interval from now. */
  watch(cache: ModelSetCache): void {
    this.cache = cache;
    this.lastCheck = this.now();
  }

  /** Called as a request arrives: starts a check when one is due. Returns at once. */
  poke(): void {
    const cache = this.cache;
    if (!cache || !cache.specs.some((spec) => cache.loaded(spec.name)) || this.running) return;
    const now = this.now();
    if (now - this.lastCheck < this.options.intervalMs) return;
    this.lastCheck = now;
    this.running = this.checkAll(cache)
      .catch((error: unknown) => this.options.log.warn('model refresh failed; the served models stay', { reason: (error as Error).message }))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Resolves when no check is running (tests; a process that wants to exit cleanly). */
  async settled(): Promise<void> {
    await this.running;
  }

  stats(): RefreshCounts {
    return { ...this.counts };
  }

  // Models are checked one after another: at most one extra session is in memory at a time.
  private async checkAll(cache: ModelSetCache): Promise<void> {
    this.counts.checks++;
    for (const spec of cache.specs) await this.checkModel(cache, spec);
  }

  private async checkModel(cache: ModelSetCache, spec: ModelSpec): Promise<void> {
    // A model that failed to load is the cache's to retry (its back-off); only loaded ones are swapped.
    if (!cache.loaded(spec.name)) return;
    const location = describeLocation(spec.location);
    const previous = this.loadedFrom.get(spec.name);
    let current: ModelFingerprint;
    try {
      current = await this.options.fingerprint(spec, previous);
    } catch (error) {
      this.counts.failedChecks++;
      this.options.log.warn('model refresh check failed; the served model stays', { model: spec.name, location, reason: (error as Error).message });
      return;
    }
    this.loadedFrom.set(spec.name, current);
    if (!previous || sameFingerprint(previous, current)) return;
    // From here on these stamps count as tried: a refused model is not fetched again until it changes again.
    let model: ServedModel | undefined;
    let replaced: ServedModel;
    let changes: string[];
    try {
      model = await this.options.load(spec);
      await smokeTest(model);
      if (this.awaitsSidecar(spec, previous, current, model, cache)) {
        // Looked at again at the next check, whatever happens meanwhile.
        this.loadedFrom.set(spec.name, previous);
        this.heldBack.set(spec.name, current);
        this.options.log.info('model changed but its sidecar still names the served version; waiting one check for the sidecar', {
          model: spec.name,
          location,
          version: model.version,
        });
        this.release(model, 0);
        return;
      }
      this.heldBack.delete(spec.name);
      changes = contractChanges(cache.loaded(spec.name)?.fields ?? model.fields, model.fields);
      if (changes.length > 0 && !this.options.allowContractChange) throw new ContractChangeError(spec.name, changes);
      replaced = cache.replace(model);
    } catch (error) {
      this.counts.refused++;
      this.options.log.warn('model refresh refused; the served model stays', {
        metric: 'ModelRefreshRefused',
        model: spec.name,
        location,
        servedVersion: cache.loaded(spec.name)?.version,
        code: isPredictError(error) || error instanceof ContractChangeError ? error.code : 'UNEXPECTED',
        reason: (error as Error).message,
        ...(error instanceof ContractChangeError ? { changes: error.changes } : {}),
        refused: this.counts.refused,
      });
      this.options.onOutcome?.('refused');
      if (model) this.release(model, 0);
      return;
    }
    this.counts.swaps++;
    this.options.log.info('model swapped', { model: spec.name, location, fromVersion: replaced.version, toVersion: model.version, swaps: this.counts.swaps });
    this.options.onOutcome?.('swapped');
    if (changes.length > 0)
      this.options.log.warn('swapped model changes what clients must send (MODEL_REFRESH_ALLOW_CONTRACT_CHANGE)', {
        model: spec.name,
        toVersion: model.version,
        changes,
      });
    if (replaced.version === model.version) {
      this.options.log.warn('swapped model reports the same version as the one it replaced; replies cannot tell them apart', {
        model: spec.name,
        version: model.version,
      });
    }
    this.release(replaced, this.options.releaseAfterMs ?? 60_000);
  }

  /**
   * A model uploaded before its sidecar would be served for an interval under the old sidecar's
   * `model_version`: replies would name a version that is not the model answering. When the
   * model file changed, its sidecar (which names the version) did not, and the new model reports
   * the served version, the swap waits one check; if nothing else changed by then, the model is
   * swapped in (with the same-version warning below).
   */
  private awaitsSidecar(spec: ModelSpec, previous: ModelFingerprint, current: ModelFingerprint, model: ServedModel, cache: ModelSetCache): boolean {
    if (spec.versionOverride !== undefined || model.version !== cache.loaded(spec.name)?.version) return false;
    const held = this.heldBack.get(spec.name);
    if (held && sameFingerprint(held, current)) return false;
    return modelChangedWithoutSidecar(previous, current);
  }

  /** Frees a model's session after `delayMs` (and its in-flight predicts); never holds the process open. */
  private release(model: ServedModel, delayMs: number): void {
    const timer = setTimeout(() => {
      model
        .release?.()
        .catch((error: unknown) =>
          this.options.log.warn('releasing a replaced model failed', { model: model.name, version: model.version, reason: (error as Error).message }),
        );
    }, delayMs);
    timer.unref();
  }
}
