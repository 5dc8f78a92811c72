import { UnsupportedModelError } from '../serving/errors';

/** Element types the core can feed an ONNX input with. */
export const ELEMENT_TYPES = ['string', 'float32', 'float64', 'int32', 'int64'] as const;
export type ElementType = (typeof ELEMENT_TYPES)[number];

/**
 * One ONNX input as the session declares it: `[N]`, `[N,1]` or `[N,k]` of one element type.
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
 * `min`/`max` come from sidecars (and the zone rule of the built-in PU_DO feature).
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

/**
 * The course's engineered feature: an input named PU_DO is `"<PULocationID>_<DOLocationID>"`,
 * made from two zone-id fields, so clients keep sending the zones.
 */
export const PU_DO = 'PU_DO';
export const ZONE_FIELDS = ['PULocationID', 'DOLocationID'] as const;
const ZONE_FIELD: Omit<RequestField, 'name'> = { kind: 'integer', min: 1, max: 2 ** 31 - 1, description: 'TLC taxi zone id' };

/**
 * The course's trip distance: miles, never negative, whatever model reads it. Built in (like
 * PU_DO) so a model deployed without its sidecar still refuses `trip_distance: -1`.
 */
const COURSE_FIELD_RULES: Readonly<Record<string, Pick<RequestField, 'min' | 'unit'>>> = { trip_distance: { min: 0, unit: 'miles' } };

const INT32_RANGE = { min: -(2 ** 31), max: 2 ** 31 - 1 };
// JSON numbers beyond 2^53 are not exact integers any more: an int64 field takes the safe range.
const INT64_RANGE = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/**
 * The request fields one ONNX input needs: two for PU_DO, one per column of a named `[N,k]`
 * input, else one of the input's name.
 */
export function fieldsForInput(input: ModelInput): RequestField[] {
  if (input.name === PU_DO) {
    if (input.type !== 'string') throw new UnsupportedModelError(`model input 'PU_DO' must be a string tensor, not ${input.type}`);
    return ZONE_FIELDS.map((name) => ({ name, ...ZONE_FIELD }));
  }
  return (input.columns ?? [input.name]).map((name) => fieldOfType(name, input.type));
}

/** A request field feeding an input of `type`: its kind and the range that type can hold. */
function fieldOfType(name: string, type: ElementType): RequestField {
  switch (type) {
    case 'string':
      return { name, kind: 'string' };
    case 'float32':
    case 'float64':
      return { name, kind: 'number', ...COURSE_FIELD_RULES[name] };
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
