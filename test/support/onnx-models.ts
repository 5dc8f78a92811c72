import { ElemType, encodeModel, floatTensor, int64Tensor, node, valueInfo } from '../../models/training/onnx-graph';

/**
 * ONNX models shaped like scikit-learn's converter output, built in the tests so the core is
 * checked against graphs it did not produce itself.
 */

export interface OneHotLinearSpec {
  categories: string[];
  /** one weight per category, then the trip_distance weight */
  coefficients: number[];
  intercept: number;
}

/**
 * A per-column pipeline as skl2onnx converts it: OneHotEncoder(PU_DO) → Reshape → Concat with
 * trip_distance → LinearRegressor, output `variable` [N,1].
 */
export function oneHotLinearModel(spec: OneHotLinearSpec): Uint8Array {
  const c = spec.categories.length;
  return encodeModel({
    name: 'sklearn_pipeline',
    inputs: [valueInfo('PU_DO', ElemType.STRING, [null, 1]), valueInfo('trip_distance', ElemType.FLOAT, [null, 1])],
    outputs: [valueInfo('variable', ElemType.FLOAT, [null, 1])],
    initializers: [int64Tensor('onehot_shape', [-1, c], [2])],
    nodes: [
      node({
        op: 'OneHotEncoder',
        domain: 'ai.onnx.ml',
        inputs: ['PU_DO'],
        outputs: ['onehot'],
        attrs: { cats_strings: spec.categories, zeros: 1 },
        ints: ['zeros'],
      }),
      node({ op: 'Reshape', inputs: ['onehot', 'onehot_shape'], outputs: ['onehot_2d'] }),
      node({ op: 'Concat', inputs: ['onehot_2d', 'trip_distance'], outputs: ['features'], attrs: { axis: 1 }, ints: ['axis'] }),
      node({
        op: 'LinearRegressor',
        domain: 'ai.onnx.ml',
        inputs: ['features'],
        outputs: ['variable'],
        attrs: { coefficients: spec.coefficients, intercepts: [spec.intercept] },
      }),
    ],
  });
}

/**
 * A one-tree TreeEnsembleRegressor over [PULocationID (int64), trip_distance (double)]:
 *   trip_distance ≤ 2.5 → 5;  else PULocationID ≤ 100 → 15;  else 40.
 */
export function treeEnsembleModel(): Uint8Array {
  return encodeModel({
    name: 'tree_ensemble',
    inputs: [valueInfo('PULocationID', ElemType.INT64, [null, 1]), valueInfo('trip_distance', ElemType.DOUBLE, [null, 1])],
    outputs: [valueInfo('variable', ElemType.FLOAT, [null, 1])],
    nodes: [
      node({ op: 'Cast', inputs: ['PULocationID'], outputs: ['pu_float'], attrs: { to: ElemType.FLOAT }, ints: ['to'] }),
      node({ op: 'Cast', inputs: ['trip_distance'], outputs: ['distance_float'], attrs: { to: ElemType.FLOAT }, ints: ['to'] }),
      node({ op: 'Concat', inputs: ['pu_float', 'distance_float'], outputs: ['features'], attrs: { axis: 1 }, ints: ['axis'] }),
      node({
        op: 'TreeEnsembleRegressor',
        domain: 'ai.onnx.ml',
        inputs: ['features'],
        outputs: ['variable'],
        attrs: {
          n_targets: 1,
          post_transform: 'NONE',
          nodes_treeids: [0, 0, 0, 0, 0],
          nodes_nodeids: [0, 1, 2, 3, 4],
          nodes_featureids: [1, 0, 0, 0, 0],
          nodes_modes: ['BRANCH_LEQ', 'LEAF', 'BRANCH_LEQ', 'LEAF', 'LEAF'],
          nodes_values: [2.5, 0, 100, 0, 0],
          nodes_truenodeids: [1, 0, 3, 0, 0],
          nodes_falsenodeids: [2, 0, 4, 0, 0],
          target_treeids: [0, 0, 0],
          target_nodeids: [1, 3, 4],
          target_ids: [0, 0, 0],
          target_weights: [5, 15, 40],
        },
        ints: [
          'n_targets',
          'nodes_treeids',
          'nodes_nodeids',
          'nodes_featureids',
          'nodes_truenodeids',
          'nodes_falsenodeids',
          'target_treeids',
          'target_nodeids',
          'target_ids',
        ],
      }),
    ],
  });
}

/** duration = 2 · trip_distance, with rank-1 input and output [N]. */
export function rankOneModel(): Uint8Array {
  return encodeModel({
    name: 'rank_one',
    inputs: [valueInfo('trip_distance', ElemType.FLOAT, [null])],
    outputs: [valueInfo('minutes', ElemType.FLOAT, [null])],
    initializers: [floatTensor('two', [2], [1])],
    nodes: [node({ op: 'Mul', inputs: ['trip_distance', 'two'], outputs: ['minutes'] })],
  });
}

