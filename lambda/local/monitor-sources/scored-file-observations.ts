import { parseCsvNumber, parseCsvTime, splitCsvLine } from '../../protocols/batch/trip-files/csv';
import type { TripFileFormat } from '../../protocols/batch/locations';
import { describeLocation, type Location } from '../../storage/location';
import { openByteSource } from '../../protocols/batch/trip-files/byte-source';
import { loadParquetReader } from '../../protocols/batch/trip-files/parquet-modules';
import { numericColumnSlices } from '../../protocols/batch/trip-files/parquet-reader';
import { openTextLines } from '../../protocols/batch/trip-files/text-lines';
import { DEFAULT_READ_LIMITS } from '../../protocols/batch/trip-files/open-trips';
import type { ObservationChunk } from '../../monitoring/observations';
import { layoutColumns, scoredChunk, type ScoredLayout } from './scored-columns';

const CSV_CHUNK_ROWS = 65_536;

/**
 * A batch output (parquet or CSV, as lambda/protocols/batch writes it) as observations, 65,536
 * rows at a time.
 */
export function scoredFileObservations(location: Location, format: TripFileFormat, layout: ScoredLayout): AsyncGenerator<ObservationChunk> {
  return format === 'csv' ? scoredCsv(location, layout) : scoredParquet(location, layout);
}

/**
 * Through the batch job's page-checked column reader (parquet-reader.ts): slices of at most
 * {@link CSV_CHUNK_ROWS} rows, each page within the batch reader's page bound. A file whose row
 * group claims 40M rows in one dictionary page fails naming the page, instead of decoding it.
 */
async function* scoredParquet(location: Location, layout: ScoredLayout): AsyncGenerator<ObservationChunk> {
  const { parquetMetadataAsync } = await loadParquetReader();
  const file = await openByteSource(location);
  try {
    const where = describeLocation(location);
    const metadata = await parquetMetadataAsync(file);
    for await (const slice of numericColumnSlices(file, where, metadata, layoutColumns(layout), CSV_CHUNK_ROWS, DEFAULT_READ_LIMITS.maxPageValues)) {
      yield scoredChunk(layout, slice.length, (c) => slice.columns.get(c) as Float64Array);
    }
  } finally {
    await file.close();
  }
}

async function* scoredCsv(location: Location, layout: ScoredLayout): AsyncGenerator<ObservationChunk> {
  const text = await openTextLines(location, undefined, { maxLineChars: DEFAULT_READ_LIMITS.maxLineChars });
  try {
    const first = await text.lines.next();
    if (first.done) return;
    const header = splitCsvLine(first.value.replace(/^\uFEFF/, '')).map((h) => h.trim());
    const wanted = layoutColumns(layout).map((name) => ({ name, at: header.indexOf(name), time: name === layout.time }));
    let buffers = fresh(wanted, CSV_CHUNK_ROWS);
    let n = 0;
    for await (const line of text.lines) {
      if (line === '') continue;
      const cells = splitCsvLine(line);
      for (const w of wanted) {
        const cell = cells[w.at];
        const value = w.time ? parseCsvTime(cell) : parseCsvNumber(cell);
        (buffers.get(w.name) as Float64Array)[n] = value ?? (cell === undefined || cell === '' ? Number.NaN : Number.POSITIVE_INFINITY);
      }
      if (++n === CSV_CHUNK_ROWS) {
        yield scoredChunk(layout, n, (c) => buffers.get(c) as Float64Array);
        buffers = fresh(wanted, CSV_CHUNK_ROWS);
        n = 0;
      }
    }
    if (n > 0) yield scoredChunk(layout, n, (c) => (buffers.get(c) as Float64Array).subarray(0, n));
  } finally {
    text.close();
  }
}

function fresh(wanted: { name: string }[], rows: number): Map<string, Float64Array> {
  return new Map(wanted.map((w) => [w.name, new Float64Array(rows).fill(Number.NaN)]));
}
