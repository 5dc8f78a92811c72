import * as z from 'zod';

/**
 * The Open Inference Protocol v2 (REST) as data models, after the specification
 * (kserve/open-inference-protocol, specification/protocol/inference_rest.md and
 * open_inference_rest.yaml; KServe's v2_datamodels.py is the same idea). Requests are parsed
 * with these at the edge; replies are typed by them, and /openapi.json documents them.
 * Unknown keys are dropped, as KServe's models do.
 */

/** Every tensor datatype the specification names. */
export const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type Datatype = (typeof DATATYPES)[number];

/** `$parameters`: name → string, number or boolean; servers may define their own (MLServer's `content_type`). */
export const Parameters = z.record(z.string(), z.unknown()).describe('zero or more name/value parameters');

/** A tensor's elements, row-major, flat or nested (`[[1], [2]]` for a `[2, 1]` tensor). */
export const TensorData = z.array(z.unknown()).describe('the tensor elements in row-major order, flat or nested');

/** A dimension: an integer representable as an unsigned 64-bit integer (`-1` only in metadata, for a variable size). */
const Shape = z.array(z.number().int().min(0)).describe('the tensor shape: [n] or [n, 1] for a column of n rows');

export const RequestInput = z.object({
  name: z.string().describe('a request field of the model (one input per column: PULocationID, DOLocationID, trip_distance, …)'),
  shape: Shape,
  datatype: z.string().describe('INT64, INT32, FP32, FP64 (or another integer type) for numbers, BYTES for strings'),
  parameters: Parameters.optional(),
  data: TensorData,
});
export type RequestInput = z.infer<typeof RequestInput>;

export const RequestOutput = z.object({ name: z.string().describe("an output of the model: its name (e.g. 'duration')"), parameters: Parameters.optional() });

/** `$inference_request`. */
export const InferenceRequest = z.object({
  id: z.string().optional().describe('an identifier for this request, returned in the response'),
  parameters: Parameters.optional().describe('request parameters; MLServer\'s `{"content_type": "pd"}` (one input per column) is accepted'),
  inputs: z.array(RequestInput).min(1),
  outputs: z.array(RequestOutput).optional(),
});
export type InferenceRequest = z.infer<typeof InferenceRequest>;

export const ResponseOutput = z.object({
  name: z.string(),
  shape: z.array(z.number().int()),
  datatype: z.string(),
  parameters: Parameters.optional(),
  data: z.array(z.number()),
});
export type ResponseOutput = z.infer<typeof ResponseOutput>;

/** `$inference_response`. */
export const InferenceResponse = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string().optional().describe("the request's id, when it gave one"),
  parameters: Parameters.optional(),
  outputs: z.array(ResponseOutput),
});
export type InferenceResponse = z.infer<typeof InferenceResponse>;

/** `$metadata_tensor`: `-1` marks the variable (rows) dimension. */
export const MetadataTensor = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number().int()) });
export type MetadataTensor = z.infer<typeof MetadataTensor>;

/** `$metadata_model_response`. */
export const MetadataModelResponse = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(MetadataTensor),
  outputs: z.array(MetadataTensor),
});
export type MetadataModelResponse = z.infer<typeof MetadataModelResponse>;

/** `$metadata_server_response`. */
export const MetadataServerResponse = z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) });
export type MetadataServerResponse = z.infer<typeof MetadataServerResponse>;

/** `$ready_model_response`. */
export const ReadyModelResponse = z.object({ name: z.string(), ready: z.boolean() });

/** The server ready and live replies (the specification's objects; clients go by the status code). */
export const ReadyServerResponse = z.object({ ready: z.boolean() });
export const LiveServerResponse = z.object({ live: z.boolean() });

/**
 * `$inference_error_response` and the metadata error objects: `{"error": …}`. The specification's
 * schemas allow more properties, so the reply also carries the service's stable `code`.
 */
export const ErrorResponse = z.object({
  error: z.string().describe('what went wrong, naming the input and element; never the value sent'),
  code: z.string().optional().describe('stable error code (the same table as /predict): INVALID_REQUEST, INVALID_RIDE, MISSING_INPUT, UNKNOWN_MODEL, …'),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;
