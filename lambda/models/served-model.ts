import { ModelLoadError, UnsupportedModelError } from '../core/errors';
import { Coalescer, type SegmentRunner } from './coalescer';
import { sliceBatch, type InputBatch } from './input-batch';
import { fieldsForInput, mergeFields, unionFields, type FieldKind, type ModelInput, type RequestField } from './model-input';
import { sidecarMetrics, type ModelSidecar } from './sidecar';
import { MODEL_NAME_PATTERN } from '../contract';

/** Model names (lambda/contract.ts): what `MODELS` accepts and what replies use as keys. */
export { MODEL_NAME_PATTERN };

/** What a model says about itself beyond its inputs (sidecar / MLmodel). */
export interface ModelInfo {
  readonly description?: string;
  /** the output's unit, e.g. minutes */
  readonly unit?: string;
  /** the trip-file column it predicts, for batch diffs */
  readonly target?: string;
  readonly metrics: Readonly<Record<string, number>>;
  /** where it was loaded from, for logs and /health */
  readonly source: string;
}

/**
 * One loaded model, immutable: its name, version, inputs, the request fields they need, and a
 * predict that coalesces concurrent calls into one run. A hot swap builds a new one.
 */
export interface ServedModel {
  readonly name: string;
  readonly version: string;
  readonly inputs: readonly ModelInput[];
  readonly fields: readonly RequestField[];
  readonly info: ModelInfo;
  /** One output per row, in row order; the batch must hold every field in `fields`. */
  predict(batch: InputBatch): Promise<Float64Array>;
  /**
   * Frees the runner's session once no predict is in flight (a hot swap retires the old model).
   * A predict called after that rejects with ModelLoadError instead of touching a freed session.
   */
  release?(): Promise<void>;
}

/** One column of an MLflow signature, reduced to what the request needs. */
export interface SignatureColumn {
  readonly name: string;
  readonly kind: FieldKind;
}

export interface ServedModelSpec {
  name: string;
  version: string;
  runner: SegmentRunner & { readonly inputs: readonly ModelInput[]; release?(): Promise<void> };
  sidecar?: ModelSidecar;
  /** an MLflow signature's inputs: must name exactly the ONNX inputs, with agreeing kinds */
  signature?: readonly SignatureColumn[];
  source: string;
}

/**
 * Wraps a runner (an OnnxModel) as a ServedModel: request fields from its inputs, narrowed by
 * the sidecar's per-input constraints. A sidecar naming an input the model lacks fails here,
 * at load, rather than being silently ignored.
 */
export function createServedModel(spec: ServedModelSpec): ServedModel {
  if (!MODEL_NAME_PATTERN.test(spec.name)) throw new UnsupportedModelError(`model name '${spec.name}' must match [a-z0-9_]+`);
  const what = `model '${spec.name}'`;
  const fromInputs = unionFields(spec.runner.inputs.map(fieldsForInput), what);
  const fields = applySidecar(applySignature(fromInputs, spec.runner.inputs, spec.signature, what), spec.runner.inputs, spec.sidecar, what);
  const coalescer = new Coalescer(spec.runner);
  const sidecar = spec.sidecar;
  const life = new RunnerLife(spec.runner, what);
  return Object.freeze({
    name: spec.name,
    version: spec.version,
    inputs: Object.freeze([...spec.runner.inputs]),
    fields: Object.freeze(fields),
    info: Object.freeze({
      ...(sidecar?.description === undefined ? {} : { description: sidecar.description }),
      ...(sidecar?.unit === undefined ? {} : { unit: sidecar.unit }),
      ...(sidecar?.target === undefined ? {} : { target: sidecar.target }),
      metrics: Object.freeze(sidecar ? sidecarMetrics(sidecar) : {}),
      source: spec.source,
    }),
    predict: (batch: InputBatch): Promise<Float64Array> =>
      life.during(async () => {
        // One run per call (shared with concurrent calls), split only where a run would exceed
        // the model's memory bound.
        const step = coalescer.maxRowsPerRun;
        if (batch.length <= step) return coalescer.run(batch);
        const outputs = new Float64Array(batch.length);
        for (let start = 0; start < batch.length; start += step) {
          outputs.set(await coalescer.run(sliceBatch(batch, start, Math.min(batch.length, start + step))), start);
        }
        return outputs;
      }),
    release: () => life.release(),
  });
}

