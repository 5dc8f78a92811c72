import { ElemType, encodeModel, floatTensor, node, valueInfo } from './onnx-graph';
import type { LinearModel } from './linear-regression';

/**
 * Exports the linear model as a lookup graph: CategoryMapper turns PU_DO into a row index,
 * Gather reads that category's weight (index V, for unseen pairs, reads 0), then
 * `+ coef·trip_distance + intercept`. The same function as one-hot + LinearRegressor, without
 * the dense one-hot row (much faster for large batches).
 *
 * Inputs: PU_DO string [N,1], trip_distance float [N,1]. Output: `variable` float [N,1],
 * the names scikit-learn's converter uses, so converted models are drop-in replacements.
 */
export interface ExportOptions {
  /** the graph's name, e.g. `ride_duration_prediction_model` */
  name: string;
  docString: string;
  /** metadata_props: where the training data came from, metrics */
  metadata: Record<string, string>;
}

export function exportLinearModel(model: LinearModel, { name, docString, metadata }: ExportOptions): Uint8Array {
  const v = model.vocabulary.length;
  const weights = new Float32Array(v + 1);
  weights.set(model.weights);
  return encodeModel({
    name,
    docString,
    inputs: [valueInfo('PU_DO', ElemType.STRING, [null, 1]), valueInfo('trip_distance', ElemType.FLOAT, [null, 1])],
    outputs: [valueInfo('variable', ElemType.FLOAT, [null, 1])],
    initializers: [
      floatTensor('pu_do_weights', weights),
      floatTensor('distance_coef', [model.distanceCoef], [1]),
      floatTensor('intercept', [model.intercept], [1]),
    ],
    nodes: [
      node({
        op: 'CategoryMapper',
        domain: 'ai.onnx.ml',
        inputs: ['PU_DO'],
        outputs: ['pu_do_index'],
        attrs: { cats_strings: model.vocabulary, cats_int64s: model.vocabulary.map((_, i) => i), default_int64: v },
        ints: ['cats_int64s', 'default_int64'],
      }),
      node({ op: 'Gather', inputs: ['pu_do_weights', 'pu_do_index'], outputs: ['pu_do_term'] }),
      node({ op: 'Mul', inputs: ['trip_distance', 'distance_coef'], outputs: ['distance_term'] }),
      node({ op: 'Add', inputs: ['pu_do_term', 'distance_term'], outputs: ['linear_terms'] }),
      node({ op: 'Add', inputs: ['linear_terms', 'intercept'], outputs: ['variable'] }),
    ],
    metadata,
  });
}
