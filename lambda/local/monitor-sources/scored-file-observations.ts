import { parseCsvNumber, parseCsvTime, splitCsvLine } from '../../protocols/batch/trip-files/csv';
import type { TripFileFormat } from '../../protocols/batch/locations';
import type { Location } from '../../storage/location';
import { openByteSource } from '../../protocols/batch/trip-files/byte-source';
import { loadDecompressors, loadParquetReader } from '../../protocols/batch/trip-files/parquet-modules';
import { openTextLines } from '../../protocols/batch/trip-files/text-lines';
import { DEFAULT_READ_LIMITS } from '../../protocols/batch/trip-files/open-trips';
import type { ObservationChunk } from '../../monitoring/observations';
import { cellNumber, layoutColumns, scoredChunk, type ScoredLayout } from './scored-columns';

const CSV_CHUNK_ROWS = 65_536;

/**
 * A batch output (parquet or CSV, as lambda/protocols/batch writes it) as observations, one parquet row
 * group or 65,536 CSV lines at a time.
 */
export function scoredFileObservations(location: Location, format: TripFileFormat, layout: ScoredLayout): AsyncGenerator<ObservationChunk> {
  return format === 'csv' ? scoredCsv(location, layout) : scoredParquet(location, layout);
}

async function* scoredParquet(location: Location, layout: ScoredLayout): AsyncGenerator<ObservationChunk> {
  const { parquetMetadataAsync, parquetRead } = await loadParquetReader();
  const compressors = await loadDecompressors();
  const file = await openByteSource(location);
  try {
    const metadata = await parquetMetadataAsync(file);
    const columns = layoutColumns(layout);
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rows = Number(group.num_rows);
      const data = new Map<string, Float64Array>(columns.map((c) => [c, new Float64Array(rows).fill(Number.NaN)]));
      await parquetRead({
        file,
        metadata,
        compressors,
        columns,
        rowStart,
        rowEnd: rowStart + rows,
        onChunk: ({ columnName, columnData, rowStart: chunkStart }) => {
          const into = data.get(columnName);
          if (!into) return;
          for (let i = 0; i < columnData.length; i++) {
            const at = chunkStart + i - rowStart;
            if (at >= 0 && at < rows) into[at] = cellNumber(columnData[i]);
          }
        },
      });
      yield scoredChunk(layout, rows, (c) => data.get(c) as Float64Array);
      rowStart += rows;
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
