import { ModelLoadError, UnsupportedModelError } from '../serving/errors';
import { Coalescer } from './coalescer';
import { sliceBatch, type InputBatch } from './input-batch';
import { nameInputColumns, type InputColumns, type SignatureColumn } from './input-columns';
import { acceptsMissing, fieldsForInput, mergeFields, unionFields, type ModelInput, type RequestField } from './model-input';
import { NO_PREPROCESSING, type ModelOutput, type ModelRunner, type Preprocessing } from './model';
import { sidecarMetrics, type ModelSidecar } from './sidecar';
import type { ModelExamples } from './examples';
import { MODEL_NAME_PATTERN } from '../contract';

export type { SignatureColumn } from './input-columns';
export type { ModelRunner } from './model';

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
  /** inputs with their expected outputs (sidecar or MLflow example), checked before it serves */
  readonly examples?: ModelExamples;
}

/**
 * One loaded model, immutable: its name, version, inputs, the request fields they need, and a
 * predict that coalesces concurrent calls into one run. A hot swap builds a new one.
 */
export interface ServedModel {
  readonly name: string;
  readonly version: string;
  readonly inputs: readonly ModelInput[];
  /** every output of the graph; the first is the prediction */
  readonly outputs: readonly ModelOutput[];
  /** the format its runtime runs (`onnx`) */
  readonly format: string;
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

export interface ServedModelSpec {
  name: string;
  version: string;
  runner: ModelRunner;
  /** derived features (rides/features.ts for the course's PU_DO); none by default */
  preprocessing?: Preprocessing;
  sidecar?: ModelSidecar;
  /** an MLflow signature's inputs: must name exactly the ONNX inputs (or the one 2-D input's columns), with agreeing types */
  signature?: readonly SignatureColumn[];
  source: string;
  /** the examples the repository resolved (sidecar or MLflow serving input + sidecar outputs) */
  examples?: ModelExamples;
}

/**
 * Wraps a runner (an OnnxModel) as a ServedModel: the columns of its `[N,k]` inputs named
 * (input-columns.ts), request fields from its inputs, checked against the MLflow signature and
 * narrowed by the sidecar's per-input constraints. A sidecar naming an input the model lacks
 * fails here, at load, rather than being silently ignored.
 */
export function createServedModel(spec: ServedModelSpec): ServedModel {
  if (!MODEL_NAME_PATTERN.test(spec.name)) throw new UnsupportedModelError(`model name '${spec.name}' must match [a-z0-9_]+`);
  const what = `model '${spec.name}'`;
  const preprocessing = spec.preprocessing ?? NO_PREPROCESSING;
  const runner = withNamedColumns(spec.runner, nameInputColumns(spec.runner.inputs, spec.sidecar, spec.signature, what, preprocessing), what);
  const fromInputs = unionFields(
    runner.inputs.map((input) => fieldsForInput(input, preprocessing)),
    what,
  );
  const fields = applySidecar(applySignature(fromInputs, runner.inputs, spec.signature, what), runner.inputs, spec.sidecar, what, preprocessing);
  const coalescer = new Coalescer(runner);
  const sidecar = spec.sidecar;
  const life = new RunnerLife(runner, what);
  return Object.freeze({
    name: spec.name,
    version: spec.version,
    inputs: Object.freeze([...runner.inputs]),
    outputs: Object.freeze([...runner.outputs]),
    format: runner.format,
    fields: Object.freeze(fields),
    info: Object.freeze({
      ...(sidecar?.description === undefined ? {} : { description: sidecar.description }),
      ...(sidecar?.unit === undefined ? {} : { unit: sidecar.unit }),
      ...(sidecar?.target === undefined ? {} : { target: sidecar.target }),
      metrics: Object.freeze(sidecar ? sidecarMetrics(sidecar) : {}),
      source: spec.source,
      ...(spec.examples === undefined ? {} : { examples: spec.examples }),
    }),
    predict: (request: InputBatch): Promise<Float64Array> =>
      life.during(async () => {
        const batch = preprocessing.apply(request, runner.inputs);
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

function withNamedColumns(runner: ModelRunner, columns: InputColumns, what: string): ModelRunner {
  if (columns.size === 0) return runner;
  if (!runner.withColumns) throw new UnsupportedModelError(`${what}: its runner cannot feed [N,k] inputs`);
  return runner.withColumns(columns);
}

/** Where a request field goes in the graph: the input it feeds (one of its columns, for an [N,k] input). */
interface Slot {
  readonly name: string;
  readonly input: ModelInput;
}

/** The graph's inputs as the signature describes them: an input, or each column of a named [N,k] input. */
function slotsOf(inputs: readonly ModelInput[]): Slot[] {
  return inputs.flatMap((input) => (input.columns ?? [input.name]).map((name) => ({ name, input })));
}

/**
 * Checks an MLflow signature against the ONNX inputs: the same names (the inputs, or the columns
 * of the one [N,k] input), and types that agree. Text and numbers never mix; a floating-point
 * column into an integer input is refused (its fractions would be cut); an integer column into
 * a float input is allowed and narrows the field to integers. A `double` column into a float32
 * input is allowed: it is what pandas float64 columns converted with skl2onnx's FloatTensorType
 * produce, and the model was converted to compute in float32 anyway.
 */
function applySignature(
  fields: RequestField[],
  inputs: readonly ModelInput[],
  signature: readonly SignatureColumn[] | undefined,
  what: string,
): RequestField[] {
  if (!signature) return fields;
  const slots = slotsOf(inputs);
  const declared = new Map(signature.map((c) => [c.name, c]));
  const missing = slots.filter((slot) => !declared.has(slot.name)).map((slot) => slot.name);
  const extra = signature.filter((c) => !slots.some((slot) => slot.name === c.name)).map((c) => c.name);
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `the ONNX graph's inputs ${missing.join(', ')} are not in the signature` : '',
      extra.length > 0 ? `the signature's inputs ${extra.join(', ')} are not ONNX inputs` : '',
    ];
    throw new UnsupportedModelError(`${what}: MLmodel signature disagrees with the ONNX inputs: ${parts.filter(Boolean).join('; ')}`);
  }
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const slot of slots) {
    const column = declared.get(slot.name) as SignatureColumn;
    const graphType = slot.input.type;
    const integerInput = graphType === 'int32' || graphType === 'int64';
    if ((graphType === 'string') !== (column.kind === 'string') || (integerInput && column.kind === 'number')) {
      const where = slot.name === slot.input.name ? `'${slot.name}'` : `'${slot.name}' (a column of '${slot.input.name}')`;
      throw new UnsupportedModelError(
        `${what}: MLmodel signature disagrees with the ONNX inputs: ${where} is ${column.type} in the signature but ${graphType} in the graph`,
      );
    }
    const field = byName.get(slot.name);
    if (field && column.kind === 'integer') byName.set(slot.name, mergeFields(field, { name: slot.name, kind: 'integer' }, what));
  }
  return fields.map((f) => byName.get(f.name) as RequestField);
}

/**
 * Applies the sidecar's notes: ranges, descriptions, units and `nullable`, keyed by request field
 * or by input (a note on an [N,k] input applies to each of its columns).
 */
function applySidecar(
  fields: RequestField[],
  inputs: readonly ModelInput[],
  sidecar: ModelSidecar | undefined,
  what: string,
  preprocessing: Preprocessing,
): RequestField[] {
  const notes = sidecar?.inputs;
  if (!notes) return fields;
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const [name, note] of Object.entries(notes)) {
    const targets = noteTargets(name, byName, inputs);
    if (targets === undefined) {
      const input = inputs.find((i) => i.name === name);
      // e.g. PU_DO: an input described, not a request field of its own
      if (input && (typeof note === 'string' || (note.min === undefined && note.max === undefined && note.nullable === undefined))) continue;
      throw new UnsupportedModelError(
        `${what}: its sidecar constrains '${name}', which is not one of its request fields (${fields.map((f) => f.name).join(', ')})`,
      );
    }
    if (typeof note === 'string') continue;
    for (const target of targets) {
      const field = byName.get(target) as RequestField;
      if (field.kind === 'string' && (note.min !== undefined || note.max !== undefined))
        throw new UnsupportedModelError(`${what}: its sidecar gives a range to the text field '${target}'`);
      const merged = mergeFields(field, { name: target, kind: field.kind, min: note.min, max: note.max, description: note.description, unit: note.unit }, what);
      if (note.nullable === true) checkNullable(target, inputs, what, preprocessing);
      // One note marking it nullable is enough (a note on the [N,k] input, or one on the column).
      byName.set(target, note.nullable === true || field.nullable === true ? { ...merged, nullable: true } : merged);
    }
  }
  return fields.map((f) => byName.get(f.name) as RequestField);
}

/** The request fields a sidecar note keyed `name` applies to: that field, or an [N,k] input's columns. */
function noteTargets(name: string, byName: ReadonlyMap<string, RequestField>, inputs: readonly ModelInput[]): readonly string[] | undefined {
  if (byName.has(name)) return [name];
  return inputs.find((i) => i.name === name)?.columns;
}

/** A missing value reaches the graph as NaN, which only float and double tensors can hold. */
function checkNullable(field: string, inputs: readonly ModelInput[], what: string, preprocessing: Preprocessing): void {
  for (const input of inputs) {
    const derivedFrom = preprocessing.fieldsFor(input)?.map((f) => f.name);
    const feeds = (derivedFrom ?? input.columns ?? [input.name]).includes(field);
    // A derived feature is built from the field's value: a missing one cannot be built.
    if (feeds && (derivedFrom !== undefined || !acceptsMissing(input.type))) {
      throw new UnsupportedModelError(
        `${what}: its sidecar marks '${field}' nullable, but it feeds the ${input.type} input '${input.name}'; only float and double inputs can take a missing value (NaN)`,
      );
    }
  }
}
