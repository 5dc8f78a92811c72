import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InvalidModelError, ModelLoadError, UnsupportedModelError } from '../../../serving/errors';
import type { InputBatch, InputColumn } from '../../input-batch';
import type { InputColumns } from '../../input-columns';
import type { ModelInput } from '../../model-input';
import type { ModelOutput, ModelRunner } from '../../model';
import { inputsWithColumns } from './onnx-model';
import type { FromSessionWorker, SessionError, ToSessionWorker } from './session-messages';

/**
 * An ONNX model whose onnxruntime session lives in a worker thread of its own (onnx-worker.ts):
 * the same runner as OnnxModel, but loading it (the protobuf decode, `InferenceSession.create`,
 * which onnxruntime-node runs synchronously: 3.5 s for a 55 MB one-hot model) and running it
 * never hold the event loop. Used when models are hot-swapped (MODEL_REFRESH_SECONDS): a swap
 * then loads the new model while the old one keeps answering at full speed. A session cannot
 * move between threads, so the model runs where it was loaded; each run crosses to the worker
 * and back (bench: `hot-swap` section).
 *
 * @example
 * const model = await WorkerOnnxModel.load(bytes, "model 'duration'");
 * const outputs = await model.run([batch]);
 */
export class WorkerOnnxModel implements ModelRunner {
  readonly format = 'onnx';

  private constructor(
    private readonly host: SessionHost,
    readonly inputs: readonly ModelInput[],
    readonly outputs: readonly ModelOutput[],
    readonly maxRowsPerRun: number,
    private readonly variant: number,
  ) {}

  /**
   * Starts a worker and builds the session there from `bytes`, which are handed over (moved when
   * they own their buffer): the caller must not use them afterwards. Rejects as OnnxModel.fromBytes
   * does (InvalidModelError, UnsupportedModelError), naming the model by `what`.
   */
  static async load(bytes: Uint8Array, what: string): Promise<WorkerOnnxModel> {
    const host = new SessionHost(sessionWorkerFile());
    try {
      const { inputs, outputs, maxRowsPerRun } = await host.load(bytes, what);
      return new WorkerOnnxModel(host, inputs, outputs, maxRowsPerRun, 0);
    } catch (error) {
      await host.terminate();
      throw error;
    }
  }

  /** The same session with `[N,k]` inputs fed from these request fields (checked here, named in the worker). */
  withColumns(columns: InputColumns): WorkerOnnxModel {
    const inputs = inputsWithColumns(this.inputs, columns);
    return new WorkerOnnxModel(this.host, inputs, this.outputs, this.maxRowsPerRun, this.host.variant(columns));
  }

  /** One session run over the rows of `segments`, in the worker; one output per row. */
  run(segments: readonly InputBatch[]): Promise<Float64Array> {
    const needed = neededColumns(this.inputs);
    return this.host.run(
      this.variant,
      segments.map((segment) => compactSegment(segment, needed)),
    );
  }

  /** Frees the session and ends the worker. */
  release(): Promise<void> {
    return this.host.release();
  }
}

/** The columns the inputs are built from (an [N,k] input from its columns; derived ones such as PU_DO were added by the preprocessing). */
function neededColumns(inputs: readonly ModelInput[]): string[] {
  return [...new Set(inputs.flatMap((input) => input.columns ?? [input.name]))];
}

/**
 * The columns a run needs, each its own compact copy: a typed array sent to a worker is cloned
 * with its whole buffer, and a request's column may be a view of a larger one.
 */
function compactSegment(segment: InputBatch, names: readonly string[]): InputBatch {
  const columns: Record<string, InputColumn> = Object.create(null) as Record<string, InputColumn>;
  for (const name of names) {
    const column = segment.columns[name];
    if (column === undefined) continue;
    columns[name] = (ArrayBuffer.isView(column) ? column.slice(0, segment.length) : Array.prototype.slice.call(column, 0, segment.length)) as InputColumn;
  }
  return { length: segment.length, columns };
}

/** The worker script: onnx-worker.mjs beside the bundle (its entry or chunks/ directory), else the TypeScript source through tsx. */
function sessionWorkerFile(): { file: string; execArgv?: string[] } {
  for (const file of [join(__dirname, 'onnx-worker.mjs'), join(__dirname, '..', 'onnx-worker.mjs')]) if (existsSync(file)) return { file };
  const source = join(__dirname, 'onnx-worker.ts');
  if (existsSync(source)) return { file: source, execArgv: ['--import', 'tsx'] };
  throw new Error(`onnx-worker.mjs is missing beside ${__dirname}: the bundle was not built by the recipe (infra/bundling.ts)`);
}

