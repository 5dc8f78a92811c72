import type { InputBatch, InputColumn } from '../../model/input-batch';
import type { RequestField } from '../../model/model-input';
import { InvalidRideError, MissingInputError } from '../../serving/errors';

/**
 * How a protocol names a place in its request, for error messages: OIP v2 says `input
 * 'trip_distance' element 3`, MLflow `column 'trip_distance' row 3`. `row` is absent for the
 * column as a whole.
 */
export type DescribePlace = (field: string, row?: number) => string;

/**
 * A table a protocol decoded (OIP v2's input tensors, an MLflow data frame, CSV) → the columnar
 * batch every model run takes, validated exactly as `/predict` validates a ride: each value of
 * the field's kind (text, a finite number, an integer), within its range; a nullable field may be
 * `null` or absent (fed as NaN, for the model's Imputer). `column(name)` is the values sent for a
 * field (JSON values: numbers, strings, null, undefined where a record lacks the key), or
 * undefined when the table has no such column. Errors name the field and the row, never the value.
 *
 * @example
 * decodeColumns(set.fieldsOf(['duration']), 2, (name) => frame[name], (f, row) => `column '${f}' row ${row}`)
 */
export function decodeColumns(
  fields: readonly RequestField[],
  rows: number,
  column: (name: string) => readonly unknown[] | undefined,
  place: DescribePlace,
): InputBatch {
  const columns: Record<string, InputColumn> = {};
  for (const field of fields) {
    const values = column(field.name);
    if (values === undefined) {
      if (!field.nullable) throw new MissingInputError(`${place(field.name)} is required`, field.name);
      columns[field.name] = new Float64Array(rows).fill(Number.NaN);
    } else if (field.kind === 'string') {
      columns[field.name] = textColumn(field, values, place);
    } else {
      columns[field.name] = numberColumn(field, values, place);
    }
  }
  return { length: rows, columns };
}

function textColumn(field: RequestField, values: readonly unknown[], place: DescribePlace): string[] {
  const column = new Array<string>(values.length);
  for (let row = 0; row < values.length; row++) {
    const value = values[row];
    if (typeof value !== 'string') throw valueError(field, value, place(field.name, row), 'must be a string');
    column[row] = value;
  }
  return column;
}

function numberColumn(field: RequestField, values: readonly unknown[], place: DescribePlace): Float64Array {
  const column = new Float64Array(values.length);
  for (let row = 0; row < values.length; row++) {
    const value = values[row];
    if ((value === null || value === undefined) && field.nullable) {
      column[row] = Number.NaN;
      continue;
    }
    const problem = numberProblem(field, value);
    if (problem) throw valueError(field, value, place(field.name, row), problem);
    column[row] = value as number;
  }
  return column;
}

/** What is wrong with `value` for a numeric field, phrased as `/predict` phrases it; undefined when nothing is. */
function numberProblem(field: RequestField, value: unknown): string | undefined {
  if (typeof value !== 'number') return `must be a number${field.nullable ? ' or null' : ''}`;
  if (!Number.isFinite(value)) return 'must be a finite number';
  if (field.kind === 'integer' && !Number.isInteger(value)) return 'must be an integer';
  if (field.min !== undefined && value < field.min) return `must be ≥ ${field.min}`;
  if (field.max !== undefined && value > field.max) return `must be ≤ ${field.max}`;
  return undefined;
}

function valueError(field: RequestField, value: unknown, at: string, problem: string): InvalidRideError {
  if (value === undefined) return new MissingInputError(`${at} is required`, field.name);
  // A value of the wrong type is named by its kind (never by the value itself).
  const got = /^must be a (number|string)/.test(problem) ? `, got ${kindOf(value)}` : '';
  return new InvalidRideError(`${at} ${problem}${got}`, field.name);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
