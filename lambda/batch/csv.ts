import { closeSync, openSync, writeSync } from 'node:fs';
import { TripFileError } from './errors';
import type { TextLines } from './text-lines';
import { outputColumnNames, type ScoredChunk, type ScoredSink } from './scored-chunk';
import { requiredColumns, resolveTaxiType, tripColumnNames, type TaxiType, type TripChunk, type TripReader } from './trip-chunk';

/**
 * TLC trip records as CSV (the format TLC published before 2022): a header row naming the
 * columns, then one trip per line. Empty cells are nulls; times are `YYYY-MM-DD HH:MM:SS`,
 * read as the wall-clock time they state. Quoted cells are understood; line breaks inside
 * quotes are not (TLC files have none).
 */
export async function openCsvTrips(text: TextLines, where: string, options: { taxiType?: TaxiType; chunkRows: number }): Promise<TripReader> {
  const { lines } = text;
  const first = await lines.next();
  if (first.done || first.value.trim() === '') throw new TripFileError('the file is empty (no header row)', where);
  const header = splitCsvLine(first.value.replace(/^\uFEFF/, '')).map((name) => name.trim());
  const taxiType = resolveTaxiType(header, where, options.taxiType);
  const names = tripColumnNames(taxiType);
  const indexes = requiredColumns(names).map((name) => header.indexOf(name));
  return {
    taxiType,
    pickupColumn: names.pickup,
    chunks: () => readCsvChunks(lines, indexes, options.chunkRows),
    close: async () => text.close(),
  };
}

async function* readCsvChunks(lines: AsyncIterableIterator<string>, indexes: number[], chunkRows: number): AsyncGenerator<TripChunk> {
  const [pickupAt, dropoffAt, puAt, doAt, distanceAt] = indexes as [number, number, number, number, number];
  let chunk = emptyColumns();
  let firstRow = 0;
  for await (const line of lines) {
    if (line === '') continue;
    const cells = splitCsvLine(line);
    chunk.pickup.push(parseCsvTime(cells[pickupAt]));
    chunk.dropoff.push(parseCsvTime(cells[dropoffAt]));
    chunk.PULocationID.push(parseCsvNumber(cells[puAt]));
    chunk.DOLocationID.push(parseCsvNumber(cells[doAt]));
    chunk.trip_distance.push(parseCsvNumber(cells[distanceAt]));
    if (chunk.pickup.length === chunkRows) {
      yield { firstRow, length: chunkRows, ...chunk };
      firstRow += chunkRows;
      chunk = emptyColumns();
    }
  }
  if (chunk.pickup.length > 0) yield { firstRow, length: chunk.pickup.length, ...chunk };
}

function emptyColumns() {
  return { pickup: [] as (number | null)[], dropoff: [] as (number | null)[], PULocationID: [] as (number | null)[], DOLocationID: [] as (number | null)[], trip_distance: [] as (number | null)[] };
}

/** Splits one CSV line; `"a,b"` is one cell and `""` inside quotes is a quote. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/** '' is null; anything else that is not a number becomes NaN, which the filter counts as invalid. */
function parseCsvNumber(cell: string | undefined): number | null {
  const text = cell?.trim() ?? '';
  return text === '' ? null : Number(text);
}

const CSV_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

/** Epoch ms of a `YYYY-MM-DD HH:MM:SS[.fff]` cell; '' is null, anything else NaN. */
export function parseCsvTime(cell: string | undefined): number | null {
  const text = cell?.trim() ?? '';
  if (text === '') return null;
  const m = CSV_TIME.exec(text);
  if (!m) return Number.NaN;
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + fraction;
}

/** `YYYY-MM-DD HH:MM:SS` (with `.fff` only when there are milliseconds), as pandas writes times. */
export function formatCsvTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  return text.endsWith('.000') ? text.slice(0, -4) : text;
}

/** Scored rows as CSV with the course's column names; numbers round-trip exactly. */
export function createCsvSink(path: string, pickupColumn: string, modelVersion: string): ScoredSink {
  const fd = openSync(path, 'w');
  writeSync(fd, `${outputColumnNames(pickupColumn).join(',')}\n`);
  return {
    async write(chunk: ScoredChunk) {
      const lines = new Array<string>(chunk.length);
      for (let i = 0; i < chunk.length; i++) {
        lines[i] = `${chunk.rideId[i]},${formatCsvTime(chunk.pickup[i] as number)},${chunk.PULocationID[i]},${chunk.DOLocationID[i]},${chunk.actualDuration[i]},${chunk.predictedDuration[i]},${chunk.diff[i]},${modelVersion}\n`;
      }
      writeSync(fd, lines.join(''));
    },
    async finish() {
      closeSync(fd);
    },
    abort() {
      closeSync(fd);
    },
  };
}
