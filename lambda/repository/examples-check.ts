import { InvalidModelError, isPredictError, oneLine } from '../serving/errors';
import {
  DEFAULT_EXAMPLE_TOLERANCE,
  MAX_EXAMPLES,
  describeMismatch,
  mismatchesOf,
  type ExampleMismatch,
  type ModelExample,
  type ModelExamples,
} from '../model/examples';
import { createRequestParser } from '../model/request-schema';
import type { ModelSidecar } from '../model/sidecar';
import type { ServedModel } from '../model/served-model';

/**
 * A model whose examples do not reproduce: refused at load and before a hot swap (code
 * INVALID_MODEL, permanent: the files must change). `worst` is the example furthest off.
 */
export class ExamplesMismatchError extends InvalidModelError {
  constructor(
    readonly model: string,
    readonly version: string,
    readonly worst: ExampleMismatch,
    readonly mismatched: number,
    readonly total: number,
    tolerance: number,
  ) {
    super(
      `model '${model}' version ${version} does not reproduce its examples (${mismatched} of ${total} differ); the worst: ${describeMismatch(worst, tolerance)}`,
    );
  }
}

/**
 * Runs a loaded model on its examples (ModelInfo.examples) and refuses it, naming the worst
 * example, when any answer is off by more than the tolerance. Example inputs go through the same
 * request parser a client's ride does, so an example the model's fields refuse is a bad example,
 * said as such. Releases the model's session when refusing it.
 *
 * @example await checkExamples(model) // resolves, or throws ExamplesMismatchError / InvalidModelError
 */
export async function checkExamples(model: ServedModel): Promise<void> {
  const examples = model.info.examples;
  if (!examples) return;
  let outputs: Float64Array;
  try {
    const { batch } = createRequestParser(model.fields).parse(
      examples.rows.map((row) => row.inputs),
      'examples',
    );
    outputs = await model.predict(batch);
  } catch (cause) {
    await model.release?.();
    const reason = isPredictError(cause) ? `${cause.code}: ${cause.message}` : (cause as Error).message;
    throw new InvalidModelError(`model '${model.name}' version ${model.version} cannot run its examples (${examples.source}): ${oneLine(reason)}`, { cause });
  }
  const mismatches = mismatchesOf(examples.rows, outputs, examples.tolerance);
  const worst = mismatches[0];
  if (!worst) return;
  await model.release?.();
  throw new ExamplesMismatchError(model.name, model.version, worst, mismatches.length, examples.rows.length, examples.tolerance);
}

/**
 * A model's examples from its sidecar: `examples` itself, or for an MLflow directory the rows of
 * its serving input example (`servingInput`, the file's text) with the sidecar's
 * `example_outputs`. Undefined when the model has none. Throws InvalidModelError when the two
 * halves do not fit together.
 */
export function resolveExamples(sidecar: ModelSidecar | undefined, where: string, servingInput?: { text: string; where: string }): ModelExamples | undefined {
  if (!sidecar) return undefined;
  const tolerance = sidecar.examples_tolerance ?? DEFAULT_EXAMPLE_TOLERANCE;
  if (sidecar.examples && sidecar.example_outputs)
    throw new InvalidModelError(`${where}: give either examples or example_outputs (for an MLflow serving input example), not both`);
  if (sidecar.examples) return { rows: sidecar.examples, tolerance, source: where };
  const outputs = sidecar.example_outputs;
  if (!outputs) return undefined;
  if (!servingInput)
    throw new InvalidModelError(`${where} gives example_outputs, but the model directory has no serving input example (serving_input_example.json) for them`);
  const records = parseServingInput(servingInput.text, servingInput.where);
  if (records.length !== outputs.length) {
    throw new InvalidModelError(`${where} gives ${outputs.length} example_outputs for the ${records.length} rows of ${servingInput.where}`);
  }
  const rows: ModelExample[] = records.map((inputs, i) => ({ inputs, output: outputs[i] as number }));
  return { rows, tolerance, source: `${servingInput.where} with ${where}` };
}

type Row = ModelExample['inputs'];

/**
 * The rows of MLflow's `serving_input_example.json`, as MLflow writes it for a DataFrame
 * (`{"dataframe_split": {"columns": [...], "data": [[...], ...]}}`), a list of records
 * (`{"inputs": [{...}, ...]}`) or a dict of columns (`{"inputs": {"a": [1, 2], ...}}`, or of
 * scalars for one row).
 */
export function parseServingInput(text: string, where: string): Row[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidModelError(`${where} is not valid JSON`);
  }
  const rows = servingRows(json);
  if (!rows) throw new InvalidModelError(`${where}: expected {"dataframe_split": {"columns": [...], "data": [...]}} or {"inputs": ...} with named columns`);
  if (rows.length === 0 || rows.length > MAX_EXAMPLES) throw new InvalidModelError(`${where}: holds ${rows.length} rows (1–${MAX_EXAMPLES} allowed)`);
  if (!rows.every(isRow)) throw new InvalidModelError(`${where}: every value must be a number, a string or null`);
  return rows;
}

function servingRows(json: unknown): Record<string, unknown>[] | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { dataframe_split: split, dataframe_records: records, inputs } = json as Record<string, unknown>;
  if (isObject(split) && Array.isArray(split.columns) && Array.isArray(split.data)) {
    const columns = split.columns.map(String);
    return split.data.map((values) => (Array.isArray(values) ? Object.fromEntries(columns.map((c, i) => [c, values[i]])) : {}));
  }
  const list = Array.isArray(records) ? records : Array.isArray(inputs) ? inputs : undefined;
  if (list) return list.every(isObject) ? list : undefined;
  if (isObject(inputs)) {
    const columns = Object.entries(inputs);
    if (columns.every(([, v]) => !Array.isArray(v))) return [inputs];
    const n = Math.max(...columns.map(([, v]) => (Array.isArray(v) ? v.length : 1)));
    return Array.from({ length: n }, (_, i) => Object.fromEntries(columns.map(([c, v]) => [c, Array.isArray(v) ? v[i] : v])));
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRow(row: Record<string, unknown>): row is Row {
  return Object.values(row).every((v) => v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)));
}
