import * as z from 'zod';
import { InvalidRideError, MissingInputError } from '../serving/errors';
import type { InputBatch, InputColumn } from './input-batch';
import type { RequestField } from './model-input';

/** The zod schema of one request field: its kind and range; a nullable one may also be null or absent. */
export function fieldSchema(field: RequestField): z.ZodType<string | number | null | undefined> {
  if (field.kind === 'string') return z.string();
  let schema = field.kind === 'integer' ? z.number().int() : z.number();
  if (field.min !== undefined) schema = schema.min(field.min);
  if (field.max !== undefined) schema = schema.max(field.max);
  return field.nullable ? schema.nullable().optional() : schema;
}

/**
 * The zod schema of one ride as the given fields define it. Unknown extra fields are tolerated
 * and dropped (the course's clients send more than the models read).
 */
export function rideSchema(fields: readonly RequestField[]): z.ZodObject {
  return z.object(Object.fromEntries(fields.map((f) => [f.name, fieldSchema(f)])));
}

/** A parser for requests with the given fields, built once per field list (zod schemas are not free). */
export interface RequestParser {
  readonly fields: readonly RequestField[];
  /** A ride object or a non-empty array of them → one columnar batch; InvalidRideError naming the field otherwise. */
  parse(payload: unknown, path?: string): { batch: InputBatch; isArray: boolean };
  /** One ride → its values, or InvalidRideError (the Kinesis decoder's per-record check). */
  parseOne(value: unknown, path?: string): Record<string, string | number>;
}

/**
 * Builds the request parser for a field list. Error messages name the field (prefixed with the
 * element, `[3].trip_distance`, for arrays) and describe what was wrong, never echoing the value.
 *
 * @example
 * const parser = createRequestParser(set.fields);
 * const { batch, isArray } = parser.parse(JSON.parse(body));
 */
export function createRequestParser(fields: readonly RequestField[]): RequestParser {
  const schema = rideSchema(fields);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const nullable = fields.filter((f) => f.nullable).map((f) => f.name);
  const parseOne = (value: unknown, path = ''): Record<string, string | number> => {
    const result = schema.safeParse(value);
    if (!result.success) throw describeIssue(value, result.error.issues[0], path, fields, byName);
    const ride = result.data as Record<string, string | number | null | undefined>;
    // A missing value reaches the graph as NaN (its Imputer fills it in); JSON has no NaN, so it never arrives as one.
    for (const name of nullable) ride[name] ??= Number.NaN;
    return ride as Record<string, string | number>;
  };
  return {
    fields,
    parseOne,
    parse(payload, path = '') {
      if (Array.isArray(payload)) {
        if (payload.length === 0) throw new InvalidRideError('expected at least one ride, got an empty array');
        return {
          batch: toBatch(
            payload.map((item, i) => parseOne(item, `${path}[${i}].`)),
            fields,
          ),
          isArray: true,
        };
      }
      return { batch: toBatch([parseOne(payload, path)], fields), isArray: false };
    },
  };
}

/** Parsed rides → columns, one typed column per numeric field. */
export function toBatch(rides: readonly Record<string, string | number>[], fields: readonly RequestField[]): InputBatch {
  const n = rides.length;
  const columns: Record<string, InputColumn> = {};
  for (const field of fields) {
    if (field.kind === 'string') {
      const column = new Array<string>(n);
      for (let i = 0; i < n; i++) column[i] = (rides[i] as Record<string, string>)[field.name] as string;
      columns[field.name] = column;
    } else {
      const column = new Float64Array(n);
      for (let i = 0; i < n; i++) column[i] = (rides[i] as Record<string, number>)[field.name] as number;
      columns[field.name] = column;
    }
  }
  return { length: n, columns };
}

function describeIssue(
  value: unknown,
  issue: z.core.$ZodIssue | undefined,
  path: string,
  fields: readonly RequestField[],
  byName: ReadonlyMap<string, RequestField>,
): InvalidRideError {
  const name = issue?.path[0];
  const field = typeof name === 'string' ? byName.get(name) : undefined;
  if (!issue || !field) {
    return new InvalidRideError(`expected a ride object with ${listNames(fields)}, got ${kindOf(value)}`, path.replace(/\.$/, '') || undefined);
  }
  const at = `${path}${field.name}`;
  const got = (value as Record<string, unknown>)[field.name];
  if (got === undefined) return new MissingInputError(`${at} is required`, at);
  return new InvalidRideError(`${at} ${requirement(field, got)}`, at);
}

/** What a field wants, phrased against what was sent (its kind, never its value). */
function requirement(field: RequestField, got: unknown): string {
  if (field.kind === 'string') return `must be a string, got ${kindOf(got)}`;
  if (typeof got !== 'number') return `must be a number${field.nullable ? ' or null' : ''}, got ${kindOf(got)}`;
  if (!Number.isFinite(got)) return 'must be a finite number';
  if (field.kind === 'integer' && !Number.isInteger(got)) return 'must be an integer';
  if (field.min !== undefined && got < field.min) return `must be ≥ ${field.min}`;
  if (field.max !== undefined && got > field.max) return `must be ≤ ${field.max}`;
  return 'is invalid';
}

function listNames(fields: readonly RequestField[]): string {
  const names = fields.map((f) => f.name);
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
