import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import type { FieldKind } from '../model/model-input';
import type { SignatureColumn } from '../model/served-model';

/** What the runtime needs from an MLflow `MLmodel` file. */
export interface MLmodel {
  /** the ONNX file, relative to the model directory (`flavors.onnx.data`) */
  readonly modelFile: string;
  readonly runId?: string;
  readonly signature?: readonly SignatureColumn[];
  /** MLflow's serving input example (`saved_input_example_info.serving_input_path`), relative to the directory */
  readonly servingInputPath?: string;
}

const MLmodelSchema = z.looseObject({
  run_id: z.string().min(1).optional(),
  flavors: z.looseObject({}).optional(),
  signature: z.looseObject({ inputs: z.string().optional(), outputs: z.string().optional() }).optional(),
  saved_input_example_info: z.looseObject({ serving_input_path: z.string().min(1).optional() }).optional(),
});
const OnnxFlavor = z.looseObject({ data: z.string().min(1) });

/** A column-based (`{"name","type"}`) or tensor-based (`{"name","type":"tensor","tensor-spec":{"dtype"}}`) input. */
const SignatureInput = z.looseObject({ name: z.string().min(1), type: z.string(), 'tensor-spec': z.looseObject({ dtype: z.string() }).optional() });

const COLUMN_KINDS: Readonly<Record<string, FieldKind>> = { string: 'string', float: 'number', double: 'number', integer: 'integer', long: 'integer' };
const TENSOR_KINDS: Readonly<Record<string, FieldKind>> = {
  str: 'string',
  object: 'string',
  float32: 'number',
  float64: 'number',
  float16: 'number',
  int32: 'integer',
  int64: 'integer',
};

/**
 * Parses an `MLmodel` file as `mlflow.onnx.log_model` writes it: the onnx flavor's `data` names
 * the model file; `run_id`; an optional `signature` whose `inputs` is a JSON string.
 *
 * @example parseMLmodel('flavors:\n  onnx:\n    data: model.onnx\nrun_id: abc\n', 's3://b/1/abc/artifacts/model/MLmodel')
 */
export function parseMLmodel(text: string, where: string): MLmodel {
  checkNesting(text, where);
  let yaml: unknown;
  try {
    yaml = parseYaml(text);
  } catch (cause) {
    throw new Error(`${where} is not valid YAML: ${(cause as Error).message}`, { cause });
  }
  const parsed = MLmodelSchema.safeParse(yaml);
  if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues[0]?.path.join('.') || 'the file'}: ${parsed.error.issues[0]?.message}`);
  const flavors = parsed.data.flavors ?? {};
  const onnx = OnnxFlavor.safeParse(flavors.onnx);
  if (!onnx.success) {
    const present = Object.keys(flavors);
    throw new Error(`${where} has no onnx flavor with a data file (flavors.onnx.data); flavors present: ${present.length > 0 ? present.join(', ') : 'none'}`);
  }
  const modelFile = onnx.data.data;
  if (modelFile.startsWith('/') || modelFile.split('/').includes('..'))
    throw new Error(`${where}: flavors.onnx.data must be a path inside the model directory`);
  const inputs = parsed.data.signature?.inputs;
  const servingInputPath = parsed.data.saved_input_example_info?.serving_input_path;
  if (servingInputPath !== undefined && (servingInputPath.startsWith('/') || servingInputPath.split('/').includes('..'))) {
    throw new Error(`${where}: saved_input_example_info.serving_input_path must be a path inside the model directory`);
  }
  return {
    modelFile,
    ...(parsed.data.run_id === undefined ? {} : { runId: parsed.data.run_id }),
    ...(inputs === undefined ? {} : { signature: parseSignatureInputs(inputs, where) }),
    ...(servingInputPath === undefined ? {} : { servingInputPath }),
  };
}

/** How deep an MLmodel may nest: mlflow writes 4 levels; the YAML parser recurses once per level. */
const MAX_NESTING = 32;
/** The widest indentation an MLmodel may have (block nesting costs the parser what flow nesting does). */
const MAX_INDENT = 128;

/**
 * Refuses text nested deeper than any MLmodel is, before the YAML parser sees it: the parser
 * recurses per level, so 1,000 `[` took ~70 ms and 200,000 took ~2 s of blocked event loop, only
 * to overflow the stack. Counts brackets wherever they are (quoted JSON in `signature` included,
 * a few levels) and the indentation of each line.
 */
function checkNesting(text: string, where: string): void {
  let depth = 0;
  let indent = 0;
  let atLineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      atLineStart = true;
      indent = 0;
      continue;
    }
    if (atLineStart && (c === 32 || c === 9)) {
      if (++indent > MAX_INDENT) throw new Error(`${where} is indented deeper than ${MAX_INDENT} columns; an MLmodel file is a few levels deep`);
      continue;
    }
    atLineStart = false;
    if (c === 91 || c === 123) {
      if (++depth > MAX_NESTING) throw new Error(`${where} nests deeper than ${MAX_NESTING} levels; an MLmodel file is a few levels deep`);
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
}

function parseSignatureInputs(json: string, where: string): SignatureColumn[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error(`${where}: signature.inputs is not a JSON string`);
  }
  const parsed = z.array(SignatureInput).safeParse(value);
  if (!parsed.success) throw new Error(`${where}: signature.inputs must be a list of named inputs (column- or tensor-based)`);
  return parsed.data.map((input) => {
    const tensor = input.type === 'tensor';
    const type = tensor ? (input['tensor-spec']?.dtype ?? '') : input.type;
    const kind = tensor ? TENSOR_KINDS[type] : COLUMN_KINDS[type];
    if (kind === undefined) throw new Error(`${where}: signature input '${input.name}' has type ${type}, which the service cannot feed`);
    return { name: input.name, kind, type, tensor };
  });
}
