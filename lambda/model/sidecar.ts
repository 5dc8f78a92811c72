import * as z from 'zod';
import { MAX_EXAMPLES, ModelExampleSchema } from './examples';

/** A constraint or description for one input (keyed by ONNX input or request field name). */
export const InputNoteSchema = z.union([
  // The legacy form, e.g. "float [N,1]": a description only.
  z.string(),
  z.strictObject({
    type: z.string().optional(),
    description: z.string().optional(),
    unit: z.string().optional(),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    /** a `[N,k]` input's k request fields, in column order (e.g. skl2onnx's `float_input`) */
    columns: z
      .array(z.string().trim().min(1))
      .min(1)
      .refine((names) => new Set(names).size === names.length, 'column names must be distinct')
      .optional(),
    /** a missing or null value is fed as NaN (for a model with an Imputer); float inputs only */
    nullable: z.boolean().optional(),
  }),
]);

/**
 * `model.json` beside `model.onnx` (`name.json` beside `name.onnx`): what the ONNX file cannot
 * say. Unknown top-level keys are kept and ignored, so training may add more.
 *
 * @example
 * { "model_version": "54c7ff65d8e2", "unit": "minutes", "metrics": { "validation_rmse": 6.9 },
 *   "inputs": { "PU_DO": "string [N,1]", "trip_distance": { "type": "float [N,1]", "min": 0, "unit": "miles" } } }
 * @example
 * // skl2onnx's one [None, 3] input, its columns named; a missing distance is the Imputer's to fill
 * { "inputs": { "float_input": { "columns": ["PULocationID", "DOLocationID", "trip_distance"] },
 *               "trip_distance": { "min": 0, "nullable": true } } }
 */
export const ModelSidecarSchema = z.looseObject({
  model_version: z.string().trim().min(1).optional(),
  description: z.string().optional(),
  /** the output's unit, e.g. minutes, USD */
  unit: z.string().optional(),
  /** the trip-file column this model predicts (batch writes actual_<name> and diff_<name>) */
  target: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  train_rmse: z.number().optional(),
  validation_rmse: z.number().optional(),
  train_rows: z.number().optional(),
  validation_rows: z.number().optional(),
  inputs: z.record(z.string(), InputNoteSchema).optional(),
  output: z.record(z.string(), z.unknown()).optional(),
  // Examples (issue 25): checked at load, before a hot swap and by the PreTraffic hook (lambda/repository/examples-check.ts).
  /** inputs with the output the training framework gave for them */
  examples: z.array(ModelExampleSchema).min(1).max(MAX_EXAMPLES).optional(),
  /** an MLflow directory's expected outputs for the rows of its serving_input_example.json, in row order */
  example_outputs: z.array(z.number().finite()).min(1).max(MAX_EXAMPLES).optional(),
  /** relative tolerance of the example check (default 1e-4) */
  examples_tolerance: z.number().positive().max(1).optional(),
});

export type ModelSidecar = z.infer<typeof ModelSidecarSchema>;
export type InputNote = z.infer<typeof InputNoteSchema>;

/** Parses sidecar JSON text; the error names the first bad key. */
export function parseSidecar(text: string, where: string): ModelSidecar {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not valid JSON`);
  }
  const parsed = ModelSidecarSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`${where}: ${issue?.path.join('.') || 'the file'}: ${issue?.message}`);
}

/** The sidecar's metrics: `metrics` plus the legacy top-level RMSE and row counts. */
export function sidecarMetrics(sidecar: ModelSidecar): Record<string, number> {
  const legacy = {
    train_rmse: sidecar.train_rmse,
    validation_rmse: sidecar.validation_rmse,
    train_rows: sidecar.train_rows,
    validation_rows: sidecar.validation_rows,
  };
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(legacy)) if (value !== undefined) metrics[key] = value;
  return { ...metrics, ...sidecar.metrics };
}