/** A model asking for an input the core cannot provide. */
export function modelWithInput(name: string, elemType = ElemType.FLOAT): Uint8Array {
  return encodeModel({
    name: 'unfeedable',
    inputs: [valueInfo(name, elemType, [null, 1])],
    outputs: [valueInfo('variable', elemType, [null, 1])],
    nodes: [node({ op: 'Identity', inputs: [name], outputs: ['variable'] })],
  });
}

/**
 * A model with an input the course's request lacks: `fare = 2 · trip_distance + 3 · passenger_count`,
 * passenger_count an int64 [N,1], trip_distance a float [N,1]; e.g. (4 miles, 2 passengers) → 14.
 */
export function passengerModel(): Uint8Array {
  return encodeModel({
    name: 'passenger_fare',
    inputs: [valueInfo('passenger_count', ElemType.INT64, [null, 1]), valueInfo('trip_distance', ElemType.FLOAT, [null, 1])],
    outputs: [valueInfo('fare', ElemType.FLOAT, [null, 1])],
    initializers: [floatTensor('two', [2], [1]), floatTensor('three', [3], [1])],
    nodes: [
      node({ op: 'Cast', inputs: ['passenger_count'], outputs: ['passengers'], attrs: { to: ElemType.FLOAT }, ints: ['to'] }),
      node({ op: 'Mul', inputs: ['trip_distance', 'two'], outputs: ['distance_part'] }),
      node({ op: 'Mul', inputs: ['passengers', 'three'], outputs: ['passenger_part'] }),
      node({ op: 'Add', inputs: ['distance_part', 'passenger_part'], outputs: ['fare'] }),
    ],
  });
}

/** The MLmodel text `mlflow.onnx.log_model` writes for a model with these signature inputs. */
export function mlmodelYaml(runId: string, signatureInputs?: { name: string; type: string }[], data = 'model.onnx'): string {
  const lines = [
    'artifact_path: model',
    'flavors:',
    '  onnx:',
    '    code: null',
    `    data: ${data}`,
    '    onnx_version: 1.16.1',
    '    providers:',
    '    - CPUExecutionProvider',
    '  python_function:',
    '    data: model.onnx',
    '    env:',
    '      conda: conda.yaml',
    '      virtualenv: python_env.yaml',
    '    loader_module: mlflow.onnx',
    '    python_version: 3.10.12',
    'mlflow_version: 2.14.1',
    'model_size_bytes: 1234',
    'model_uuid: 4b2c1f0e9d8a4c7b8e6f5a4d3c2b1a09',
    `run_id: ${runId}`,
  ];
  if (signatureInputs) {
    lines.push(
      'signature:',
      `  inputs: '${JSON.stringify(signatureInputs.map((i) => ({ type: i.type, name: i.name, required: true })))}'`,
      `  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 1]}}]'`,
      '  params: null',
    );
  }
  lines.push('utc_time_created: "2024-06-20 10:11:12.123456"');
  return `${lines.join('\n')}\n`;
}

/**
 * A model that overflows on ordinary inputs: variable = (trip_distance · 1e38) / trip_distance in
 * float32, so distance 0 gives NaN, 0 < distance < 3.4 gives 1e38 (finite) and distance ≥ 3.4
 * gives Infinity. Inputs as the duration model's sidecar allows them (0–1000 miles) reach all three.
 */
export function overflowingModel(): Uint8Array {
  return encodeModel({
    name: 'overflowing',
    inputs: [valueInfo('trip_distance', ElemType.FLOAT, [null, 1])],
    outputs: [valueInfo('variable', ElemType.FLOAT, [null, 1])],
    initializers: [floatTensor('huge', [1e38], [1])],
    nodes: [
      node({ op: 'Mul', inputs: ['trip_distance', 'huge'], outputs: ['scaled'] }),
      node({ op: 'Div', inputs: ['scaled', 'trip_distance'], outputs: ['variable'] }),
    ],
  });
}

/**
 * `factor · trip_distance` over a float [N,1] input: models of different factors answer the same
 * ride differently, so a reply's value tells which model produced it (hot-swap tests).
 */
export function scaledDistanceModel(factor: number): Uint8Array {
  return encodeModel({
    name: `scaled_distance_${factor}`,
    inputs: [valueInfo('trip_distance', ElemType.FLOAT, [null, 1])],
    outputs: [valueInfo('variable', ElemType.FLOAT, [null, 1])],
    initializers: [floatTensor('factor', [factor], [1])],
    nodes: [node({ op: 'Mul', inputs: ['trip_distance', 'factor'], outputs: ['variable'] })],
  });
}

/** A valid graph that answers `trip_distance / 0`: Infinity for any ride (a model a smoke test must refuse). */
export function divergentModel(): Uint8Array {
  return encodeModel({
    name: 'divergent',
    inputs: [valueInfo('trip_distance', ElemType.FLOAT, [null, 1])],
    outputs: [valueInfo('variable', ElemType.FLOAT, [null, 1])],
    initializers: [floatTensor('zero', [0], [1])],
    nodes: [node({ op: 'Div', inputs: ['trip_distance', 'zero'], outputs: ['variable'] })],
  });
}

