import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openByteSource } from '../../protocols/batch/trip-files/byte-source';
import { splitCsvLine } from '../../protocols/batch/trip-files/csv';
import { formatOf, type TripFileFormat } from '../../protocols/batch/locations';
import { type Location, parseLocation } from '../../storage/location';
import { filesUnder } from '../../storage/files-under';
import { loadParquetReader } from '../../protocols/batch/trip-files/parquet-modules';
import { openTextLines } from '../../protocols/batch/trip-files/text-lines';
import { DEFAULT_READ_LIMITS } from '../../protocols/batch/trip-files/open-trips';
import {
  MAX_DECOMPRESSED_BYTES,
  emptyReadStats,
  listCaptureFiles,
  streamCaptureDirectory,
  type CaptureReadStats,
} from '../../observability/capture/read-capture';
import { mergeProfiles, observationsFromCapture, parseReferenceProfile, type MonitorSide, type ReferenceProfile } from '../../monitoring';
import type { CaptureRecord } from '../../observability/capture/capture-record';
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
  /** what the read met besides records (unreadable lines, links not followed); complete once the side was read */
  notes: string[];
  /** a capture directory's records, streamed afresh on each call (what `--actuals` joins by ride id) */
  records?: () => AsyncGenerator<CaptureRecord>;
}

/**
 * Opens a local path as the monitor's reference or current side, by what it holds: a reference
 * profile (`*.json`, or a directory with `reference-profile.json` files — `models/` holds one per
 * model, merged into one reference), a capture directory
 * (`*.jsonl`/`*.gz` below it), a batch output (a parquet/CSV file with `predicted_*` columns) or
 * a TLC trip file (parquet/CSV).
 */
export async function openMonitorSource(path: string): Promise<MonitorSource> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new MonitorSourceError(error.code === 'ENOENT' ? 'no such file or directory' : error.message, path, { cause: error });
  });
  if (info.isDirectory()) return openDirectory(path);
  if (/\.json$/i.test(path)) return openProfile(path);
  const location = parseLocation(path, { what: 'the file' });
  const format = formatOf(location);
  const columns = await columnNames(location, format, path);
  const layout = scoredLayout(columns);
  if (layout) {
    if (layout.inputs.length === 0)
      throw new MonitorSourceError('a batch output without PULocationID, DOLocationID or trip_distance has no inputs to monitor', path);
    return { kind: 'batch-output', label: `batch output ${path}`, side: scoredFileObservations(location, format, layout), notes: [] };
  }
  return { kind: 'trip-file', label: `trip file ${path}`, side: tripFileObservations(location, format), notes: [] };
}

async function openDirectory(path: string): Promise<MonitorSource> {
  // Links are not followed (a link to `..` was walked without end).
  const profiles = await filesUnder(path, (name) => name === PROFILE_FILE_NAME);
  if (profiles.length > 0) return openProfiles(path, profiles);
  const files = await listCaptureFiles(path);
  if (files.length === 0) throw new MonitorSourceError(`holds neither ${PROFILE_FILE_NAME} nor capture files (*.jsonl, *.gz)`, path);
  // Streamed into the profile (or the join with actuals) record by record: a capture of any size costs one chunk of memory.
  const notes: string[] = [];
  const records = () => {
    const stats = emptyReadStats();
    return withNotesAtEnd(streamCaptureDirectory(path, { stats }), () => notes.push(...readNotes(stats)));
  };
  return { kind: 'capture', label: `capture ${path} (${files.length} files)`, side: observationsFromCapture(records()), notes, records };
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
  const profile = await readProfile(path);
  return { kind: 'profile', label: profile.source, side: profile, notes: [] };
}

/** A model directory's profiles (the shallowest first: models/ before models/cost/), merged into one reference. */
async function openProfiles(dir: string, names: readonly string[]): Promise<MonitorSource> {
  const ordered = [...names].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
  const profiles: ReferenceProfile[] = [];
  for (const name of ordered) profiles.push(await readProfile(join(dir, name)));
  const merged = mergeProfiles(profiles);
  return { kind: 'profile', label: merged.source, side: merged, notes: [] };
}

async function readProfile(path: string): Promise<ReferenceProfile> {
  try {
    return parseReferenceProfile(JSON.parse(await readFile(path, 'utf8')));
  } catch (error) {
    throw new MonitorSourceError(`not a reference profile (${error instanceof Error ? error.message.slice(0, 300) : String(error)})`, path, { cause: error });
  }
}

async function columnNames(location: Location, format: TripFileFormat, path: string): Promise<string[]> {
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