/**
 * Counts the predicts in flight (a predict spans the coalescer's wait and its run), so that the
 * session is freed only after the last of them settles, never under a run.
 */
class RunnerLife {
  private active = 0;
  private released = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly runner: { release?(): Promise<void> },
    private readonly what: string,
  ) {}

  async during<T>(run: () => Promise<T>): Promise<T> {
    if (this.released) throw new ModelLoadError(`${this.what} was replaced and its session released`);
    this.active++;
    try {
      return await run();
    } finally {
      if (--this.active === 0) this.idle?.();
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.active > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await this.runner.release?.();
  }
}

/**
 * Checks an MLflow signature against the ONNX inputs (same names, text vs number agreeing) and
 * lets it narrow a number to an integer (a `long` column fed to a float input).
 */
function applySignature(fields: RequestField[], inputs: readonly ModelInput[], signature: readonly SignatureColumn[] | undefined, what: string): RequestField[] {
  if (!signature) return fields;
  const declared = new Map(signature.map((c) => [c.name, c]));
  const missing = inputs.filter((i) => !declared.has(i.name)).map((i) => i.name);
  const extra = signature.filter((c) => !inputs.some((i) => i.name === c.name)).map((c) => c.name);
  if (missing.length > 0 || extra.length > 0) {
    const parts = [missing.length > 0 ? `the ONNX graph's inputs ${missing.join(', ')} are not in the signature` : '', extra.length > 0 ? `the signature's inputs ${extra.join(', ')} are not ONNX inputs` : ''];
    throw new UnsupportedModelError(`${what}: MLmodel signature disagrees with the ONNX inputs: ${parts.filter(Boolean).join('; ')}`);
  }
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const input of inputs) {
    const column = declared.get(input.name) as SignatureColumn;
    const isText = input.type === 'string';
    if (isText !== (column.kind === 'string')) {
      throw new UnsupportedModelError(`${what}: MLmodel signature disagrees with the ONNX inputs: '${input.name}' is ${column.kind} in the signature but ${input.type} in the graph`);
    }
    const field = byName.get(input.name);
    if (field && column.kind === 'integer') byName.set(input.name, mergeFields(field, { name: input.name, kind: 'integer' }, what));
  }
  return fields.map((f) => byName.get(f.name) as RequestField);
}

function applySidecar(fields: RequestField[], inputs: readonly ModelInput[], sidecar: ModelSidecar | undefined, what: string): RequestField[] {
  const notes = sidecar?.inputs;
  if (!notes) return fields;
  const byName = new Map(fields.map((f) => [f.name, f]));
  const inputNames = new Set(inputs.map((i) => i.name));
  for (const [name, note] of Object.entries(notes)) {
    const field = byName.get(name);
    if (!field) {
      if (inputNames.has(name) && (typeof note === 'string' || (note.min === undefined && note.max === undefined))) continue; // e.g. PU_DO: described, not a request field
      throw new UnsupportedModelError(`${what}: its sidecar constrains '${name}', which is not one of its request fields (${fields.map((f) => f.name).join(', ')})`);
    }
    if (typeof note === 'string') continue;
    if (field.kind === 'string' && (note.min !== undefined || note.max !== undefined)) throw new UnsupportedModelError(`${what}: its sidecar gives a range to the text field '${name}'`);
    byName.set(name, mergeFields(field, { name, kind: field.kind, min: note.min, max: note.max, description: note.description, unit: note.unit }, what));
  }
  return fields.map((f) => byName.get(f.name) as RequestField);
}
