/** The loaded models as data: inputs, request schema, versions, one columnar predict path. */
export { ELEMENT_TYPES, PU_DO, ZONE_FIELDS, acceptsNumber, fieldsForInput, type ElementType, type FieldKind, type ModelInput, type RequestField } from './model-input';
export { sliceBatch, valueAt, type InputBatch, type InputColumn } from './input-batch';
export { OnnxModel, SESSION_OPTIONS } from './runtimes/onnx/onnx-model';
export { Coalescer, type SegmentRunner } from './coalescer';
export { createServedModel, MODEL_NAME_PATTERN, type ModelInfo, type ServedModel, type ServedModelSpec, type SignatureColumn } from './served-model';
export { createModelSet, PRIMARY_MODEL, type ModelSet, type ModelSetOptions } from './model-set';
export { createRequestParser, fieldSchema, rideSchema, toBatch, type RequestParser } from './request-schema';
export { ModelSidecarSchema, parseSidecar, sidecarMetrics, type ModelSidecar } from './sidecar';
export type { ModelRunEvent, ModelRunObserver, PredictionEvent, PredictionObserver, PredictionSource, SetPrediction } from './observers';
