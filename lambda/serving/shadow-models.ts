import type { InputBatch } from '../model/input-batch';
import type { ModelRunEvent, ModelRunObserver } from '../model/observers';
import type { ServedModel } from '../model/served-model';
import { simpleStatistics } from '../monitoring/simple-statistics';

/** One shadow run compared with the primary it shadows, over the same rides. */
export interface ShadowComparison {
  readonly model: string;
  /** the served (primary) model's version */
  readonly version: string;
  readonly shadowVersion: string;
  readonly rows: number;
  /** rows where both outputs are finite */
  readonly compared: number;
  readonly meanAbsDiff: number;
  readonly p95AbsDiff: number;
  readonly maxAbsDiff: number;
  /** |shadow − primary| per compared ride */
  readonly absDiffs: readonly number[];
  /** the shadow's own outputs (never returned to a client, never written to the predictions stream) */
  readonly outputs: Float64Array;
}

/** Where shadow results go: a structured log line and the service's metrics. */
export interface ShadowRecorder {
  compared(comparison: ShadowComparison): void;
  /** a shadow that failed to load, to run, or returned non-finite values (`reason` says which) */
  failed(model: string, reason: string, error?: unknown): void;
}

/** The shadows' outputs for one batch of rides, as a capture record stores them. */
export interface ShadowOutputs {
  readonly outputs: Readonly<Record<string, Float64Array>>;
  readonly versions: Readonly<Record<string, string>>;
}

/**
 * Shadow models: each scores the same rides as the served model of the same name, in the same
 * invocation, through the model set's run seam (`createModelSet(models, { onModelRun })`).
 * Nothing a shadow does reaches a reply: it runs after the primary's run, off the reply's path
 * (the reply does not wait for it), its outputs are only compared and recorded, and a shadow that
 * failed to load or throws is recorded and skipped. In Lambda, `settle()` before the invocation
 * returns lets pending shadow runs finish (bounded), since a frozen container runs nothing.
 *
 * @example
 * const shadows = new ShadowModels(loadShadow(config.shadowModels), recorder);
 * const cache = new ModelSetCache(config.models, load, { onModelRun: shadows.onModelRun });
 * await shadows.settle(1_000); // at the end of an invocation
 */
export class ShadowModels {
  private readonly loaded = new Map<string, ServedModel>();
  private readonly pending = new Set<Promise<void>>();
  /** each batch's shadow runs (by the batch object the served models got), for capture */
  private readonly runs = new WeakMap<InputBatch, Promise<{ model: string; version: string; outputs: Float64Array } | undefined>[]>();

  constructor(
    /** one load per shadow, started by the caller; a failure is recorded, never thrown */
    loads: ReadonlyArray<{ name: string; load: Promise<ServedModel> }>,
    private readonly recorder: ShadowRecorder,
  ) {
    for (const { name, load } of loads) {
      this.track(
        load.then(
          (model) => void this.loaded.set(name, model),
          (error: unknown) => this.recorder.failed(name, 'load', error),
        ),
      );
    }
  }

  /** The names of the shadows that loaded. */
  get names(): string[] {
    return [...this.loaded.keys()];
  }

  /** The ModelRunObserver: starts the shadow of `event.model` (if any) on the same rides. Never throws. */
  readonly onModelRun: ModelRunObserver = (event) => {
    const shadow = this.loaded.get(event.model);
    if (!shadow) return;
    const run = shadow.predict(event.batch).then(
      (outputs) => {
        this.compare(event, shadow, outputs);
        return { model: event.model, version: shadow.version, outputs };
      },
      (error: unknown) => {
        this.recorder.failed(event.model, 'run', error);
        return undefined;
      },
    );
    this.track(run.then(() => undefined));
    const runs = this.runs.get(event.batch) ?? [];
    runs.push(run);
    this.runs.set(event.batch, runs);
  };

  /**
   * The shadows' outputs for `batch` (the batch the served models ran on), once their runs end;
   * undefined when no shadow ran on it. Capture stores them next to the served models' outputs.
   */
  outputsFor(batch: InputBatch): Promise<ShadowOutputs | undefined> | undefined {
    const runs = this.runs.get(batch);
    if (!runs) return undefined;
    return Promise.all(runs).then((done) => {
      const ran = done.filter((r): r is NonNullable<typeof r> => r !== undefined);
      if (ran.length === 0) return undefined;
      return { outputs: Object.fromEntries(ran.map((r) => [r.model, r.outputs])), versions: Object.fromEntries(ran.map((r) => [r.model, r.version])) };
    });
  }

  /** Keeps `work` among what {@link settle} waits for (capture of shadowed rides). */
  after(work: Promise<unknown>): void {
    this.track(work.then(() => undefined));
  }

  /** Waits for pending shadow work, at most `timeoutMs`; what is still running goes on in the background. */
  async settle(timeoutMs: number): Promise<void> {
    if (this.pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.pending]), timeout]);
    clearTimeout(timer);
  }

  private compare(event: ModelRunEvent, shadow: ServedModel, outputs: Float64Array): void {
    const diffs: number[] = [];
    let nonFinite = 0;
    for (let i = 0; i < outputs.length; i++) {
      const primary = event.output[i] as number;
      const candidate = outputs[i] as number;
      if (!Number.isFinite(candidate)) nonFinite++;
      else if (Number.isFinite(primary)) diffs.push(Math.abs(candidate - primary));
    }
    if (nonFinite > 0) this.recorder.failed(event.model, `non-finite output for ${nonFinite} of ${outputs.length} rides`);
    const { mean, quantile, max } = simpleStatistics;
    this.recorder.compared({
      model: event.model,
      version: event.version,
      shadowVersion: shadow.version,
      rows: outputs.length,
      compared: diffs.length,
      meanAbsDiff: diffs.length > 0 ? mean(diffs) : 0,
      p95AbsDiff: diffs.length > 0 ? quantile(diffs, 0.95) : 0,
      maxAbsDiff: diffs.length > 0 ? max(diffs) : 0,
      absDiffs: diffs,
      outputs,
    });
  }

  private track(work: Promise<void>): void {
    // A recorder that throws must not become an unhandled rejection either.
    const guarded = work.catch(() => undefined);
    this.pending.add(guarded);
    void guarded.finally(() => this.pending.delete(guarded));
  }
}
