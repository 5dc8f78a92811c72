import { closeSync, openSync, writeSync } from 'node:fs';
import { TripFileError } from '../errors';
import type { TextLines } from './text-lines';
import { rideIdOf } from '../ride-ids';
import { outputColumnNames, type OutputLayout, type ScoredChunk, type ScoredSink } from '../output/scored-chunk';
import { UNREADABLE, emptyTripColumns, requiredColumns, resolveTaxiType, tripColumnNames, type TaxiType, type TripChunk, type TripReader } from './trip-chunk';

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
    columns: header,
    chunks: (extra: readonly string[] = []) =>
      readCsvChunks(
        lines,
        indexes,
        options.chunkRows,
        extra.map((name) => ({ name, at: header.indexOf(name) })),
      ),
    close: async () => text.close(),
  };
}

async function* readCsvChunks(
  lines: AsyncIterableIterator<string>,
  indexes: number[],
  chunkRows: number,
  extraAt: readonly { name: string; at: number }[],
): AsyncGenerator<TripChunk> {
  const [pickupAt, dropoffAt, puAt, doAt, distanceAt] = indexes as [number, number, number, number, number];
  // Columns grow with the rows actually read (doubling up to chunkRows): a 2,000-row file costs
  // 2,000 rows of memory whatever BATCH_CHUNK_ROWS says.
  let columns = emptyTripColumns(Math.min(chunkRows, FIRST_CAPACITY));
  let extra = emptyExtra(extraAt, columns.pickup.length);
  let n = 0;
  let firstRow = 0;
  for await (const line of lines) {
    if (line === '') continue;
    if (n === columns.pickup.length) {
      columns = grown(columns, Math.min(chunkRows, n * 2));
      extra = grownExtra(extra, columns.pickup.length);
    }
    const cells = splitCsvLine(line);
    columns.pickup[n] = timeCell(cells[pickupAt]);
    columns.dropoff[n] = timeCell(cells[dropoffAt]);
    columns.PULocationID[n] = parseCsvNumber(cells[puAt]) ?? Number.NaN;
    columns.DOLocationID[n] = parseCsvNumber(cells[doAt]) ?? Number.NaN;
    columns.trip_distance[n] = parseCsvNumber(cells[distanceAt]) ?? Number.NaN;
    for (const { name, at } of extraAt) (extra[name] as Float64Array)[n] = parseCsvNumber(cells[at]) ?? Number.NaN;
    if (++n === chunkRows) {
      yield { firstRow, length: n, ...columns, extra };
      firstRow += n;
      n = 0;
      columns = emptyTripColumns(Math.min(chunkRows, FIRST_CAPACITY));
      extra = emptyExtra(extraAt, columns.pickup.length);
    }
  }
  if (n > 0)
    yield {
      firstRow,
      length: n,
      ...sliceColumns(columns, n),
      extra: Object.fromEntries(Object.entries(extra).map(([name, column]) => [name, column.subarray(0, n)])),
    };
}

const FIRST_CAPACITY = 4096;

function grown(columns: ReturnType<typeof emptyTripColumns>, capacity: number): ReturnType<typeof emptyTripColumns> {
  const next = emptyTripColumns(capacity);
  next.pickup.set(columns.pickup);
  next.dropoff.set(columns.dropoff);
  next.PULocationID.set(columns.PULocationID);
  next.DOLocationID.set(columns.DOLocationID);
  next.trip_distance.set(columns.trip_distance);
  return next;
}

/** The extra (model input, target) columns of a chunk, all NaN (missing) until read. */
function emptyExtra(extraAt: readonly { name: string }[], capacity: number): Record<string, Float64Array> {
  return Object.fromEntries(extraAt.map(({ name }) => [name, new Float64Array(capacity).fill(Number.NaN)]));
}

function grownExtra(extra: Record<string, Float64Array>, capacity: number): Record<string, Float64Array> {
  const next: Record<string, Float64Array> = {};
  for (const [name, column] of Object.entries(extra)) {
    next[name] = new Float64Array(capacity).fill(Number.NaN);
    next[name].set(column);
  }
  return next;
}

function sliceColumns(columns: ReturnType<typeof emptyTripColumns>, n: number): ReturnType<typeof emptyTripColumns> {
  const { pickup, dropoff, PULocationID, DOLocationID, trip_distance } = columns;
  return {
    pickup: pickup.subarray(0, n),
    dropoff: dropoff.subarray(0, n),
    PULocationID: PULocationID.subarray(0, n),
    DOLocationID: DOLocationID.subarray(0, n),
    trip_distance: trip_distance.subarray(0, n),
  };
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

/**
 * '' is null; a decimal number (`12`, `-0.5`, `3.`, `.25`, `1e3`) is its value; anything else —
 * `0x0A`, `0b1`, `Infinity`, `1_0`, text — is UNREADABLE, which the filter counts as invalid.
 * (`Number()` alone reads hex, binary and octal literals as numbers.)
 */
export function parseCsvNumber(cell: string | undefined): number | null {
  const text = cell?.trim() ?? '';
  if (text === '') return null;
  if (!DECIMAL.test(text)) return UNREADABLE;
  const value = Number(text);
  return Number.isFinite(value) ? value : UNREADABLE;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const CSV_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

/** A time cell as a chunk stores it: NaN when empty, UNREADABLE when not a time. */
function timeCell(cell: string | undefined): number {
  const ms = parseCsvTime(cell);
  if (ms === null) return Number.NaN;
  return Number.isNaN(ms) ? UNREADABLE : ms;
}

/** Epoch ms of a `YYYY-MM-DD HH:MM:SS[.fff]` cell; '' is null, anything else NaN. */
export function parseCsvTime(cell: string | undefined): number | null {
  const text = cell?.trim() ?? '';
  if (text === '') return null;
  const fixed = parseFixedTime(text);
  if (fixed !== undefined) return fixed;
  const m = CSV_TIME.exec(text);
  if (!m) return Number.NaN;
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return calendarTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), fraction);
}