/** A graph input or output with any dims: a number is fixed, a string symbolic, `null` unknown (skl2onnx's None). */
function tensorInfo(name: string, elemType: number, dims: (number | string | null)[]): ReturnType<typeof valueInfo> {
  const info = valueInfo(
    name,
    elemType,
    dims.map(() => 1),
  );
  const dim = info.type?.tensorType?.shape?.dim ?? [];
  dims.forEach((d, i) => (dim[i] = d === null ? {} : typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return info;
}

export interface FloatInputSpec {
  /** one coefficient per column */
  coefficients: number[];
  intercept: number;
  /** the input's element type (skl2onnx's FloatTensorType, DoubleTensorType or Int64TensorType) */
  elemType?: number;
  /** the second dimension the graph declares (default: the number of coefficients) */
  width?: number | null;
  /** per column, the value an Imputer puts where the input is NaN (skl2onnx's SimpleImputer) */
  imputed?: number[];
  inputName?: string;
}

/**
 * skl2onnx's most common numeric export: one input `float_input` of shape [None, k] (the batch
 * dimension without a name or value), optionally an Imputer, then the regression as skl2onnx
 * writes it for the input's type: a LinearRegressor for float (int64 cast to float first), a
 * MatMul + Add in double for double. Output `variable` [None, 1] =
 * `intercept + Σ coefficients[j] · x[j]`.
 */
export function floatInputModel(spec: FloatInputSpec): Uint8Array {
  const k = spec.coefficients.length;
  const elemType = spec.elemType ?? ElemType.FLOAT;
  const input = spec.inputName ?? 'float_input';
  const nodes = [];
  const initializers = [];
  let features = input;
  if (elemType === ElemType.INT64) {
    nodes.push(node({ op: 'Cast', inputs: [input], outputs: ['as_float'], attrs: { to: ElemType.FLOAT }, ints: ['to'] }));
    features = 'as_float';
  }
  if (spec.imputed) {
    nodes.push(
      node({
        op: 'Imputer',
        domain: 'ai.onnx.ml',
        inputs: [features],
        outputs: ['imputed'],
        attrs: { imputed_value_floats: spec.imputed, replaced_value_float: Number.NaN },
      }),
    );
    features = 'imputed';
  }
  if (elemType === ElemType.DOUBLE) {
    initializers.push(
      { name: 'coef', dims: [k, 1], dataType: ElemType.DOUBLE, doubleData: spec.coefficients },
      { name: 'intercept', dims: [1], dataType: ElemType.DOUBLE, doubleData: [spec.intercept] },
    );
    nodes.push(
      node({ op: 'MatMul', inputs: [features, 'coef'], outputs: ['product'] }),
      node({ op: 'Add', inputs: ['product', 'intercept'], outputs: ['variable'] }),
    );
  } else {
    nodes.push(
      node({
        op: 'LinearRegressor',
        domain: 'ai.onnx.ml',
        inputs: [features],
        outputs: ['variable'],
        attrs: { coefficients: spec.coefficients, intercepts: [spec.intercept] },
      }),
    );
  }
  return encodeModel({
    name: 'skl2onnx_float_input',
    inputs: [tensorInfo(input, elemType, [null, spec.width === undefined ? k : spec.width])],
    outputs: [valueInfo('variable', elemType === ElemType.DOUBLE ? ElemType.DOUBLE : ElemType.FLOAT, [null, 1])],
    initializers,
    nodes,
  });
}

/**
 * A SimpleImputer before a scaling, on the course's own input: `variable = factor · (trip_distance,
 * or fill where it is NaN)`, trip_distance a float [N,1].
 */
export function imputedDistanceModel(fill: number, factor: number): Uint8Array {
  return encodeModel({
    name: 'imputed_distance',
    inputs: [valueInfo('trip_distance', ElemType.FLOAT, [null, 1])],
    outputs: [valueInfo('variable', ElemType.FLOAT, [null, 1])],
    initializers: [floatTensor('factor', [factor], [1])],
    nodes: [
      node({
        op: 'Imputer',
        domain: 'ai.onnx.ml',
        inputs: ['trip_distance'],
        outputs: ['filled'],
        attrs: { imputed_value_floats: [fill], replaced_value_float: Number.NaN },
      }),
      node({ op: 'Mul', inputs: ['filled', 'factor'], outputs: ['variable'] }),
    ],
  });
}

/**
 * A graph that loads but fails every run: trip_distance is declared [N, M] (M symbolic, so the
 * session accepts it) and multiplied by a [3,1] matrix, so the [n,1] tensor a ride makes has the
 * wrong inner dimension; onnxruntime refuses it at run time.
 */
export function failsEveryRunModel(): Uint8Array {
  return encodeModel({
    name: 'fails_every_run',
    inputs: [tensorInfo('trip_distance', ElemType.FLOAT, [null, 'M'])],
    outputs: [valueInfo('variable', ElemType.FLOAT, [null, 1])],
    initializers: [floatTensor('weights', [1, 2, 3], [3, 1])],
    nodes: [node({ op: 'MatMul', inputs: ['trip_distance', 'weights'], outputs: ['variable'] })],
  });
}
