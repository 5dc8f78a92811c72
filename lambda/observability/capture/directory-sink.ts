import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureSink } from './capture-sink';

/** When a capture file is closed and the next one started. */
export interface RotationPolicy {
  /** a file grows to at most about this many bytes */
  readonly maxFileBytes: number;
  /** a file takes lines for at most this long */
  readonly maxFileSeconds: number;
}

// Per process, not per sink: two sinks of one process opening a file in the same millisecond
// still get different names.
let sequence = 0;

interface OpenFile {
  path: string;
  hourKey: string;
  openedAt: number;
  bytes: number;
}

/**
 * Capture lines into JSON-lines files under `directory`, laid out like the AWS capture prefix:
 * `dt=YYYY-MM-DD/hour=HH/capture-<UTC time>-<pid>-<n>.jsonl`. Each send appends whole lines in one
 * write, so a reader sees complete lines (at most a last one still being written) while the
 * server runs. Files rotate by size, age and hour; names sort by the time they were opened, and
 * carry the process id, so several cluster workers never write the same file.
 *
 * @example const sink = createDirectorySink('./capture', { maxFileBytes: 64 << 20, maxFileSeconds: 600 });
 */
export function createDirectorySink(directory: string, rotation: RotationPolicy, now: () => Date = () => new Date()): CaptureSink {
  let current: OpenFile | undefined;

  async function fileFor(bytes: number, at: Date): Promise<OpenFile> {
    const hourKey = at.toISOString().slice(0, 13);
    const stale =
      current === undefined ||
      current.hourKey !== hourKey ||
      (current.bytes > 0 && current.bytes + bytes > rotation.maxFileBytes) ||
      at.getTime() - current.openedAt >= rotation.maxFileSeconds * 1000;
    if (!stale && current) return current;
    const folder = join(directory, `dt=${hourKey.slice(0, 10)}`, `hour=${hourKey.slice(11, 13)}`);
    await mkdir(folder, { recursive: true });
    const stamp = at.toISOString().replace(/[-:]/g, '').replace('.', '');
    sequence++;
    current = { path: join(folder, `capture-${stamp}-${process.pid}-${String(sequence).padStart(4, '0')}.jsonl`), hourKey, openedAt: at.getTime(), bytes: 0 };
    return current;
  }

  return {
    description: directory,
    async send(lines) {
      if (lines.length === 0) return [];
      const text = lines.join('');
      const bytes = Buffer.byteLength(text);
      const file = await fileFor(bytes, now());
      await appendFile(file.path, text);
      file.bytes += bytes;
      return [];
    },
    async close() {
      current = undefined;
    },
  };
}
