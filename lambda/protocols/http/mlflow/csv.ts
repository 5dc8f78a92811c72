import { RequestRefusedError } from '../request-refused';

/** A CSV body: its header row and its data rows, every row as many cells as the header. */
export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * Parses a CSV frame as pandas' `to_csv()` writes it (RFC 4180: comma-separated, `"`-quoted cells
 * with `""` for a quote, `\n` or `\r\n` line ends, a final line end optional). The first row is
 * the header. Refused with 400 naming the line: an unterminated quote, a row whose cell count
 * differs from the header's.
 *
 * @example parseCsv(',PULocationID,trip_distance\n0,10,40.0\n') // header ['', 'PULocationID', 'trip_distance'], rows [['0', '10', '40.0']]
 */
export function parseCsv(text: string): CsvTable {
  const lines = records(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const [header, ...rows] = lines;
  if (!header) throw invalid('the CSV body is empty; it needs a header row');
  rows.forEach((row, i) => {
    if (row.length !== header.length) throw invalid(`CSV line ${i + 2} has ${row.length} values; the header names ${header.length} columns`);
  });
  return { header, rows };
}

/** The body's records, each as its cells; blank lines are skipped. */
function records(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quotedCell = false;
  let line = 1;
  let at = 0;
  const endRow = () => {
    row.push(cell);
    // A line with nothing on it is skipped (as pandas skips blank lines); `""` is an empty value.
    if (!(row.length === 1 && row[0] === '' && !quotedCell)) out.push(row);
    row = [];
    cell = '';
    quotedCell = false;
  };
  while (at < text.length) {
    const char = text[at] as string;
    if (char === '"' && cell === '') {
      const close = quotedEnd(text, at + 1);
      if (close < 0) throw invalid(`CSV line ${line} opens a quote it never closes`);
      const quoted = text.slice(at + 1, close);
      line += quoted.split('\n').length - 1;
      cell = quoted.replaceAll('""', '"');
      quotedCell = true;
      at = close + 1;
    } else if (char === ',') {
      row.push(cell);
      cell = '';
      quotedCell = false;
      at++;
    } else if (char === '\n' || char === '\r') {
      endRow();
      line++;
      at += char === '\r' && text[at + 1] === '\n' ? 2 : 1;
    } else {
      cell += char;
      at++;
    }
  }
  if (cell !== '' || quotedCell || row.length > 0) endRow();
  return out;
}

/** The index of the quote closing a quoted cell that starts at `from`, skipping `""`; -1 if none. */
function quotedEnd(text: string, from: number): number {
  for (let at = from; at < text.length; at++) {
    if (text[at] !== '"') continue;
    if (text[at + 1] === '"') at++;
    else return at;
  }
  return -1;
}

function invalid(message: string): RequestRefusedError {
  return new RequestRefusedError('INVALID_REQUEST', message);
}
