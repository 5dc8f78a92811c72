import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ModelLoadError, UnsupportedModelError } from '../core/errors';
import type { InputBatch, InputColumn } from './input-batch';
import { PU_DO, type ElementType, type ModelInput } from './model-input';

/**
 * Memory budget for one run's dense intermediates. A scikit-learn OneHotEncoder converted to
 * ONNX materialises a float row as wide as its vocabulary (28k categories ≈ 114 KB per row),
 * so the rows per run are derived from the widest encoder in the graph.
 */
const RUN_MEMORY_BUDGET_BYTES = 64 * 1024 * 1024;
const MAX_ROWS_PER_RUN = 8192;
const ONE_HOT_ENCODER = 'OneHotEncoder';

const ONNX_TYPES: Readonly<Record<string, ElementType>> = { string: 'string', float32: 'float32', float64: 'float64', int32: 'int32', int64: 'int64' };

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
 * An ONNX regressor run by onnxruntime-node. Each input is fed from the request field of the
 * same name (PU_DO from the two zone fields); the first output is the prediction.
 *
 * @example
 * const model = await OnnxModel.fromBytes(bytes);
 * await model.run([{ length: 1, columns: { PULocationID: Float64Array.of(10), DOLocationID: Float64Array.of(50), trip_distance: Float64Array.of(40) } }]);
 */
export class OnnxModel {
  private constructor(
    private readonly session: InferenceSession,
    readonly inputs: readonly ModelInput[],
    private readonly outputName: string,
    /** most rows one `run` may take; callers split larger inputs */
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
    const inputs = session.inputMetadata.map(toModelInput);
    const outputName = session.outputNames[0];
    if (outputName === undefined) throw new UnsupportedModelError('model has no outputs');
    return new OnnxModel(session, inputs, outputName, await rowsPerRunFor(bytes));
  }

  /** Frees the native session; no run may start afterwards (the ServedModel guards that). */
  release(): Promise<void> {
    return this.session.release();
  }

  /**
   * One session run over the rows of `segments` taken end to end (the coalescer hands several
   * requests' batches without copying them together); one output per row.
   */
  async run(segments: readonly InputBatch[]): Promise<Float64Array> {
    let n = 0;
    for (const segment of segments) n += segment.length;
    const feeds: Record<string, Tensor> = {};
    for (const input of this.inputs) feeds[input.name] = buildTensor(input, n, segments);
    const results = await this.session.run(feeds, [this.outputName]);
    const output = results[this.outputName];
    if (!output || output.size !== n) {
      throw new UnsupportedModelError(`model output '${this.outputName}' has ${output?.size ?? 0} values for ${n} rows`);
    }
    return output.data instanceof Float64Array ? output.data : Float64Array.from(output.data as ArrayLike<number>);
  }
}

function toModelInput(meta: InferenceSession.ValueMetadata): ModelInput {
  if (!meta.isTensor) throw new UnsupportedModelError(`model input '${meta.name}' is not a tensor`);
  const type = ONNX_TYPES[meta.type];
  if (type === undefined) {
    throw new UnsupportedModelError(`model input '${meta.name}' has element type ${meta.type}; supported: string, float, double, int32, int64`);
  }
  if (meta.shape.length !== 1 && meta.shape.length !== 2) {
    throw new UnsupportedModelError(`model input '${meta.name}' has rank ${meta.shape.length}; supported: [N] or [N,1]`);
  }
  if (meta.name === PU_DO && type !== 'string') throw new UnsupportedModelError(`model input 'PU_DO' must be a string tensor, not ${type}`);
  return { name: meta.name, type, rank: meta.shape.length };
}

/** The column a segment holds for `name`; callers validated the batch against the model's fields. */
function columnOf(segment: InputBatch, name: string): InputColumn {
  const column = segment.columns[name];
  if (column === undefined) throw new UnsupportedModelError(`no column '${name}' in the model's input batch`);
  return column;
}

/** An input tensor of `n` rows filled from the segments' columns, in order. */
function buildTensor(input: ModelInput, n: number, segments: readonly InputBatch[]): Tensor {
  const dims = input.rank === 2 ? [n, 1] : [n];
  if (input.name === PU_DO) {
    const data = new Array<string>(n);
    let at = 0;
    for (const segment of segments) {
      const pu = columnOf(segment, 'PULocationID');
      const dropoff = columnOf(segment, 'DOLocationID');
      for (let i = 0; i < segment.length; i++) data[at++] = `${pu[i]}_${dropoff[i]}`;
    }
    return new Tensor('string', data, dims);
  }
  switch (input.type) {
    case 'string': {
      const data = new Array<string>(n);
      let at = 0;
      for (const segment of segments) {
        const column = columnOf(segment, input.name);
        for (let i = 0; i < segment.length; i++) data[at++] = String(column[i]);
      }
      return new Tensor('string', data, dims);
    }
    case 'float32':
    case 'float64':
    case 'int32': {
      const data = input.type === 'float32' ? new Float32Array(n) : input.type === 'float64' ? new Float64Array(n) : new Int32Array(n);
      let at = 0;
      for (const segment of segments) {
        const column = columnOf(segment, input.name);
        if (ArrayBuffer.isView(column)) data.set(column.subarray(0, segment.length), at);
        else for (let i = 0; i < segment.length; i++) data[at + i] = Number(column[i]);
        at += segment.length;
      }
      return new Tensor(input.type, data, dims);
    }
    case 'int64': {
      const data = new BigInt64Array(n);
      let at = 0;
      for (const segment of segments) {
        const column = columnOf(segment, input.name);
        for (let i = 0; i < segment.length; i++) data[at++] = BigInt(Math.trunc(Number(column[i])));
      }
      return new Tensor('int64', data, dims);
    }
  }
}

/**
 * Rows per run so that the widest one-hot encoding in the graph stays within the budget.
 * Decoding the whole protobuf costs ~150 ms on a 31k-category model, so it is done only when
 * the op type's name occurs in the bytes at all (a node's op_type is stored as plain text).
 */
async function rowsPerRunFor(bytes: Uint8Array): Promise<number> {
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(ONE_HOT_ENCODER) === -1) return MAX_ROWS_PER_RUN;
  // Imported here, not at module load: only models with a one-hot encoder pay for protobufjs.
  const { oneHotWidth } = await import('./one-hot-width.js');
  const width = oneHotWidth(bytes);
  return Math.max(1, Math.min(MAX_ROWS_PER_RUN, Math.floor(RUN_MEMORY_BUDGET_BYTES / (width * 4))));
}
