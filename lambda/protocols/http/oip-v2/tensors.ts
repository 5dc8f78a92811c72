import type { InputBatch } from '../../../model/input-batch';
import { fieldsForInput, NO_PREPROCESSING, type ElementType, type ModelInput, type RequestField } from '../../../model/model-input';
import type { ModelOutput } from '../../../model/model';
import type { ServedModel } from '../../../model/served-model';
import { RequestRefusedError, checkRowCount } from '../request-refused';
import { decodeColumns } from '../table-columns';
import { DATATYPES, type Datatype, type InferenceRequest, type MetadataTensor, type RequestInput } from './datamodels';

/** OIP datatype of a model element type. */
const DATATYPE_OF: Readonly<Record<ElementType, Datatype>> = { string: 'BYTES', float32: 'FP32', float64: 'FP64', int32: 'INT32', int64: 'INT64' };

/** Datatypes a numeric field takes: every integer and floating type but FP16 (JSON has no fp16 representation). */
const NUMERIC: ReadonlySet<string> = new Set(['UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP32', 'FP64']);
const INTEGRAL: ReadonlySet<string> = new Set(['UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64']);

/** What an infer request may name as inputs, per model (built once per loaded model). */
interface InputPlan {
  /** the request fields: one input per column */
  readonly fields: readonly RequestField[];
  /**
   * Model inputs a preprocessing step derives from other fields (the course's PU_DO from the two
   * zones): a client may send them instead, as the model takes them; `replaces` are the fields
   * then not needed.
   */
  readonly derived: readonly RequestField[];
  readonly replaces: ReadonlySet<string>;
}

const plans = new WeakMap<ServedModel, InputPlan>();

function planOf(model: ServedModel): InputPlan {
  let plan = plans.get(model);
  if (!plan) {
    const fieldNames = new Set(model.fields.map((field) => field.name));
    const derivedInputs = model.inputs.filter((input) => !input.columns && !fieldNames.has(input.name));
    const fed = new Set(model.inputs.flatMap((input) => input.columns ?? [input.name]));
    plan = {
      fields: model.fields,
      derived: derivedInputs.flatMap((input) => fieldsForInput(input, NO_PREPROCESSING)),
      replaces: new Set(model.fields.filter((field) => !fed.has(field.name)).map((field) => field.name)),
    };
    plans.set(model, plan);
  }
  return plan;
}

/**
 * The model's inputs as OIP metadata: one tensor per request field (`[-1]`: one value per row),
 * typed as the graph takes it (a field that is an ONNX input, or a column of one, has that
 * input's type; a field a preprocessing step reads, like the zones, its kind's widest type).
 */
export function inputMetadata(model: ServedModel): MetadataTensor[] {
  return model.fields.map((field) => ({ name: field.name, datatype: fieldDatatype(field, model.inputs), shape: [-1] }));
}

/** The model's prediction as OIP metadata: named after the model, typed as its first output. */
export function outputMetadata(model: ServedModel): MetadataTensor[] {
  return [{ name: model.name, datatype: outputDatatype(model.outputs[0]), shape: [-1] }];
}

/** The datatype the prediction is reported as: the graph's first output's (FP32 for the shipped models). */
export function outputDatatype(output: ModelOutput | undefined): Datatype {
  return output ? DATATYPE_OF[output.type] : 'FP64';
}

function fieldDatatype(field: RequestField, inputs: readonly ModelInput[]): Datatype {
  const input = inputs.find((candidate) => (candidate.columns ?? [candidate.name]).includes(field.name));
  if (input) return DATATYPE_OF[input.type];
  return field.kind === 'string' ? 'BYTES' : field.kind === 'integer' ? 'INT64' : 'FP64';
}

/**
 * An infer request's input tensors → the columnar batch of the model's fields. Each input is one
 * column (`[n]` or `[n, 1]`, data flat or nested row-major), named after a request field (or, for
 * a derived model input such as PU_DO, after the input itself), every input of the same n. The
 * values are then validated as `/predict` validates rides (table-columns.ts). More than `maxRows`
 * rows is a 413 (MAX_RIDES_PER_REQUEST). Refused with 400:
 * an unknown or repeated input, a datatype that cannot hold the field, a shape that is not one
 * column, data whose length or nesting disagrees with the shape.
 */
