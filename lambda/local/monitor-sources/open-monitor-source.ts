import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openByteSource } from '../../protocols/batch/trip-files/byte-source';
import { splitCsvLine } from '../../protocols/batch/trip-files/csv';
import { formatOf, parseDataLocation, type DataLocation, type TripFileFormat } from '../../protocols/batch/locations';
import { loadParquetReader } from '../../protocols/batch/trip-files/parquet-modules';
import { openTextLines } from '../../protocols/batch/trip-files/text-lines';
import { DEFAULT_READ_LIMITS } from '../../protocols/batch/trip-files/open-trips';
import { MAX_DECOMPRESSED_BYTES, emptyReadStats, listCaptureFiles, streamCaptureDirectory, type CaptureReadStats } from '../../observability/capture/read-capture';
import { observationsFromCapture, parseReferenceProfile, type MonitorSide } from '../../monitoring';
import { MonitorSourceError } from './monitor-source-error';
import { scoredFileObservations } from './scored-file-observations';
import { scoredLayout } from './scored-columns';
import { tripFileObservations } from './trip-file-observations';

/** The profile `npm run train` writes next to a model. */
export const PROFILE_FILE_NAME = 'reference-profile.json';

/** A source opened for the monitor: what it is, a label for the report, and the data. */
export interface MonitorSource {
  kind: 'profile' | 'capture' | 'batch-output' | 'trip-file';
  label: string;
  side: MonitorSide;
  /** capture lines that were not records, records left out above the bound */
  notes: string[];
}

/**
 * Opens a local path as the monitor's reference or current side, by what it holds: a reference
 * profile (`*.json`, or a directory with `reference-profile.json`), a capture directory
 * (`*.jsonl`/`*.gz` below it), a batch output (a parquet/CSV file with `predicted_*` columns) or
 * a TLC trip file (parquet/CSV).
 */
export async function openMonitorSource(path: string): Promise<MonitorSource> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new MonitorSourceError(error.code === 'ENOENT' ? 'no such file or directory' : error.message, path, { cause: error });
  });
  if (info.isDirectory()) return openDirectory(path);
  if (/\.json$/i.test(path)) return openProfile(path);
  const location = parseDataLocation(path);
  const format = formatOf(location);
  const columns = await columnNames(location, format, path);
  const layout = scoredLayout(columns);
  if (layout) {
    if (layout.inputs.length === 0) throw new MonitorSourceError('a batch output without PULocationID, DOLocationID or trip_distance has no inputs to monitor', path);
    return { kind: 'batch-output', label: `batch output ${path}`, side: scoredFileObservations(location, format, layout), notes: [] };
  }
  return { kind: 'trip-file', label: `trip file ${path}`, side: tripFileObservations(location, format), notes: [] };
}

async function openDirectory(path: string): Promise<MonitorSource> {
  if ((await readdir(path)).includes(PROFILE_FILE_NAME)) return openProfile(join(path, PROFILE_FILE_NAME));
  const files = await listCaptureFiles(path);
  if (files.length === 0) throw new MonitorSourceError(`holds neither ${PROFILE_FILE_NAME} nor capture files (*.jsonl, *.gz)`, path);
  // Streamed into the profile record by record: a capture of any size costs one chunk of memory.
  const stats = emptyReadStats();
  const notes: string[] = [];
  const records = withNotesAtEnd(streamCaptureDirectory(path, { stats }), () => notes.push(...readNotes(stats)));
  return { kind: 'capture', label: `capture ${path} (${files.length} files)`, side: observationsFromCapture(records), notes };
}

/** Yields `records`, then calls `atEnd` (the read's counts are final only once every record was read). */
async function* withNotesAtEnd<T>(records: AsyncIterable<T>, atEnd: () => void): AsyncGenerator<T> {
  yield* records;
  atEnd();
}

/** What a capture read met besides records, as the CLI's notes. */
function readNotes(stats: CaptureReadStats): string[] {
  return [
    ...(stats.unreadable > 0 ? [`${stats.unreadable} capture lines were not records`] : []),
    ...(stats.skippedLinks > 0 ? [`${stats.skippedLinks} symbolic links in the capture directory were not followed`] : []),
    ...(stats.cutFiles > 0 ? [`${stats.cutFiles} capture files inflate past ${MAX_DECOMPRESSED_BYTES / 2 ** 30} GiB and were read only that far`] : []),
  ];
}

async function openProfile(path: string): Promise<MonitorSource> {
  try {
    const profile = parseReferenceProfile(JSON.parse(await readFile(path, 'utf8')));
    return { kind: 'profile', label: profile.source, side: profile, notes: [] };
  } catch (error) {
    throw new MonitorSourceError(`not a reference profile (${error instanceof Error ? error.message.slice(0, 300) : String(error)})`, path, { cause: error });
  }
}

async function columnNames(location: DataLocation, format: TripFileFormat, path: string): Promise<string[]> {
  try {
    if (format === 'csv') {
      const text = await openTextLines(location, undefined, { maxLineChars: DEFAULT_READ_LIMITS.maxLineChars });
      try {
        const first = await text.lines.next();
        return first.done ? [] : splitCsvLine(first.value.replace(/^\uFEFF/, '')).map((h) => h.trim());
      } finally {
        text.close();
      }
    }
    const { parquetMetadataAsync } = await loadParquetReader();
    const file = await openByteSource(location);
    try {
      return (await parquetMetadataAsync(file)).schema.slice(1).map((element) => element.name);
    } finally {
      await file.close();
    }
  } catch (error) {
    throw new MonitorSourceError(`cannot read as ${format} (${error instanceof Error ? error.message : String(error)})`, path, { cause: error });
  }
}
