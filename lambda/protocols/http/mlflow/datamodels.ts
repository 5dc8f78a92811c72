import * as z from 'zod';

/**
 * MLflow's scoring protocol (`mlflow models serve`, mlflow/pyfunc/scoring_server) as data
 * models: a JSON object with exactly one of four input formats (and an optional `params`), or a
 * CSV frame; the reply `{"predictions": [...]}`; errors `{"error_code", "message"}`.
 */

/** A data frame's rows as records, pandas' `to_dict(orient="records")`. */
export const Records = z.array(z.record(z.string(), z.unknown())).describe('one object per row, column → value');

/** A data frame's columns, pandas' `to_dict(orient="list")`. */
export const Columns = z.record(z.string(), z.array(z.unknown())).describe('column → its values, one per row');

/** pandas' `to_dict(orient="split")`: column names, then rows as arrays (an index is allowed and ignored). */
export const DataframeSplit = z.object({
  columns: z.array(z.string()),
  data: z.array(z.array(z.unknown())),
  index: z.array(z.unknown()).optional(),
});

/** The four input formats, by key. */
export const INPUT_FORMATS = {
  dataframe_split: DataframeSplit,
  dataframe_records: Records,
  /** TF-serving's columnar format, or records */
  inputs: z.union([Columns, Records]),
  /** TF-serving's row format: records, or columns */
  instances: z.union([Records, Columns]),
} as const;
export type InputFormat = keyof typeof INPUT_FORMATS;

/** The JSON request, for /openapi.json (the handler checks "exactly one format" itself, to say so). */
export const ScoringRequest = z.object({
  dataframe_split: DataframeSplit.optional(),
  dataframe_records: Records.optional(),
  inputs: INPUT_FORMATS.inputs.optional(),
  instances: INPUT_FORMATS.instances.optional(),
  params: z.record(z.string(), z.unknown()).optional().describe('accepted and ignored (the models take no parameters)'),
});

/** The reply: one prediction per row; an object per row, model → value, when several models are served. */
export const ScoringResponse = z.object({
  predictions: z.union([z.array(z.number()), z.array(z.record(z.string(), z.number()))]),
});
export type ScoringResponse = z.infer<typeof ScoringResponse>;

/** MLflow's error object (`MlflowException.serialize_as_json`), with the service's own `code` beside it. */
export const ScoringError = z.object({
  error_code: z.string().describe("MLflow's error class: BAD_REQUEST, RESOURCE_DOES_NOT_EXIST, TEMPORARILY_UNAVAILABLE, INTERNAL_ERROR"),
  message: z.string(),
  code: z.string().optional().describe("the service's stable code (the same table as /predict): INVALID_RIDE, MISSING_INPUT, INVALID_REQUEST, …"),
});
export type ScoringError = z.infer<typeof ScoringError>;
