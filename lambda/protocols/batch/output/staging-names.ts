import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isLiveStagingFile } from './interrupt';

/**
 * A staging file's name says whose it is: `.<output name>.<host>.<pid>.<uuid>.partial`, where
 * the output name is cut to 32 characters (≤ 128 bytes of UTF-8, so the whole name fits the
 * file system's 255-byte limit whatever the destination's name) and the host is the first 8 hex
 * digits of the SHA-256 of the machine's host name (a host name can be 253 bytes and holds dots).
 * From the name alone a later run can tell a file a stopped process left (its process is gone)
 * from the file of a run still going (on this machine or another that shares the directory).
 */
const NAME_PART = 32;
const OWNER = String.raw`(?<host>[0-9a-f]{8})\.(?<pid>[1-9][0-9]{0,9})\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.partial$`;
const OWNER_AFTER_PREFIX = new RegExp(`^${OWNER}`, 'u');
const ANY_STAGING_NAME = new RegExp(`^\\..{0,${NAME_PART}}\\.${OWNER}`, 'su');

const thisHost = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** `.<name>.` where `name` is the output's file name cut to 32 characters. */
function prefixFor(outputName: string): string {
  return `.${Array.from(outputName).slice(0, NAME_PART).join('')}.`;
}

/** A fresh staging file name for an output called `outputName`, owned by this process (or by `pid` on this machine). */
export function stagingFileName(outputName: string, pid = process.pid): string {
  return `${prefixFor(outputName)}${thisHost}.${pid}.${randomUUID()}.partial`;
}

/**
 * True when `name` is a staging file for `outputName` (any output when it is undefined) that
 * this machine's process which made it can no longer finish: that process is gone, or it is
 * this one and the file is none of its live runs'. A file made on another machine, or by a
 * process that is still running (or a new process that happens to reuse the pid), is not.
 */
function isStaleStagingName(directory: string, name: string, outputName: string | undefined): boolean {
  const owner = outputName === undefined ? ANY_STAGING_NAME.exec(name)?.groups : ownerAfter(prefixFor(outputName), name);
  if (owner?.host !== thisHost || owner.pid === undefined) return false;
  const pid = Number(owner.pid);
  if (pid === process.pid) return !isLiveStagingFile(join(directory, name));
  return !isProcessAlive(pid);
}

function ownerAfter(prefix: string, name: string): Record<string, string> | undefined {
  return name.startsWith(prefix) ? OWNER_AFTER_PREFIX.exec(name.slice(prefix.length))?.groups : undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  return !isZombie(pid);
}

/**
 * Linux: a process that has ended but that its parent has not reaped yet still answers
 * kill(pid, 0). A SIGKILLed job whose parent died with it waits for init to reap it, which in
 * some containers takes seconds, or never happens.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (command) state …`; the command may itself hold parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    // No /proc (not Linux), or the process is gone after all: kill(pid, 0) already answered.
    return false;
  }
}

/**
 * Removes the staging files a stopped run left in `directory` (SIGKILL, power loss, a Lambda
 * timeout: nothing in the process could clean up) and returns their paths. Only regular files
 * whose name proves they are such a file are removed: for the output `outputName`, or for any
 * output when `outputName` is undefined (a staging directory of our own). Nothing else there is
 * touched, nor a staging file of a run that may still be going.
 *
 * @example await removeStaleStaging('out', 'scored.parquet') // ['out/.scored.parquet.1a2b3c4d.4242.<uuid>.partial']
 */
export async function removeStaleStaging(directory: string, outputName?: string): Promise<string[]> {
  const names = await readdir(directory).catch(() => [] as string[]);
  const stale = names.filter((name) => isStaleStagingName(directory, name, outputName)).map((name) => join(directory, name));
  const removed = await Promise.all(stale.map(async (path) => ((await removeIfRegularFile(path)) ? path : undefined)));
  return removed.filter((path): path is string => path !== undefined);
}

/** A directory, link or device that merely bears such a name was not made by us: left alone. */
async function removeIfRegularFile(path: string): Promise<boolean> {
  const entry = await lstat(path).catch(() => undefined);
  if (!entry?.isFile()) return false;
  return unlink(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      // Another run at the same destination removed it first.
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}
