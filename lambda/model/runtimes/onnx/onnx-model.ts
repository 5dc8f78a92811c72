import { InferenceSession, Tensor } from 'onnxruntime-node';
import { InvalidModelError, UnsupportedModelError } from '../../../serving/errors';
import type { InputBatch, InputColumn } from '../../input-batch';
import type { InputColumns } from '../../input-columns';
import type { ElementType, ModelInput } from '../../model-input';
import type { ModelOutput, ModelRunner } from '../../model';

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
 * burning a core that the HTTP server or a second cluster worker needs. onnxruntime logs only
 * fatal errors: every error it raises is thrown to us and reported once, in our words (a model
 * refused at start is one line, not that line plus onnxruntime's own on stderr).
 */
export const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  logSeverityLevel: 4,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

/**
 * The ONNX runtime: a regressor run by onnxruntime-node. Each input is fed from the batch column
 * of the same name (an `[N,k]` input, once its columns are named with {@link withColumns}, from k
 * columns, row-major); the first output is the prediction. It knows nothing of rides: derived
 * features (PU_DO) are columns the preprocessing step added before.
 *
 * @example
 * const model = await OnnxModel.fromBytes(bytes);
 * await model.run([{ length: 1, columns: { PULocationID: Float64Array.of(10), DOLocationID: Float64Array.of(50), trip_distance: Float64Array.of(40) } }]);
 */
export class OnnxModel implements ModelRunner {
  readonly format = 'onnx';

  private constructor(
    private readonly session: InferenceSession,
    readonly inputs: readonly ModelInput[],
    readonly outputs: readonly ModelOutput[],
    private readonly outputName: string,
    /** most rows one `run` may take; callers split larger inputs */
    readonly maxRowsPerRun: number,
  ) {}

  /**
   * Builds a session from model bytes; rejects models whose inputs the core cannot feed. `what`
   * names the model in error messages (the loader passes its name and location).
   */
  static async fromBytes(bytes: Uint8Array, what = 'model'): Promise<OnnxModel> {
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, SESSION_OPTIONS);
    } catch (cause) {
      throw new InvalidModelError(`${what} is not a loadable ONNX graph: ${(cause as Error).message}`, { cause });
    }
    let signature: { inputs: ModelInput[]; outputs: ModelOutput[]; outputName: string };
    try {
      signature = describeSession(session, what);
    } catch (error) {
      await session.release();
      throw error;
    }
    const { inputs, outputs, outputName } = signature;
    return new OnnxModel(session, inputs, outputs, outputName, await rowsPerRunFor(bytes));
  }

  /**
   * The same session with `[N,k]` inputs fed from named request fields (the sidecar's or the
   * MLflow signature's names; input-columns.ts checks them against the graph first).
   */
  withColumns(columns: InputColumns): OnnxModel {
    return new OnnxModel(this.session, inputsWithColumns(this.inputs, columns), this.outputs, this.outputName, this.maxRowsPerRun);
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

/**
 * `inputs` with the columns of their `[N,k]` inputs named; throws UnsupportedModelError when a
 * named input is not [N,k] of that width. (Shared with the worker-hosted runner, which names
 * columns without a session at hand.)
 */
export function inputsWithColumns(inputs: readonly ModelInput[], columns: InputColumns): ModelInput[] {
  return inputs.map((input) => {
    const names = columns.get(input.name);
    if (!names) return input;
    if (input.rank !== 2 || (input.width !== undefined && input.width !== names.length)) {
      throw new UnsupportedModelError(
        `model input '${input.name}' is ${input.rank === 1 ? '[N]' : `[N,${input.width}]`}; it cannot take ${names.length} columns`,
      );
    }
    return { ...input, columns: Object.freeze([...names]) };
  });
}

/** The session's inputs as the core feeds them, its outputs as data, and the output read as the prediction. */
function describeSession(session: InferenceSession, what: string): { inputs: ModelInput[]; outputs: ModelOutput[]; outputName: string } {
  const inputs = session.inputMetadata.map((meta) => toModelInput(meta, what));
  const outputName = session.outputNames[0];
  if (outputName === undefined) throw new UnsupportedModelError(`${what} has no outputs`);
  const outputs = session.outputMetadata.map((meta) => ({
    name: meta.name,
    type: (meta.isTensor ? ONNX_TYPES[meta.type] : undefined) ?? 'float32',
    shape: meta.isTensor ? meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : null)) : [null],
  }));
  return { inputs, outputs, outputName };
}

function toModelInput(meta: InferenceSession.ValueMetadata, what: string): ModelInput {
  if (!meta.isTensor) throw new UnsupportedModelError(`${what} input '${meta.name}' is not a tensor`);
  const type = ONNX_TYPES[meta.type];
  if (type === undefined) {
    throw new UnsupportedModelError(`${what} input '${meta.name}' has element type ${meta.type}; supported: string, float, double, int32, int64`);
  }
  if (meta.shape.length !== 1 && meta.shape.length !== 2) {
    throw new UnsupportedModelError(`${what} input '${meta.name}' has rank ${meta.shape.length}; supported: [N], [N,1] or [N,k] with named columns`);
  }
  // A symbolic or unknown second dimension is a string ('' for skl2onnx's None): no fixed width.
  const width = meta.shape.length === 2 && typeof meta.shape[1] === 'number' && meta.shape[1] > 0 ? meta.shape[1] : undefined;
  return width === undefined ? { name: meta.name, type, rank: meta.shape.length } : { name: meta.name, type, rank: 2, width };
}

/** The column a segment holds for `name`; callers validated the batch against the model's fields. */
function columnOf(segment: InputBatch, name: string): InputColumn {
  const column = segment.columns[name];
  if (column === undefined) throw new UnsupportedModelError(`no column '${name}' in the model's input batch`);
  return column;
}

/** An input tensor of `n` rows filled from the segments' columns, in order. */
function buildTensor(input: ModelInput, n: number, segments: readonly InputBatch[]): Tensor {
  if (input.columns) return buildWideTensor(input, input.columns, n, segments);
  const dims = input.rank === 2 ? [n, 1] : [n];
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

/** An `[n,k]` tensor, row-major: row i holds the k named fields of ride i, in column order. */
function buildWideTensor(input: ModelInput, names: readonly string[], n: number, segments: readonly InputBatch[]): Tensor {
  const k = names.length;
  const dims = [n, k];
  const data = newData(input.type, n * k);
  let row = 0;
  for (const segment of segments) {
    for (let c = 0; c < k; c++) {
      const column = columnOf(segment, names[c] as string);
      if (data instanceof BigInt64Array) for (let i = 0; i < segment.length; i++) data[(row + i) * k + c] = BigInt(Math.trunc(Number(column[i])));
      else if (Array.isArray(data)) for (let i = 0; i < segment.length; i++) data[(row + i) * k + c] = String(column[i]);
      else for (let i = 0; i < segment.length; i++) data[(row + i) * k + c] = Number(column[i]);
    }
    row += segment.length;
  }
  return new Tensor(input.type, data, dims);
}

function newData(type: ElementType, size: number): Float32Array | Float64Array | Int32Array | BigInt64Array | string[] {
  switch (type) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'int64':
      return new BigInt64Array(size);
    case 'string':
      return new Array<string>(size);
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
