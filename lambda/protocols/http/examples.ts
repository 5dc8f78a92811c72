import type * as z from 'zod';
import type { RequestField } from '../../model/model-input';

/** One row's values, by request field. */
export type ExampleRow = Record<string, string | number>;

/**
 * Valid rows for the API reference's examples, built from the loaded models' fields (so a
 * try-it-out with them scores): an integer from its minimum up (zones 1, 2, …), a number from 1
 * (or its minimum) up by 2.5, text `example`; every value inside the field's range.
 *
 * @example exampleRows(set.fieldsOf(['duration']), 2) // [{ PULocationID: 1, DOLocationID: 1, trip_distance: 1 }, { PULocationID: 2, DOLocationID: 2, trip_distance: 3.5 }]
 */
export function exampleRows(fields: readonly RequestField[], rows: number): ExampleRow[] {
  return Array.from({ length: rows }, (_, row) => Object.fromEntries(fields.map((field) => [field.name, exampleValue(field, row)])));
}

function exampleValue(field: RequestField, row: number): string | number {
  if (field.kind === 'string') return 'example';
  const start = Math.max(field.min ?? 1, 1);
  const value = field.kind === 'integer' ? start + row : start + 2.5 * row;
  return field.max === undefined ? value : Math.min(value, field.max);
}

/** The rows as columns, field → values (OIP v2's tensors, MLflow's `inputs`). */
export function columnsOf(rows: readonly ExampleRow[]): Record<string, (string | number)[]> {
  const names = Object.keys(rows[0] ?? {});
  return Object.fromEntries(names.map((name) => [name, rows.map((row) => row[name] as string | number)]));
}

/**
 * A copy of a module-level schema (a protocol's data model) that zod-to-openapi can register:
 * zod 4 gives an instance the prototype's methods when it is built, so a schema built before
 * openapi.ts extended zod (when the codec was loaded first) lacks `.openapi`; a clone has it.
 */
export function fresh<T extends z.ZodType>(schema: T): T {
  return schema.clone() as T;
}
