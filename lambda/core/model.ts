import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelLoadError, UnsupportedModelError } from './errors';
import { featureValue, featureValueAt, isFeatureName, type FeatureName, type Ride, type RideColumns } from './features';

/** What the predict core needs from a model: rides in, one duration (minutes) per ride out. */
export interface Model {
  /** Most rides one `run` may take; callers split larger inputs. */
  readonly maxRowsPerRun: number;
  run(rides: readonly Ride[]): Promise<Float64Array>;
  /** The same as `run`, for rides given column by column (at most maxRowsPerRun). */
  runColumns(columns: RideColumns): Promise<Float64Array>;
}

type InputElementType = 'string' | 'float32' | 'float64' | 'int64';

interface InputSpec {
  name: FeatureName;
  type: InputElementType;
  rank: 1 | 2;
}

/**
 * Memory budget for one run's dense intermediates. A scikit-learn OneHotEncoder converted to
 * ONNX materialises a float row as wide as its vocabulary (28k categories ≈ 114 KB per row),
 * so the rows per run are derived from the widest encoder in the graph.
 */
const RUN_MEMORY_BUDGET_BYTES = 64 * 1024 * 1024;
const MAX_ROWS_PER_RUN = 8192;
const ONE_HOT_ENCODER = 'OneHotEncoder';

/**
 * A lookup graph this small is fastest on the calling thread: no intra/inter-op thread pools
 * (their hand-offs cost more than the work), sequential execution, and no spinning threads
 * burning a core that the HTTP server or a second cluster worker needs.
 */
export const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

/**
 * An ONNX regressor run by onnxruntime-node. Inputs are matched to features by name
 * (`PU_DO`, `trip_distance`, `PULocationID`, `DOLocationID`); the first output is the duration.
 */
export class OnnxModel implements Model {
  private constructor(
    private readonly session: InferenceSession,
    private readonly inputs: readonly InputSpec[],
    private readonly outputName: string,
    readonly maxRowsPerRun: number,
  ) {}

  /** Builds a session from model bytes; rejects models whose inputs the core cannot feed. */
  static async fromBytes(bytes: Uint8Array): Promise<OnnxModel> {
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, SESSION_OPTIONS);
    } catch (cause) {
      throw new ModelLoadError(`model is not a loadable ONNX graph: ${(cause as Error).message}`, { cause });
    }
    const inputs = session.inputMetadata.map(toInputSpec);
    const outputName = session.outputNames[0];
    if (outputName === undefined) throw new UnsupportedModelError('model has no outputs');
    return new OnnxModel(session, inputs, outputName, rowsPerRunFor(bytes));
  }

  /** Input names and element types, for health checks and logs. */
  describeInputs(): string {
    return this.inputs.map((input) => `${input.name}:${input.type}`).join(', ');
  }

  run(rides: readonly Ride[]): Promise<Float64Array> {
    return this.runRows(rides.length, (i, name) => featureValue(rides[i] as Ride, name));
  }

  runColumns(columns: RideColumns): Promise<Float64Array> {
    return this.runRows(columns.PULocationID.length, (i, name) => featureValueAt(columns, i, name));
  }

  /** One session run over `n` rows; row `i`'s feature `name` is `valueAt(i, name)`. */
  private async runRows(n: number, valueAt: (i: number, name: FeatureName) => string | number): Promise<Float64Array> {
    const feeds: Record<string, Tensor> = {};
    for (const input of this.inputs) feeds[input.name] = buildTensor(input, n, (i) => valueAt(i, input.name));
    const results = await this.session.run(feeds, [this.outputName]);
    const output = results[this.outputName];
    if (!output || output.size !== n) {
      throw new UnsupportedModelError(`model output '${this.outputName}' has ${output?.size ?? 0} values for ${n} rides`);
    }
    return output.data instanceof Float64Array ? output.data : Float64Array.from(output.data as ArrayLike<number>);
  }
}

function toInputSpec(meta: InferenceSession.ValueMetadata): InputSpec {
  if (!isFeatureName(meta.name)) {
    throw new UnsupportedModelError(
      `model input '${meta.name}' is not a feature the core provides (PU_DO, trip_distance, PULocationID, DOLocationID)`,
    );
  }
  if (!meta.isTensor) throw new UnsupportedModelError(`model input '${meta.name}' is not a tensor`);
  const type = meta.type;
  if (type !== 'string' && type !== 'float32' && type !== 'float64' && type !== 'int64') {
    throw new UnsupportedModelError(`model input '${meta.name}' has element type ${type}; supported: string, float, double, int64`);
  }
  if (meta.shape.length !== 1 && meta.shape.length !== 2) {
    throw new UnsupportedModelError(`model input '${meta.name}' has rank ${meta.shape.length}; supported: [N] or [N,1]`);
  }
  if (meta.name === 'PU_DO' && type !== 'string') {
    throw new UnsupportedModelError(`model input 'PU_DO' must be a string tensor, not ${type}`);
  }
  return { name: meta.name, type, rank: meta.shape.length };
}

/** An input tensor of `n` rows whose row `i` holds `valueAt(i)`. */
function buildTensor(input: InputSpec, n: number, valueAt: (i: number) => string | number): Tensor {
  const dims = input.rank === 2 ? [n, 1] : [n];
  switch (input.type) {
    case 'string': {
      const data = new Array<string>(n);
      for (let i = 0; i < n; i++) data[i] = String(valueAt(i));
      return new Tensor('string', data, dims);
    }
    case 'float32':
    case 'float64': {
      const data = input.type === 'float32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = Number(valueAt(i));
      return new Tensor(input.type, data, dims);
    }
    case 'int64': {
      const data = new BigInt64Array(n);
      for (let i = 0; i < n; i++) data[i] = BigInt(Math.trunc(Number(valueAt(i))));
      return new Tensor('int64', data, dims);
    }
  }
}

/**
 * Rows per run so that the widest one-hot encoding in the graph stays within the budget.
 * Decoding the whole protobuf costs ~150 ms on a 31k-category model, so it is done only when
 * the op type's name occurs in the bytes at all (a node's op_type is stored as plain text).
 */
function rowsPerRunFor(bytes: Uint8Array): number {
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(ONE_HOT_ENCODER) === -1) return MAX_ROWS_PER_RUN;
  // Loaded here, not at module load: only models with a one-hot encoder pay for protobufjs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { onnx } = require('onnx-proto') as typeof import('onnx-proto');
  const graph = onnx.ModelProto.decode(bytes).graph;
  let width = 1;
  for (const node of graph?.node ?? []) {
    if (node.opType !== 'OneHotEncoder') continue;
    const categories = node.attribute?.find((a) => a.name === 'cats_strings' || a.name === 'cats_int64s');
    width = Math.max(width, (categories?.strings?.length ?? 0) + (categories?.ints?.length ?? 0));
  }
  return Math.max(1, Math.min(MAX_ROWS_PER_RUN, Math.floor(RUN_MEMORY_BUDGET_BYTES / (width * 4))));
}