export function decodeInputs(request: InferenceRequest, model: ServedModel, maxRows: number): InputBatch {
  checkContentType(request.parameters);
  const plan = planOf(model);
  const byName = new Map<string, RequestInput>();
  for (const input of request.inputs) {
    if (byName.has(input.name)) throw invalid(`input '${input.name}' is given twice`);
    byName.set(input.name, input);
  }
  const sendsDerived = plan.derived.some((field) => byName.has(field.name));
  const fields = sendsDerived ? [...plan.fields.filter((field) => !plan.replaces.has(field.name)), ...plan.derived] : plan.fields;
  const known = new Set(fields.map((field) => field.name));
  for (const name of byName.keys()) {
    if (!known.has(name)) throw invalid(`model '${model.name}' has no input '${name}'; its inputs are ${[...known].join(', ')} (one per column)`);
  }
  const columns = new Map<string, unknown[]>();
  let rows: number | undefined;
  for (const field of fields) {
    const input = byName.get(field.name);
    if (!input) continue;
    const values = columnOf(input, field);
    if (rows !== undefined && values.length !== rows)
      throw invalid(
        `input '${input.name}' has ${values.length} rows but input '${[...columns.keys()][0]}' has ${rows}; every input is one column of the same rows`,
      );
    rows = values.length;
    columns.set(field.name, values);
  }
  if (rows === undefined || rows === 0) throw invalid('the inputs hold no rows');
  checkRowCount(rows, maxRows);
  return decodeColumns(
    fields,
    rows,
    (name) => columns.get(name),
    (name, row) => (row === undefined ? `input '${name}'` : `input '${name}' element ${row}`),
  );
}

/** MLServer's request-level content type: `pd` (a data frame, one input per column) is what this server takes anyway. */
function checkContentType(parameters: Record<string, unknown> | undefined): void {
  const contentType = parameters?.content_type;
  if (contentType !== undefined && contentType !== 'pd') {
    throw invalid(`parameters.content_type '${String(contentType)}' is not supported; send one input per column (content_type 'pd')`);
  }
}

/** One input tensor's elements as a column: its datatype checked against the field, its shape against its data. */
function columnOf(input: RequestInput, field: RequestField): unknown[] {
  const datatype = input.datatype;
  if (!(DATATYPES as readonly string[]).includes(datatype))
    throw invalid(`input '${input.name}' has datatype '${datatype}', which is not an OIP datatype (${DATATYPES.join(', ')})`);
  const wants = field.kind === 'string' ? 'BYTES' : 'a numeric datatype (INT64, INT32, FP32, FP64, …)';
  if (field.kind === 'string' ? datatype !== 'BYTES' : !NUMERIC.has(datatype)) throw invalid(`input '${input.name}' is ${datatype}; it takes ${wants}`);
  const { shape } = input;
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw invalid(`input '${input.name}' has shape [${shape.join(', ')}]; each input is one column: [n] or [n, 1]`);
  }
  const rows = shape[0] as number;
  const values = flatten(input, shape);
  if (values.length !== rows) throw invalid(`input '${input.name}' has shape [${shape.join(', ')}] but ${values.length} data elements`);
  if (INTEGRAL.has(datatype)) {
    const row = values.findIndex((value) => typeof value === 'number' && !Number.isInteger(value));
    if (row >= 0) throw invalid(`input '${input.name}' is ${datatype} but element ${row} is not an integer`);
  }
  return values;
}

/** Flat data as sent, or `[n, 1]` data nested one level (`[[v], [v]]`); any other nesting disagrees with the shape. */
function flatten(input: RequestInput, shape: readonly number[]): unknown[] {
  const { data } = input;
  if (!data.some(Array.isArray)) return data;
  const nestedAsShape = shape.length === 2 && data.every((row) => Array.isArray(row) && row.length === shape[1] && !row.some(Array.isArray));
  if (!nestedAsShape) throw invalid(`input '${input.name}' has data nested differently from its shape [${shape.join(', ')}]`);
  return (data as unknown[][]).flat();
}

function invalid(message: string): RequestRefusedError {
  return new RequestRefusedError('INVALID_REQUEST', message);
}
