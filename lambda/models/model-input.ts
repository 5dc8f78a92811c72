import { UnsupportedModelError } from '../core/errors';

/** Element types the core can feed an ONNX input with. */
export const ELEMENT_TYPES = ['string', 'float32', 'float64', 'int32', 'int64'] as const;
export type ElementType = (typeof ELEMENT_TYPES)[number];

/** One ONNX input as the session declares it: `[N]` or `[N,1]` of one element type. */
export interface ModelInput {
  readonly name: string;
  readonly type: ElementType;
  readonly rank: 1 | 2;
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

/** The request fields one ONNX input needs (two for PU_DO, else one of the same name). */
export function fieldsForInput(input: ModelInput): RequestField[] {
  if (input.name === PU_DO) {
    if (input.type !== 'string') throw new UnsupportedModelError(`model input 'PU_DO' must be a string tensor, not ${input.type}`);
    return ZONE_FIELDS.map((name) => ({ name, ...ZONE_FIELD }));
  }
  switch (input.type) {
    case 'string':
      return [{ name: input.name, kind: 'string' }];
    case 'float32':
    case 'float64':
      return [{ name: input.name, kind: 'number', ...COURSE_FIELD_RULES[input.name] }];
    case 'int32':
      return [{ name: input.name, kind: 'integer', ...INT32_RANGE }];
    case 'int64':
      return [{ name: input.name, kind: 'integer', ...INT64_RANGE }];
  }
}

/**
 * Merges two requirements on the same field (two models, or a model and its sidecar): the
 * stricter kind and the narrower range. A string field cannot also be a number.
 */
export function mergeFields(a: RequestField, b: RequestField, what: string): RequestField {
  if ((a.kind === 'string') !== (b.kind === 'string')) {
    throw new UnsupportedModelError(`${what}: field '${a.name}' is a ${a.kind} for one model and a ${b.kind} for another`);
  }
  const kind: FieldKind = a.kind === 'integer' || b.kind === 'integer' ? 'integer' : a.kind;
  const min = maxOf(a.min, b.min);
  const max = minOf(a.max, b.max);
  if (min !== undefined && max !== undefined && min > max) throw new UnsupportedModelError(`${what}: field '${a.name}' has no value in [${min}, ${max}]`);
  return withoutUndefined({ name: a.name, kind, min, max, description: a.description ?? b.description, unit: a.unit ?? b.unit });
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
