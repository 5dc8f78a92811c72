import { UnsupportedModelError } from '../serving/errors';
import type { InputBatch } from './input-batch';

/** Element types the core can feed a model input with. */
export const ELEMENT_TYPES = ['string', 'float32', 'float64', 'int32', 'int64'] as const;
export type ElementType = (typeof ELEMENT_TYPES)[number];

/**
 * One model input as its runtime declares it: `[N]`, `[N,1]` or `[N,k]` of one element type.
 * An `[N,k]` input takes k request fields, one per column, named by the model's sidecar or
 * MLflow signature (input-columns.ts); every other input takes the field of its own name.
 */
export interface ModelInput {
  readonly name: string;
  readonly type: ElementType;
  readonly rank: 1 | 2;
  /** a rank-2 input's second dimension when the graph fixes it (skl2onnx's `[None, 3]` → 3) */
  readonly width?: number;
  /** the request fields feeding the columns of a rank-2 input, in order; absent: the input's own name */
  readonly columns?: readonly string[];
}

/** What a request field holds: text, any finite number, or an integer. */
export type FieldKind = 'string' | 'number' | 'integer';

/**
 * One field of a request (a JSON property, a trip-file column). Built from the models' inputs;
 * `min`/`max` come from sidecars and from the preprocessing's rules (rides/features.ts).
 */
export interface RequestField {
  readonly name: string;
  readonly kind: FieldKind;
  readonly min?: number;
  readonly max?: number;
  readonly description?: string;
  readonly unit?: string;
  /**
   * The sidecar says the model takes a missing value here (`"nullable": true`; float inputs
   * only): a missing or null value is fed to the graph as NaN, for its Imputer to fill in.
   */
  readonly nullable?: boolean;
}

const INT32_RANGE = { min: -(2 ** 31), max: 2 ** 31 - 1 };
// JSON numbers beyond 2^53 are not exact integers any more: an int64 field takes the safe range.
const INT64_RANGE = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/**
 * The request fields one input needs: those `preprocessing` derives it from (the course's PU_DO
 * from two zones), one per column of a named `[N,k]` input, else one of the input's name; each
 * with the range its element type can hold and the rules the preprocessing gives that field.
 */
export function fieldsForInput(input: ModelInput, preprocessing: Preprocessing): RequestField[] {
  return (
    preprocessing.fieldsFor(input) ?? (input.columns ?? [input.name]).map((name) => ({ ...fieldOfType(name, input.type), ...preprocessing.rulesFor(name) }))
  );
}

/** A request field feeding an input of `type`: its kind and the range that type can hold. */
function fieldOfType(name: string, type: ElementType): RequestField {
  switch (type) {
    case 'string':
      return { name, kind: 'string' };
    case 'float32':
    case 'float64':
      return { name, kind: 'number' };
    case 'int32':
      return { name, kind: 'integer', ...INT32_RANGE };
    case 'int64':
      return { name, kind: 'integer', ...INT64_RANGE };
  }
}

/** Can an input of this type take a missing value (NaN)? Only floating-point tensors can hold one. */
export function acceptsMissing(type: ElementType): boolean {
  return type === 'float32' || type === 'float64';
}

/**
 * Merges two requirements on the same field (two models, or a model and its sidecar): the
 * stricter kind and the narrower range; nullable only when both take a missing value. A string
 * field cannot also be a number.
 */
export function mergeFields(a: RequestField, b: RequestField, what: string): RequestField {
  if ((a.kind === 'string') !== (b.kind === 'string')) {
    throw new UnsupportedModelError(`${what}: field '${a.name}' is a ${a.kind} for one model and a ${b.kind} for another`);
  }
  const kind: FieldKind = a.kind === 'integer' || b.kind === 'integer' ? 'integer' : a.kind;
  const min = maxOf(a.min, b.min);
  const max = minOf(a.max, b.max);
  if (min !== undefined && max !== undefined && min > max) throw new UnsupportedModelError(`${what}: field '${a.name}' has no value in [${min}, ${max}]`);
  const nullable = a.nullable === true && b.nullable === true ? true : undefined;
  return withoutUndefined({ name: a.name, kind, min, max, description: a.description ?? b.description, unit: a.unit ?? b.unit, nullable });
}

/** The union of several field lists, first appearance order, requirements merged. */
export function unionFields(lists: readonly (readonly RequestField[])[], what: string): RequestField[] {
  const byName = new Map<string, RequestField>();
  for (const list of lists) {
    for (const field of list) {
      const seen = byName.get(field.name);
      byName.set(field.name, seen ? mergeFields(seen, field, what) : field);
    }
  }
  return [...byName.values()];
}

/** Does `value` satisfy a numeric field (kind, range)? Used where values are already numbers (batch columns). */
export function acceptsNumber(field: RequestField, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (field.kind === 'integer' && !Number.isInteger(value)) return false;
  return (field.min === undefined || value >= field.min) && (field.max === undefined || value <= field.max);
}

function maxOf(a?: number, b?: number): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

function minOf(a?: number, b?: number): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Features derived from request fields before a model runs (the course's `PU_DO` from the two
 * zones: rides/features.ts): which inputs it derives and from which fields, and the step that
 * adds the derived columns to a batch. Models never see how; runtimes never see it at all.
 */
export interface Preprocessing {
  /** the request fields an input is derived from, or undefined when it is fed from its own field(s) */
  fieldsFor(input: ModelInput): RequestField[] | undefined;
  /** what every field of this name must also satisfy, whatever model reads it (e.g. a distance ≥ 0) */
  rulesFor(field: string): Partial<Pick<RequestField, 'min' | 'max' | 'unit'>>;
  /** `batch` with the derived columns `inputs` need added (columns already there are kept) */
  apply(batch: InputBatch, inputs: readonly ModelInput[]): InputBatch;
}

/** No derived features: every input fed from the field of its own name. */
export const NO_PREPROCESSING: Preprocessing = Object.freeze({
  fieldsFor: () => undefined,
  rulesFor: () => ({}),
  apply: (batch: InputBatch) => batch,
});
