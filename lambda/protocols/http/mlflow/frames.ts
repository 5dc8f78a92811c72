import type { InputBatch } from '../../../model/input-batch';
import type { RequestField } from '../../../model/model-input';
import { RequestRefusedError, checkRowCount } from '../request-refused';
import { decodeColumns } from '../table-columns';
import type { CsvTable } from './csv';
import { INPUT_FORMATS, type InputFormat } from './datamodels';

/** A data frame as columns: each column's values (JSON values, or CSV cells read per field) and the row count. */
interface Frame {
  readonly rows: number;
  column(name: string): readonly unknown[] | undefined;
}

const FORMATS = Object.keys(INPUT_FORMATS) as InputFormat[];

/** MLflow's own wording, so a client's message reads as it would against `mlflow models serve`. */
const REQUIRED_INPUT_FORMAT = `The input must be a JSON dictionary with exactly one of the input fields {${FORMATS.join(', ')}}`;

/**
 * A JSON scoring request → the batch of `fields`: exactly one of `dataframe_split` (pandas'
 * `to_dict(orient="split")`), `dataframe_records` (`orient="records"`), `inputs` (columns, or
 * records) or `instances` (records, or columns); `params` and any other key are ignored, as MLflow
 * ignores them. Columns the models do not read are ignored; values are validated as `/predict`
 * validates rides. Refused with 400 otherwise (a list, no format or two, rows of unequal length).
 */
export function decodeJsonFrame(payload: unknown, fields: readonly RequestField[], maxRows: number): InputBatch {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw invalid(`${REQUIRED_INPUT_FORMAT}. Received ${Array.isArray(payload) ? 'a list' : `a ${payload === null ? 'null' : typeof payload}`}`);
  }
  const present = FORMATS.filter((format) => format in payload);
  if (present.length !== 1)
    throw invalid(`${REQUIRED_INPUT_FORMAT}. Received a dictionary with input fields: ${present.length === 0 ? 'none of them' : present.join(', ')}`);
  const format = present[0] as InputFormat;
  const parsed = INPUT_FORMATS[format].safeParse((payload as Record<string, unknown>)[format]);
  if (!parsed.success) throw invalid(`${format}: ${describeIssue(parsed.error.issues[0])}`);
  return toBatch(frameOf(format, parsed.data), fields, maxRows);
}

/**
 * A CSV frame (header row, then rows) → the batch of `fields`. Cells of numeric fields are read
 * as decimal numbers; an empty cell (pandas writes NaN so) or `NaN` is a missing value. pandas'
 * unnamed index column, like any column no model reads, is ignored.
 */
export function decodeCsvFrame(table: CsvTable, fields: readonly RequestField[], maxRows: number): InputBatch {
  const index = new Map(table.header.map((name, i) => [name, i]));
  const kinds = new Map(fields.map((field) => [field.name, field.kind]));
  return toBatch(
    {
      rows: table.rows.length,
      column: (name) => {
        const at = index.get(name);
        if (at === undefined) return undefined;
        return kinds.get(name) === 'string' ? table.rows.map((row) => row[at]) : table.rows.map((row) => csvNumber(row[at] as string));
      },
    },
    fields,
    maxRows,
  );
}

/** A decimal number, `undefined` for a missing value, or the text itself (then refused as "not a number"). */
function csvNumber(cell: string): number | string | undefined {
  const text = cell.trim();
  if (text === '' || /^(nan|NaN|NA|null)$/.test(text)) return undefined;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : cell;
}

function frameOf(format: InputFormat, data: unknown): Frame {
  if (format === 'dataframe_split') return splitFrame(data as { columns: string[]; data: unknown[][] });
  return Array.isArray(data) ? recordsFrame(data as Record<string, unknown>[]) : columnsFrame(format, data as Record<string, unknown[]>);
}

function recordsFrame(records: readonly Record<string, unknown>[]): Frame {
  return {
    rows: records.length,
    // A record without the key is a missing value in that row (`undefined`), as in a frame.
    column: (name) => (records.some((record) => name in record) ? records.map((record) => record[name]) : undefined),
  };
}

function columnsFrame(format: InputFormat, columns: Readonly<Record<string, unknown[]>>): Frame {
  const lengths = new Set(Object.values(columns).map((values) => values.length));
  if (lengths.size > 1) throw invalid(`${format}: the columns have different lengths (${[...lengths].join(', ')}); each holds one value per row`);
  return { rows: [...lengths][0] ?? 0, column: (name) => (Object.hasOwn(columns, name) ? columns[name] : undefined) };
}

function splitFrame(split: { columns: string[]; data: unknown[][] }): Frame {
  const index = new Map(split.columns.map((name, i) => [name, i]));
  split.data.forEach((row, i) => {
    if (row.length !== split.columns.length) throw invalid(`dataframe_split: data[${i}] has ${row.length} values; columns names ${split.columns.length}`);
  });
  return { rows: split.data.length, column: (name) => (index.has(name) ? split.data.map((row) => row[index.get(name) as number]) : undefined) };
}

function toBatch(frame: Frame, fields: readonly RequestField[], maxRows: number): InputBatch {
  if (frame.rows === 0) throw invalid('the frame holds no rows');
  checkRowCount(frame.rows, maxRows);
  return decodeColumns(
    fields,
    frame.rows,
    (name) => frame.column(name),
    (name, row) => (row === undefined ? `column '${name}'` : `column '${name}' row ${row}`),
  );
}

function describeIssue(issue: { path: readonly PropertyKey[]; message: string } | undefined): string {
  const where = (issue?.path ?? []).map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
  return `${where ? `${where.replace(/^\./, '')}: ` : ''}${issue?.message ?? 'invalid'}`;
}

function invalid(message: string): RequestRefusedError {
  return new RequestRefusedError('INVALID_REQUEST', message);
}
