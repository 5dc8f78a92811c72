import { unlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';

/**
 * The signals that stop a batch job: Ctrl-C (SIGINT), `kill`, `docker stop` and Lambda's
 * shutdown (SIGTERM), a closed terminal (SIGHUP). Each one's default action ends the process.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * The staging files this process has created (or is about to) and not yet published or
 * removed, as absolute paths. Process-wide on purpose, like the signals themselves: whichever
 * code started a run (the CLI, the Lambda handler, a test), a signal must find its file here.
 */
const liveStagingFiles = new Set<string>();
/** Why the handlers are installed: one per live staging file, one per interruptible run. */
let holds = 0;

/**
 * Registers a staging file before it is created, so that a stop signal arriving at any moment
 * from now on removes it before the process ends; the returned function forgets it once it was
 * renamed into place or removed. While any staging file is registered, SIGINT, SIGTERM and
 * SIGHUP remove every registered file, print one line on stderr and end the process as the
 * signal does: the job never continues (a later write would re-create an unlinked file).
 *
 * @example
 * const forget = trackStagingFile(tempPath);
 * try { write(tempPath); await rename(tempPath, output); } finally { forget(); }
 */
export function trackStagingFile(path: string): () => void {
  const absolute = resolve(path);
  liveStagingFiles.add(absolute);
  hold();
  let forgotten = false;
  return () => {
    if (forgotten) return;
    forgotten = true;
    liveStagingFiles.delete(absolute);
    release();
  };
}

/** True while `path` is a staging file this process registered and has not finished with. */
export function isLiveStagingFile(path: string): boolean {
  return liveStagingFiles.has(resolve(path));
}

/**
 * Runs `work` with the stop-signal handlers installed throughout, so a signal that arrives
 * before any staging file exists still ends the job the same way (one line, 128 + the signal's
 * number). The CLI wraps a whole run in it; the Lambda handler relies on trackStagingFile alone.
 */
export async function runInterruptible<T>(work: () => Promise<T>): Promise<T> {
  hold();
  try {
    return await work();
  } finally {
    release();
  }
}

function hold(): void {
  if (holds++ === 0) for (const signal of STOP_SIGNALS) process.on(signal, stopJob);
}

function release(): void {
  if (--holds === 0) removeHandlers();
}

function removeHandlers(): void {
  for (const signal of STOP_SIGNALS) process.removeListener(signal, stopJob);
}

/**
 * Everything here is synchronous: no other code of this process runs between the removal of
 * the staging files and the end of the process, so no pending write can re-create one.
 */
function stopJob(signal: NodeJS.Signals): void {
  const { removed, kept } = removeLiveStagingFilesSync();
  const outcome = kept.length > 0 ? `; could not remove ${kept.join(', ')}` : removed > 0 ? '; removed the unfinished output' : '';
  process.stderr.write(`batch interrupted by ${signal}${outcome}\n`);
  endProcessBy(signal);
}

/**
 * Unlinks every registered staging file. `removed` counts those that existed (one renamed into
 * place a moment ago does not); `kept` names those the file system refused to unlink, with why.
 */
function removeLiveStagingFilesSync(): { removed: number; kept: string[] } {
  let removed = 0;
  const kept: string[] = [];
  for (const path of liveStagingFiles) {
    try {
      unlinkSync(path);
      removed++;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') kept.push(`${path} (${code ?? (error as Error).message})`);
    }
  }
  liveStagingFiles.clear();
  return { removed, kept };
}

/**
 * Ends the process the way the signal's default action would, so the parent sees "killed by
 * SIGTERM" (a shell reports 143) and passes that on: `npm run` re-raises a child's signal on
 * itself, where an exit code of 143 would make it print a page of `npm error` lines. With our
 * listeners gone Node restores the default action and the re-raised signal ends the process
 * inside `process.kill`; if another listener keeps it alive (a host's own handler, tsx's
 * hidden relay), the exit code says the same: 128 + the signal's number.
 */
function endProcessBy(signal: NodeJS.Signals): never {
  removeHandlers();
  process.kill(process.pid, signal);
  process.exit(128 + constants.signals[signal]);
}
