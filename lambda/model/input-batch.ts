/** One request field's values for every row: numbers as a typed array, text as strings. */
export type InputColumn = Float64Array | Int32Array | readonly string[];

/**
 * Rows as columns: the one shape every model run is fed from. A JSON request is converted into
 * it once (request-schema.ts), the batch job builds it from file columns, a Kinesis batch from
 * its rides. Columns are keyed by request field name and all have `length` values.
 */
export interface InputBatch {
  readonly length: number;
  readonly columns: Readonly<Record<string, InputColumn>>;
}

/** Rows `start` to `end` (exclusive) of a batch, without copying typed columns. */
export function sliceBatch(batch: InputBatch, start: number, end: number): InputBatch {
  const columns: Record<string, InputColumn> = {};
  for (const [name, column] of Object.entries(batch.columns))
    columns[name] = ArrayBuffer.isView(column) ? column.subarray(start, end) : column.slice(start, end);
  return { length: end - start, columns };
}
