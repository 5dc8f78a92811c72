import type { Metrics } from '@aws-lambda-powertools/metrics';
import { DIMENSIONS, METRICS } from '../../contract';
import type { PredictionEvent } from '../../serving/dataplane';

/** What counting needs of the dataplane's prediction event (from any path). */
export type CountedPredictions = Pick<PredictionEvent, 'batch' | 'prediction' | 'refused' | 'failures'>;

/** Where the EMF records go: a Powertools Metrics instance (stdout, which CloudWatch turns into metrics). */
export type MetricsPublisher = Pick<Metrics, 'addMetric' | 'addDimensions' | 'publishStoredMetrics'>;

/**
 * The metrics the rollback alarms watch (lambda/contract.ts METRICS), counted in memory and
 * published as EMF by {@link ServiceMetrics.flush}: per Lambda invocation (before it returns), per
 * batch job, and every minute by the local server, so a request never pays for an EMF line.
 *
 * Each datapoint carries the dimension sets of METRIC_DIMENSION_SETS: `[service]`,
 * `[service, function_version]` (what a canary's alarms watch) and, for `Predictions`,
 * `[service, model, model_version]`.
 *
 * @example
 * const metrics = new ServiceMetrics('7', () => new Metrics({ namespace, serviceName }));
 * metrics.observe(event);   // a PredictionObserver: Predictions per model that ran
 * metrics.failed();         // PredictionErrors: a 5xx-class failure or a non-finite output
 * metrics.flush();
 */
export class ServiceMetrics {
  /** `model\u0000version` → rows predicted */
  private readonly predictions = new Map<string, number>();
  private errors = 0;
  private deadLettered = 0;
  /** `model\u0000version\u0000shadow version` → what the shadow's comparisons gave since the last flush */
  private readonly shadows = new Map<string, { rows: number; absDiffs: number[] }>();
  /** service-level event counts (ShadowErrors, ModelSwaps, ModelRefreshRefused) */
  private readonly events = new Map<string, number>();
  private publisher: MetricsPublisher | undefined;

  constructor(
    private readonly functionVersion: string,
    /** built on the first flush with something to publish, so a cold start never loads Powertools Metrics */
    private readonly createPublisher: () => MetricsPublisher,
  ) {}

  /** A PredictionObserver: counts each model's emitted predictions, and the dataplane's refusals as errors. */
  readonly observe = (event: CountedPredictions): void => {
    const rows = event.batch.length - event.refused.size;
    this.errors += event.failures;
    if (rows <= 0) return;
    for (const [model, version] of Object.entries(event.prediction.versions)) {
      const key = `${model}\u0000${version}`;
      this.predictions.set(key, (this.predictions.get(key) ?? 0) + rows);
    }
  };

  /** Requests or records failed on the service's account (model unavailable, unexpected error, non-finite output). */
  failed(count = 1): void {
    this.errors += count;
  }

  /** Stream records written to the dead-letter destination. */
  recordsDeadLettered(count: number): void {
    this.deadLettered += count;
  }

  /** A shadow model's run compared with its primary (lambda/serving): ShadowPredictions, ShadowAbsDiffMean, ShadowAbsDiffP95. */
  shadowCompared(comparison: { model: string; version: string; shadowVersion: string; rows: number; absDiffs: readonly number[] }): void {
    const key = `${comparison.model}\u0000${comparison.version}\u0000${comparison.shadowVersion}`;
    const entry = this.shadows.get(key) ?? { rows: 0, absDiffs: [] };
    entry.rows += comparison.rows;
    // Bounded: past this many differences per minute the statistics are taken over the first ones.
    for (const diff of comparison.absDiffs) if (entry.absDiffs.length < MAX_SHADOW_DIFFS) entry.absDiffs.push(diff);
    this.shadows.set(key, entry);
  }

  /** A shadow that failed to load, to run, or returned non-finite values: ShadowErrors. */
  shadowFailed(): void {
    this.count('ShadowErrors');
  }

  /** Hot swap: a changed model swapped in (ModelSwaps) or refused (ModelRefreshRefused). */
  modelRefresh(outcome: 'swapped' | 'refused'): void {
    this.count(outcome === 'swapped' ? 'ModelSwaps' : 'ModelRefreshRefused');
  }

  private count(name: string): void {
    this.events.set(name, (this.events.get(name) ?? 0) + 1);
  }

  /** Publishes what was counted since the last flush (nothing when nothing happened) and starts over. */
  flush(): void {
    if (this.predictions.size === 0 && this.errors === 0 && this.deadLettered === 0 && this.shadows.size === 0 && this.events.size === 0) return;
    const publisher = (this.publisher ??= this.createPublisher());
    const serviceSets = () => publisher.addDimensions({}).addDimensions({ [DIMENSIONS.functionVersion]: this.functionVersion });
    for (const [key, count] of this.predictions) {
      const [model, version] = key.split('\u0000') as [string, string];
      serviceSets().addDimensions({ [DIMENSIONS.model]: model, [DIMENSIONS.modelVersion]: version });
      publisher.addMetric(METRICS.predictions, 'Count', count);
      publisher.publishStoredMetrics();
    }
    if (this.errors > 0 || this.deadLettered > 0) {
      serviceSets();
      if (this.errors > 0) publisher.addMetric(METRICS.predictionErrors, 'Count', this.errors);
      if (this.deadLettered > 0) publisher.addMetric(METRICS.recordsDeadLettered, 'Count', this.deadLettered);
      publisher.publishStoredMetrics();
    }
    // Loaded only when shadows ran: a process without them never evaluates the statistics library.
    const stats =
      this.shadows.size > 0
        ? (require('../../monitoring/simple-statistics') as typeof import('../../monitoring/simple-statistics')).simpleStatistics
        : undefined;
    for (const [key, { rows, absDiffs }] of this.shadows) {
      const [model, version, shadowVersion] = key.split('\u0000') as [string, string, string];
      publisher.addDimensions({ [DIMENSIONS.model]: model, [DIMENSIONS.modelVersion]: version, shadow_version: shadowVersion });
      publisher.addMetric('ShadowPredictions', 'Count', rows);
      if (stats && absDiffs.length > 0) {
        publisher.addMetric('ShadowAbsDiffMean', 'None', stats.mean(absDiffs));
        publisher.addMetric('ShadowAbsDiffP95', 'None', stats.quantile(absDiffs, 0.95));
      }
      publisher.publishStoredMetrics();
    }
    if (this.events.size > 0) {
      serviceSets();
      for (const [name, count] of this.events) publisher.addMetric(name, 'Count', count);
      publisher.publishStoredMetrics();
    }
    this.predictions.clear();
    this.errors = 0;
    this.deadLettered = 0;
    this.shadows.clear();
    this.events.clear();
  }
}

const MAX_SHADOW_DIFFS = 100_000;

/** Is an HTTP status the service's failure (5xx, or 422: a model's non-finite output) rather than the client's? */
export function isServiceFailure(statusCode: number): boolean {
  return statusCode >= 500 || statusCode === 422;
}
