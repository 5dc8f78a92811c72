import { access, mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
 * server runs. A send is all or nothing: a write that fails part-way (a full disk) is truncated
 * back to where it began, so the retry of the same lines never leaves half a record in front of
 * them, and no record is written twice. Files rotate by size, age and hour; names sort by the time they were opened, and
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
    await makeDirectory(folder);
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
      await appendWhole(file.path, Buffer.from(text));
      file.bytes += bytes;
      return [];
    },
    async close() {
      current = undefined;
    },
  };
}

/**
 * Appends `data` entirely or not at all: when a write fails part-way (ENOSPC, EDQUOT, EIO), the
 * file is cut back to its size before the write and the error is thrown for the caller to retry.
 */
async function appendWhole(path: string, data: Buffer): Promise<void> {
  const handle = await open(path, 'a');
  try {
    const before = (await handle.stat()).size;
    try {
      await handle.writeFile(data);
    } catch (error) {
      await handle.truncate(before);
      throw error;
    }
  } finally {
    await handle.close();
  }
}

/**
 * `mkdir -p`, with the real reason when it fails: Node's recursive mkdir reports ENOENT for a
 * directory it may not create (a read-only mount, no write permission), which read as if the
 * capture location did not exist. The first missing ancestor is created on its own to learn why.
 */
async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(await firstMissing(path)); // throws EROFS, EACCES, …: the reason
    await mkdir(path, { recursive: true });
  }
}

/** The outermost directory of `path` that does not exist yet. */
async function firstMissing(path: string): Promise<string> {
  let missing = path;
  for (let parent = dirname(path); parent !== missing; missing = parent, parent = dirname(parent)) {
    if (
      await access(parent).then(
        () => true,
        () => false,
      )
    )
      return missing;
  }
  return missing;
}
