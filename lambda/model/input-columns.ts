import { UnsupportedModelError } from '../serving/errors';
import type { ModelInput, Preprocessing } from './model-input';
import type { ModelSidecar } from './sidecar';

/** One column of an MLflow signature: its name, the request kind it implies, and its dtype as written. */
export interface SignatureColumn {
  readonly name: string;
  readonly kind: 'string' | 'number' | 'integer';
  /** the signature's own type name (`double`, `long`, `float32`, `str`, ...), for messages */
  readonly type: string;
  /** a tensor-based signature entry (it names an ONNX input, never a column) */
  readonly tensor?: boolean;
}

/** How a model's `[N,k]` inputs are fed: the request fields of each one's columns, by input name. */
export type InputColumns = ReadonlyMap<string, readonly string[]>;

/**
 * Names the columns of the model's `[N,k]` inputs. skl2onnx's most common numeric export is one
 * input `float_input` of shape `[None, k]`; the graph does not say which column is which, so
 * the sidecar (`"inputs": {"float_input": {"columns": [...]}}`) or an MLflow column-based
 * signature must (a signature names them when the graph has that one 2-D input and the
 * signature's names are not the input's own). Each named column is then a request field.
 *
 * Refused at load, naming the input: a `[N,k>1]` input nobody names (saying how to name it),
 * names whose count is not k, a sidecar and a signature naming different columns, and columns
 * given to an input that has none.
 *
 * @example
 * nameInputColumns([{ name: 'float_input', type: 'float32', rank: 2, width: 3 }], sidecar, undefined, "model 'zoo'")
 * // Map { 'float_input' => ['PULocationID', 'DOLocationID', 'trip_distance'] }
 */
export function nameInputColumns(
  inputs: readonly ModelInput[],
  sidecar: ModelSidecar | undefined,
  signature: readonly SignatureColumn[] | undefined,
  what: string,
  preprocessing: Preprocessing,
): InputColumns {
  const named = new Map<string, readonly string[]>();
  const derived = (input: ModelInput) => preprocessing.fieldsFor(input) !== undefined;
  const bySignature = signatureColumns(inputs, signature, derived);
  for (const input of inputs) {
    const fromSidecar = sidecarColumns(input, sidecar, what, derived);
    const fromSignature = bySignature?.input === input.name ? bySignature.columns : undefined;
    if (fromSidecar && fromSignature && fromSidecar.join('\u0000') !== fromSignature.join('\u0000')) {
      throw new UnsupportedModelError(
        `${what}: the sidecar names the columns of '${input.name}' ${fromSidecar.join(', ')} but the MLmodel signature names ${fromSignature.join(', ')}`,
      );
    }
    const columns = fromSidecar ?? fromSignature;
    if (columns) {
      checkWidth(input, columns, fromSidecar ? 'the sidecar' : 'the MLmodel signature', what);
      named.set(input.name, columns);
    } else if (input.rank === 2 && input.width !== undefined && input.width > 1) {
      throw new UnsupportedModelError(unnamedMessage(input, what));
    }
  }
  for (const name of Object.keys(sidecar?.inputs ?? {})) {
    const note = sidecar?.inputs?.[name];
    if (typeof note === 'object' && note.columns && !inputs.some((i) => i.name === name)) {
      throw new UnsupportedModelError(
        `${what}: its sidecar names the columns of '${name}', which is not one of its inputs (${inputs.map((i) => i.name).join(', ')})`,
      );
    }
  }
  return named;
}

/** The columns a sidecar gives an input, checked to be an input that has columns. */
function sidecarColumns(
  input: ModelInput,
  sidecar: ModelSidecar | undefined,
  what: string,
  derived: (input: ModelInput) => boolean,
): readonly string[] | undefined {
  const note = sidecar?.inputs?.[input.name];
  if (typeof note !== 'object' || note.columns === undefined) return undefined;
  if (input.rank !== 2 || derived(input)) {
    throw new UnsupportedModelError(`${what}: its sidecar names columns of '${input.name}', a ${shapeOf(input)} input; only an [N,k] input has columns`);
  }
  return note.columns;
}

/**
 * The input an MLflow column-based signature describes column by column: the graph's only
 * input, of rank 2, when the signature does not simply name that input.
 */
function signatureColumns(
  inputs: readonly ModelInput[],
  signature: readonly SignatureColumn[] | undefined,
  derived: (input: ModelInput) => boolean,
): { input: string; columns: readonly string[] } | undefined {
  const only = inputs.length === 1 ? inputs[0] : undefined;
  if (!signature || !only || only.rank !== 2 || derived(only) || signature.some((column) => column.tensor)) return undefined;
  if (signature.length === 1 && signature[0]?.name === only.name) return undefined;
  return { input: only.name, columns: signature.map((column) => column.name) };
}

function checkWidth(input: ModelInput, columns: readonly string[], source: string, what: string): void {
  if (input.width !== undefined && input.width !== columns.length) {
    throw new UnsupportedModelError(
      `${what}: input '${input.name}' is [N,${input.width}] but ${source} names ${columns.length} column${columns.length === 1 ? '' : 's'} (${columns.join(', ')}); name exactly ${input.width}, in the order of the training columns`,
    );
  }
}

function unnamedMessage(input: ModelInput, what: string): string {
  const k = input.width as number;
  const example = JSON.stringify({ inputs: { [input.name]: { columns: Array.from({ length: k }, (_, i) => `column_${i + 1}`) } } });
  return (
    `${what}: input '${input.name}' is [N,${k}], and nothing names its ${k} columns. Name them, in the order the model was trained on, ` +
    `in the sidecar beside the model (${example}) or by an MLflow column-based signature with ${k} columns (mlflow.models.infer_signature on the training DataFrame)`
  );
}

function shapeOf(input: ModelInput): string {
  return input.rank === 1 ? '[N]' : `[N,${input.width ?? '?'}]`;
}