/**
 * Epoch ms of a wall-clock time that exists, else NaN: `Date.UTC` rolls `2021-02-30` over to
 * March 2 and hour 24 to the next day, which would score a trip that never happened.
 */
function calendarTime(year: number, month: number, day: number, hour: number, minute: number, second: number, fraction: number): number {
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second) + fraction;
  // Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear keeps them as written.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime() + fraction;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The common shape, `YYYY-MM-DD HH:MM:SS[.f…]`, read digit by digit (the regex and its seven
 * captures were a tenth of a CSV run); the same value as the regex path. Anything else
 * (a `T`, a `Z`, a stray character) is left to the regex.
 */
function parseFixedTime(t: string): number | undefined {
  if (t.length < 19 || t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 32 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58)
    return undefined;
  const year = digitsAt(t, 0, 4);
  const month = digitsAt(t, 5, 2);
  const day = digitsAt(t, 8, 2);
  const hour = digitsAt(t, 11, 2);
  const minute = digitsAt(t, 14, 2);
  const second = digitsAt(t, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let fraction = 0;
  if (t.length > 19) {
    if (t.charCodeAt(19) !== 46 || t.length > 29 || t.length === 20 || digitsAt(t, 20, t.length - 20) < 0) return undefined;
    fraction = Number(`0.${t.slice(20)}`) * 1000;
  }
  return calendarTime(year, month, day, hour, minute, second, fraction);
}

/** The number written by `count` ASCII digits from `at`, or -1 if one is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** `YYYY-MM-DD HH:MM:SS` (with `.fff` only when there are milliseconds), as pandas writes times. */
export function formatCsvTime(epochMs: number): string {
  // Whole milliseconds after 1970 (every TLC time): the day's text once per day, the rest by arithmetic.
  if (Number.isInteger(epochMs) && epochMs >= 0 && epochMs < 253402300800000) {
    const day = Math.floor(epochMs / DAY_MS);
    const inDay = epochMs - day * DAY_MS;
    const ms = inDay % 1000;
    const clock = `${dayText(day)} ${two(Math.floor(inDay / 3_600_000))}:${two(Math.floor(inDay / 60_000) % 60)}:${two(Math.floor(inDay / 1000) % 60)}`;
    return ms === 0 ? clock : `${clock}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}`;
  }
  const iso = new Date(epochMs).toISOString();
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  return text.endsWith('.000') ? text.slice(0, -4) : text;
}

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
let lastDay = Number.NaN;
let lastDayText = '';

function two(n: number): string {
  return TWO_DIGITS[n] as string;
}

function dayText(day: number): string {
  if (day !== lastDay) {
    lastDay = day;
    lastDayText = new Date(day * DAY_MS).toISOString().slice(0, 10);
  }
  return lastDayText;
}

const LINES_PER_WRITE = 4096;

/**
 * Scored rows as CSV with the course's column names; numbers round-trip exactly; an empty
 * target is an empty cell; model_versions is one quoted JSON cell.
 */
export function createCsvSink(path: string, layout: OutputLayout): ScoredSink {
  const fd = openSync(path, 'w');
  writeSync(fd, `${outputColumnNames(layout).join(',')}\n`);
  const tail = `${layout.modelVersion},"${layout.modelVersions.replaceAll('"', '""')}"\n`;
  return {
    async write(chunk: ScoredChunk) {
      // A few thousand lines per write: one chunk's text at once (~15 MB) raised the peak RSS by a third.
      for (let start = 0; start < chunk.length; start += LINES_PER_WRITE) {
        const end = Math.min(chunk.length, start + LINES_PER_WRITE);
        let text = '';
        for (let i = start; i < end; i++) {
          text += `${rideIdOf(chunk.rideIdPrefix, chunk.inputRow[i] as number)},${formatCsvTime(chunk.pickup[i] as number)},`;
          for (const column of chunk.numeric) {
            const value = column[i] as number;
            text += Number.isNaN(value) ? ',' : `${value},`;
          }
          text += tail;
        }
        writeSync(fd, text);
      }
    },
    async finish() {
      closeSync(fd);
    },
    abort() {
      closeSync(fd);
    },
  };
}
