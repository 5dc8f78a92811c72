import type { InputBatch } from '../model/input-batch';
import type { ModelSet } from '../model/model-set';
import type { SetPrediction } from '../model/observers';
import { nonFiniteOutputs, type NonFiniteOutput } from './non-finite';

/** Where a prediction was asked for: the protocol that decoded it. */
export type PredictionSource = 'http' | 'stream' | 'batch';

/**
 * One inference as every protocol hands it to the dataplane: the rows already decoded and
 * validated against the set's request fields, as columns.
 */
export interface InferRequest {
  readonly source: PredictionSource;
  /** the rows, one column per request field the models read */
  readonly inputs: InputBatch;
  /** the models to run, in reply order (default: every model of the set) */
  readonly models?: readonly string[];
  /**
   * One id per row (a ride id), or one id for the whole request (its rows get an index): read only
   * by observers that need them (capture), so a getter may build them lazily.
   */
  readonly requestIds: readonly string[];
  /** what a non-finite output refuses: that row (stream, batch) or the whole request (a JSON reply says null otherwise) */
  readonly refuse: 'row' | 'request';
  /** known truth per row, by model (a batch file's actual durations) */
  readonly actuals?: Readonly<Record<string, ArrayLike<number>>>;
}

/** What the dataplane answers: every model's outputs for every row, and which rows were refused. */
export interface InferResponse {
  readonly prediction: SetPrediction;
  /** the models that ran, in the order asked */
  readonly models: readonly string[];
  /** the rows no output may be emitted for (every row when a request was refused), ascending */
  readonly refused: ReadonlySet<number>;
  /** each non-finite output found, by row (what a refusal names: the model and the value) */
  readonly nonFinite: readonly NonFiniteOutput[];
}

/**
 * What observers (metrics, capture, shadows) are told, once per inference, after the policy:
 * the rows as the models got them, each model's outputs and versions, and what was refused.
 */
export interface PredictionEvent {
  readonly source: PredictionSource;
  readonly requestIds: readonly string[];
  readonly batch: { readonly length: number; readonly columns: Readonly<Record<string, ArrayLike<number> | readonly string[]>> };
  readonly prediction: SetPrediction;
  /** rows whose predictions were not emitted (non-finite): never captured, never counted as predictions */
  readonly refused: ReadonlySet<number>;
  /** the failures on the service's account this inference adds: one per refused row, or one for a refused request */
  readonly failures: number;
  readonly actuals?: Readonly<Record<string, ArrayLike<number>>>;
  /** shadow models' outputs for the same rows (added for capture by the shadow layer) */
  readonly shadows?: SetPrediction;
}

export type PredictionObserver = (event: PredictionEvent) => void;

export interface DataplaneOptions {
  /** told about every inference once, after the refusal policy; must not block */
  readonly observe?: PredictionObserver;
  /** an observer that threw: logged by the caller, never the request's failure */
  readonly onObserverError: (error: unknown) => void;
}

/** The one inference path every protocol calls: HTTP, the stream and the batch job. */
export interface Dataplane {
  infer(set: ModelSet, request: InferRequest): Promise<InferResponse>;
}

/**
 * The dataplane (KServe's DataPlane.infer, for this service): runs the asked models of one set
 * snapshot on the request's rows, applies the non-finite policy once (a NaN or ±Infinity is never
 * emitted: JSON would turn it into null, parquet into NaN), and tells the observers once. The
 * protocols only decode their input, call it, and encode what it answers.
 *
 * @example
 * const dataplane = createDataplane({ observe: (event) => metrics.observe(event), onObserverError: log });
 * const { prediction, refused } = await dataplane.infer(set, { source: 'stream', inputs, requestIds, refuse: 'row' });
 */
export function createDataplane(options: DataplaneOptions): Dataplane {
  return {
    async infer(set, request) {
      const models = request.models ?? set.names;
      const prediction = await set.predict(request.inputs, models);
      const nonFinite = nonFiniteOutputs(prediction.outputs);
      const refused = refusedRows(nonFinite, request);
      if (options.observe) {
        const failures = request.refuse === 'request' ? (nonFinite.length > 0 ? 1 : 0) : refused.size;
        const event: PredictionEvent = {
          source: request.source,
          // Read through the request, so a lazy id getter still builds ids only when an observer asks.
          get requestIds() {
            return request.requestIds;
          },
          batch: request.inputs,
          prediction,
          refused,
          failures,
          ...(request.actuals ? { actuals: request.actuals } : {}),
        };
        try {
          options.observe(event);
        } catch (error) {
          options.onObserverError(error);
        }
      }
      return { prediction, models, refused, nonFinite };
    },
  };
}

/** The rows a request's non-finite outputs refuse: those rows, or every row of a refused request. */
function refusedRows(nonFinite: readonly NonFiniteOutput[], request: InferRequest): ReadonlySet<number> {
  if (nonFinite.length === 0) return EMPTY;
  if (request.refuse === 'request') return new Set(Array.from({ length: request.inputs.length }, (_, row) => row));
  return new Set(nonFinite.map((found) => found.row));
}

const EMPTY: ReadonlySet<number> = new Set();