interface Pending {
  resolve(message: FromSessionWorker): void;
  reject(error: Error): void;
}

/**
 * One worker and the replies it owes. The worker holds the process open only while a reply is
 * due: idle, it never keeps a process from exiting; busy, a process waiting for a prediction
 * does not exit under it.
 */
class SessionHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number | string, Pending>();
  private nextId = 1;
  private nextVariant = 1;
  private stopped: Error | undefined;

  constructor(script: { file: string; execArgv?: string[] }) {
    this.worker = new Worker(script.file, { ...(script.execArgv ? { execArgv: script.execArgv } : {}) });
    this.worker.unref();
    this.worker.on('message', (message: FromSessionWorker) => this.settle(message));
    this.worker.on('error', (error) => this.stop(error));
    this.worker.on('exit', (code) => this.stop(new Error(`the model's session worker exited (code ${code})`)));
  }

  load(bytes: Uint8Array, what: string): Promise<{ inputs: readonly ModelInput[]; outputs: readonly ModelOutput[]; maxRowsPerRun: number }> {
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    return this.ask('load', { op: 'load', bytes, what }, owned ? [bytes.buffer as ArrayBuffer] : []).then((reply) => {
      if (reply.op === 'failed') throw toError(reply.error);
      if (reply.op !== 'loaded') throw new Error(`unexpected reply ${reply.op} to a load`);
      return { inputs: reply.inputs, outputs: reply.outputs, maxRowsPerRun: reply.maxRowsPerRun };
    });
  }

  variant(columns: InputColumns): number {
    const variant = this.nextVariant++;
    this.post({ op: 'variant', variant, columns: [...columns] });
    return variant;
  }

  run(variant: number, segments: readonly InputBatch[]): Promise<Float64Array> {
    const id = this.nextId++;
    const transfer = segments.flatMap((s) => Object.values(s.columns).flatMap((c) => (ArrayBuffer.isView(c) ? [c.buffer as ArrayBuffer] : [])));
    return this.ask(id, { op: 'run', id, variant, segments }, transfer).then((reply) => {
      if (reply.op !== 'ran') throw new Error(`unexpected reply ${reply.op} to a run`);
      if (reply.error || !reply.output) throw toError(reply.error ?? { message: 'no output' });
      return reply.output;
    });
  }

  async release(): Promise<void> {
    if (this.stopped) return;
    await this.ask('release', { op: 'release' });
    await this.terminate();
  }

  async terminate(): Promise<void> {
    this.stopped ??= new ModelLoadError('the model was released');
    await this.worker.terminate();
  }

  private ask(key: number | string, message: ToSessionWorker, transfer: ArrayBuffer[] = []): Promise<FromSessionWorker> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise<FromSessionWorker>((resolve, reject) => {
      this.pending.set(key, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.post(message, transfer);
    });
  }

  private post(message: ToSessionWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private settle(message: FromSessionWorker): void {
    const key = message.op === 'ran' ? message.id : message.op === 'released' ? 'release' : 'load';
    const waiting = this.pending.get(key);
    if (!waiting) return;
    this.pending.delete(key);
    if (this.pending.size === 0) this.worker.unref();
    waiting.resolve(message);
  }

  /** The worker is gone (crashed, or terminated): every reply still owed fails, and so will later runs. */
  private stop(reason: Error): void {
    this.stopped ??= new ModelLoadError(`the model's session is gone: ${reason.message}`, { cause: reason });
    for (const waiting of this.pending.values()) waiting.reject(this.stopped);
    this.pending.clear();
  }
}

/** An error from the worker as the core's class, told by its code (class names do not cross threads). */
function toError(error: SessionError): Error {
  switch (error.code) {
    case 'INVALID_MODEL':
      return new InvalidModelError(error.message);
    case 'UNSUPPORTED_MODEL':
      return new UnsupportedModelError(error.message);
    case 'MODEL_LOAD_FAILED':
      return new ModelLoadError(error.message);
    default:
      return new Error(error.message);
  }
}
