import type { CaptureRecord } from '../observability/capture/capture-record';
import type { ObservationChunk } from './observations';

const CHUNK_ROWS = 8_192;

/**
 * Capture records (lambda/observability/capture) as observation chunks: inputs as received, each model's
 * output and the version that gave it, actuals where the record carries them (or a join added
 * them, ground-truth.ts), and the prediction time. An input that is a
 * number in one record and text in another counts as invalid where it is not the column's kind
 * (the first value seen decides). Records stream through in chunks of 8,192: a capture of any
 * size costs the memory of one chunk. Column names are data: they key objects without a
 * prototype, so a record naming an input `__proto__` cannot reach Object.prototype.
 *
 * @example await buildProfile(observationsFromCapture(streamCaptureDirectory(dir)), { source: 'capture 2026-11-23…30' })
 */
export async function* observationsFromCapture(records: Iterable<CaptureRecord> | AsyncIterable<CaptureRecord>): AsyncGenerator<ObservationChunk> {
  const kinds = new Map<string, 'number' | 'string'>();
  let part: CaptureRecord[] = [];
  for await (const record of records) {
    part.push(record);
    if (part.length === CHUNK_ROWS) {
      yield toChunk(part, kinds);
      part = [];
    }
  }
  if (part.length > 0) yield toChunk(part, kinds);
}

function toChunk(records: readonly CaptureRecord[], kinds: Map<string, 'number' | 'string'>): ObservationChunk {
  const n = records.length;
  const inputs = dataMap<Float64Array | (string | null)[]>();
  const predictions = dataMap<Float64Array>();
  const actuals = dataMap<Float64Array>();
  const versions = dataMap<(string | null)[]>();
  const time = new Float64Array(n);
  const numbers = (into: Record<string, Float64Array>, name: string) => (into[name] ??= new Float64Array(n).fill(Number.NaN));
  records.forEach((record, i) => {
    time[i] = Date.parse(record.time);
    for (const [name, value] of Object.entries(record.inputs ?? {})) {
      if (value === null || value === undefined) continue;
      let kind = kinds.get(name);
      if (!kind) kinds.set(name, (kind = typeof value === 'string' ? 'string' : 'number'));
      if (kind === 'string') ((inputs[name] ??= new Array<string | null>(n).fill(null)) as (string | null)[])[i] = String(value);
      else numbers(inputs as Record<string, Float64Array>, name)[i] = typeof value === 'number' ? value : Number.POSITIVE_INFINITY;
    }
    for (const [model, output] of Object.entries(record.outputs ?? {})) {
      numbers(predictions, model)[i] = finite(output?.output);
      (versions[model] ??= new Array<string | null>(n).fill(null))[i] = typeof output?.version === 'string' ? output.version : null;
    }
    for (const [model, actual] of Object.entries(record.actuals ?? {})) numbers(actuals, model)[i] = finite(actual);
  });
  return { length: n, inputs, predictions, actuals, versions, time };
}

/** An object keyed by names from the data: no prototype, so no name is special. */
function dataMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A JSON null (how capture writes a non-finite output) or a non-number is missing. */
function finite(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}
